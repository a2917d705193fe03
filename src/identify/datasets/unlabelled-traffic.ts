/**
 * Unlabelled traffic for the self-training step (B-5 S4, B-8): EVE NDJSON as `moat analyze` or Suricata
 * writes it (`flow`/`netflow` events; `tls` and `dns` events of the same flow_id lend SNI/JA3/JA4 and
 * names). Every public endpoint becomes one sample with the flows seen from its side. These samples carry
 * no label: an evaluation puts them only in the unlabelled pool (and drops those whose neighbourhood is on
 * the test side).
 */
import { readFileSync } from 'node:fs';
import { cidrContains, parseCidr, tryParseIp } from '../../address/index.js';
import { compactFromEve, eveFlowSchema, type CompactFlow } from '../flow-record.js';
import type { AddressSample } from './ustc-conversations.js';

/** IPv4 that is no public endpoint: this network, private, loopback, CGNAT, link-local, 224/3 and up. */
const NOT_PUBLIC_V4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '127.0.0.0/8',
  '224.0.0.0/3',
  '100.64.0.0/10',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
].map(parseCidr);
const GLOBAL_UNICAST_V6 = parseCidr('2000::/3');
const DOCUMENTATION_V6 = parseCidr('2001:db8::/32');

/**
 * Private, loopback, link-local, CGNAT, multicast and reserved IPv4 (and x.x.x.255, a /24's broadcast);
 * IPv6 outside global unicast 2000::/3 or in the documentation prefix 2001:db8::/32. This list defines
 * which samples a dataset has; classifyIp's IANA classification is stricter (it also refuses 192.0.2.0/24,
 * 198.18.0.0/15 …) and would change them.
 */
export function isPublicAddress(text: string): boolean {
  const a = tryParseIp(text);
  if (!a) return false;
  const w = a.words;
  if (a.version === 6) return cidrContains(GLOBAL_UNICAST_V6, w) && !cidrContains(DOCUMENTATION_V6, w);
  return !(NOT_PUBLIC_V4.some((c) => cidrContains(c, w)) || (w[3] & 255) === 255);
}

export interface UnlabelledLoad {
  samples: AddressSample[];
  events: number;
  badLines: number;
}

/** Reads EVE files into per-address samples (at most `maxFlows` flows each, the earliest kept). */
export function loadUnlabelledTraffic(files: string[], maxFlows = 2000): UnlabelledLoad {
  const lines = function* (): Generator<string> {
    for (const file of files) {
      yield '';
      yield* readFileSync(file, 'utf8').split('\n');
    }
  };
  return samplesFromEveLines(lines(), maxFlows);
}

/**
 * Per-address samples from EVE events already in memory (e.g. `analyzeToEvents` on a capture); each
 * inner list is one capture, whose flow ids are its own.
 */
export function samplesFromEve(captures: Iterable<readonly unknown[]>, maxFlows = 2000): UnlabelledLoad {
  const lines = function* (): Generator<string | Record<string, unknown>> {
    for (const events of captures) {
      yield '';
      for (const ev of events) yield ev as Record<string, unknown>;
    }
  };
  return samplesFromEveLines(lines(), maxFlows);
}

/** An empty line ('') starts a new capture (flow ids are per capture); other items are EVE lines or events. */
function samplesFromEveLines(
  input: Iterable<string | Record<string, unknown>>,
  maxFlows: number,
): UnlabelledLoad {
  const perAddress = new Map<string, CompactFlow[]>();
  let events = 0;
  let badLines = 0;
  let flows: Record<string, unknown>[] = [];
  let tls = new Map<unknown, Record<string, unknown>>();
  let dns = new Map<unknown, string>();
  const finish = (): void => {
    for (const raw of flows) {
      const id = `${String(raw.flow_id)}`;
      const t = tls.get(id);
      if (t && raw.tls === undefined) raw.tls = t;
      const name = dns.get(id);
      if (name && raw.dns === undefined) raw.dns = { rrname: name };
      const parsed = eveFlowSchema.safeParse(raw);
      if (!parsed.success) {
        badLines++;
        continue;
      }
      events++;
      for (const side of [parsed.data.src_ip, parsed.data.dest_ip]) {
        if (!isPublicAddress(side)) continue;
        const c = compactFromEve(parsed.data, side);
        if (!c) continue;
        let list = perAddress.get(side);
        if (!list) perAddress.set(side, (list = []));
        if (list.length < maxFlows) list.push(c);
      }
    }
    flows = [];
    tls = new Map();
    dns = new Map();
  };
  for (const line of input) {
    if (line === '') {
      finish();
      continue;
    }
    let ev: Record<string, unknown>;
    if (typeof line === 'string') {
      if (!line.trim()) continue;
      try {
        ev = JSON.parse(line) as Record<string, unknown>;
      } catch {
        badLines++;
        continue;
      }
    } else ev = line;
    if (ev.event_type === 'flow' || ev.event_type === 'netflow') flows.push(ev);
    else if (ev.event_type === 'tls' && ev.tls && typeof ev.tls === 'object')
      tls.set(`${String(ev.flow_id)}`, ev.tls as Record<string, unknown>);
    else if (ev.event_type === 'dns' && ev.dns && typeof ev.dns === 'object') {
      const name = (ev.dns as Record<string, unknown>).rrname;
      if (typeof name === 'string') dns.set(`${String(ev.flow_id)}`, name);
    }
  }
  finish();
  const samples = [...perAddress]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([ip, flows]) => ({ ip, flows, y: 0, family: 'unlabelled' }));
  return { samples, events, badLines };
}
