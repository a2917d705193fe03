/** The `--traffic` file of `moat identify check`: flows as JSON or as EVE NDJSON from `moat analyze`. */
import { readFileSync } from 'node:fs';
import { InputError } from '../../../framework/errors.js';
import { MAX_FLOWS_PER_ITEM } from '../../../identify/index.js';

/**
 * Reads a traffic file: JSON ({flows, stats} or an array of flows) or EVE NDJSON. From EVE, `flow`/`netflow`
 * records are the flows; `tls` and `dns` records of the same flow_id lend them SNI/JA3/JA4 and query names
 * (moat analyze and Suricata write those as separate events).
 */
export function readTrafficFile(path: string): unknown {
  const text = readFileSync(path, 'utf8');
  const t = text.trimStart();
  if (t.startsWith('[')) return { flows: JSON.parse(t) };
  if (t.startsWith('{')) {
    try {
      return JSON.parse(t);
    } catch {
      // Not one JSON document: EVE NDJSON.
    }
  }
  const flows: Record<string, unknown>[] = [];
  const tls = new Map<unknown, Record<string, unknown>>();
  const dns = new Map<unknown, string>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let ev: Record<string, unknown>;
    try {
      ev = JSON.parse(line);
    } catch {
      throw new InputError(`${path}:${i + 1}: not a JSON line`);
    }
    if (ev.event_type === 'flow' || ev.event_type === 'netflow') flows.push(ev);
    else if (ev.event_type === 'tls' && ev.tls && typeof ev.tls === 'object')
      tls.set(ev.flow_id, ev.tls as Record<string, unknown>);
    else if (ev.event_type === 'dns' && ev.dns && typeof ev.dns === 'object') {
      const name = (ev.dns as Record<string, unknown>).rrname;
      if (typeof name === 'string') dns.set(ev.flow_id, name);
    }
  });
  for (const f of flows) {
    const id = f.flow_id;
    if (id === undefined) continue;
    const tl = tls.get(id);
    if (tl && f.tls === undefined) {
      const ja3 = tl.ja3 as Record<string, unknown> | undefined;
      f.tls = {
        ...(typeof tl.sni === 'string' ? { sni: tl.sni } : {}),
        ...(typeof ja3?.hash === 'string' ? { ja3: { hash: ja3.hash } } : {}),
        ...(typeof tl.ja4 === 'string' ? { ja4: tl.ja4 } : {}),
      };
    }
    const name = dns.get(id);
    if (name && f.dns === undefined) f.dns = { rrname: name };
  }
  if (flows.length > MAX_FLOWS_PER_ITEM) flows.length = MAX_FLOWS_PER_ITEM;
  return { flows };
}
