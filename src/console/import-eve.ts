/**
 * Loads an EVE file (what `moat analyze`, the tlsmon or the honeypot wrote) into the console: alerts as alerts,
 * flows as per-minute traffic per zone and address. Zones come from the gateway configuration when there is one;
 * otherwise private addresses count as the LAN and the rest as the WAN.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { InputError } from '../framework/errors.js';
import { isGloballyReachable, tryParseIp } from '../address/index.js';
import { loadGatewayConfig, zoneClassifier } from '../gateway/index.js';
import type { Console } from './server.js';
import { gatewayConfigFile } from './routes-setup.js';

export interface ImportResult {
  alerts: number;
  flows: number;
  skipped: number;
}

export function zoneFunction(stateDir: string): (ip: string) => string {
  const file = gatewayConfigFile(stateDir);
  if (existsSync(file)) {
    const z = zoneClassifier(loadGatewayConfig(file).plan);
    return (ip) => {
      const zone = z(ip);
      return zone === 'outside' ? 'wan' : zone;
    };
  }
  return (ip) => {
    const a = tryParseIp(ip);
    return a && !isGloballyReachable(a.words) ? 'lan' : 'wan';
  };
}

/** `notify`: alerts also go live (SSE, channels); off for a bulk load of history. */
export async function importEve(c: Console, file: string, notify = false): Promise<ImportResult> {
  const zoneOf = zoneFunction(c.ctx.stateDir);
  const r: ImportResult = { alerts: 0, flows: 0, skipped: 0 };
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  const db = c.ctx.store.db;
  let n = 0;
  db.exec('BEGIN');
  try {
    for await (const line of lines) {
      n++;
      if (line.trim() === '') continue;
      let ev: Record<string, unknown>;
      try {
        ev = JSON.parse(line) as Record<string, unknown>;
      } catch {
        r.skipped++;
        continue;
      }
      if (ev.event_type === 'alert') {
        if (notify) c.alert(ev);
        else c.ctx.cdb.addAlert(ev);
        r.alerts++;
      } else if (ev.event_type === 'flow') {
        c.ctx.cdb.addFlow(ev, zoneOf);
        r.flows++;
      }
    }
    db.exec('COMMIT');
  } catch (e) {
    db.exec('ROLLBACK');
    throw new InputError(`${file}:${n}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return r;
}
