/**
 * Reference comparisons for flow events against other tools' answers on real captures:
 * - Suricata's own verification suite: the `checks` filters of a test.yaml (`count` events matching dotted
 *   field paths) restricted to `flow` events and to fields moat writes with Suricata's meaning.
 * - Wireshark: per-TCP-conversation frame and byte totals from `tshark -T fields`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';

export type Event = Record<string, unknown>;

/** Flow-event fields whose meaning moat shares with Suricata (no detection, bypass or exception policy). */
const SUPPORTED = new Set([
  'event_type',
  'proto',
  'src_ip',
  'dest_ip',
  'src_port',
  'dest_port',
  'vlan',
  'app_proto',
  'community_id',
  'flow.pkts_toserver',
  'flow.pkts_toclient',
  'flow.bytes_toserver',
  'flow.bytes_toclient',
  'flow.start',
  'flow.end',
  'flow.age',
  'flow.state',
  'flow.reason',
  'flow.alerted',
]);

export interface FlowCheck {
  test: string;
  pcap: string;
  count: number;
  match: Record<string, unknown>;
}

/** The flow-event checks of one suricata-verify test that moat can answer; [] when there are none. */
export function flowChecks(testDir: string): FlowCheck[] {
  const yamlPath = join(testDir, 'test.yaml');
  if (!existsSync(yamlPath)) return [];
  const doc = parse(readFileSync(yamlPath, 'utf8')) as {
    pcap?: string | false;
    args?: string[];
    checks?: { filter?: { count?: number; match?: Record<string, unknown> } }[];
  };
  const args = (doc.args ?? []).join(' ');
  // Options that change flow semantics (bypass, exception policies, flow timeouts) are out of scope.
  if (/bypass|exception-policy|flow-timeouts|simulate|--runmode|-k all/.test(args)) return [];
  const pcap =
    typeof doc.pcap === 'string'
      ? join(testDir, doc.pcap)
      : ['input.pcap', 'input.pcapng'].map((n) => join(testDir, n)).find((p) => existsSync(p));
  if (pcap === undefined || !existsSync(pcap)) return [];
  const out: FlowCheck[] = [];
  for (const c of doc.checks ?? []) {
    const f = c.filter;
    if (!f || f.count === undefined || !f.match || f.match.event_type !== 'flow') continue;
    const keys = Object.keys(f.match);
    if (!keys.every((k) => SUPPORTED.has(k) || k.startsWith('tcp.'))) continue;
    if (f.match['flow.state'] === 'bypassed') continue;
    const ap = f.match.app_proto;
    if (ap !== undefined && ap !== 'tls' && ap !== 'http' && ap !== 'dns' && ap !== 'failed') continue;
    out.push({ test: testDir.split('/').pop()!, pcap, count: f.count, match: f.match });
  }
  return out;
}

function lookup(ev: Event, path: string): unknown {
  let cur: unknown = ev;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function same(expected: unknown, actual: unknown): boolean {
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      expected.length === actual.length &&
      expected.every((e, i) => same(e, actual[i]))
    );
  }
  // YAML turns `tcp_flags: 12` into a number; EVE writes hex strings.
  return expected === actual || (actual !== undefined && String(expected) === String(actual));
}

export function countMatching(events: Event[], match: Record<string, unknown>): number {
  let n = 0;
  for (const ev of events) {
    if (Object.entries(match).every(([k, v]) => same(v, lookup(ev, k)))) n++;
  }
  return n;
}

export { hasTshark } from '../helpers/tshark.js';

export interface Conversation {
  frames: number;
  bytes: number;
}

/**
 * TCP conversations by unordered endpoint pair, from tshark; undefined when the capture has tunnels or a
 * tuple reused by several TCP streams (tshark and a flow table legitimately split those differently).
 */
export function tsharkTcpConversations(pcap: string): Map<string, Conversation> | undefined {
  const r = spawnSync(
    'tshark',
    [
      '-r',
      pcap,
      '-n',
      '-Y',
      'tcp',
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-e',
      'tcp.stream',
      '-e',
      'ip.src',
      '-e',
      'ipv6.src',
      '-e',
      'tcp.srcport',
      '-e',
      'ip.dst',
      '-e',
      'ipv6.dst',
      '-e',
      'tcp.dstport',
      '-e',
      'frame.len',
    ],
    { encoding: 'utf8', maxBuffer: 1 << 28 },
  );
  if (r.status !== 0) return undefined;
  const byKey = new Map<string, Conversation>();
  const streamOf = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue;
    const [stream, s4, s6, sp, d4, d6, dp, len] = line.split('|');
    const src = s4 || s6;
    const dst = d4 || d6;
    // Several IP or TCP layers (tunnels, ICMP errors quoting TCP): skip the capture.
    if ([src, dst, sp, dp, stream].some((x) => x.includes(','))) return undefined;
    const key = conversationKey(src, Number(sp), dst, Number(dp));
    const prev = streamOf.get(key);
    if (prev !== undefined && prev !== stream) return undefined;
    streamOf.set(key, stream);
    const c = byKey.get(key) ?? { frames: 0, bytes: 0 };
    c.frames++;
    c.bytes += Number(len);
    byKey.set(key, c);
  }
  return byKey;
}

export function conversationKey(a: string, ap: number, b: string, bp: number): string {
  const x = `${a}/${ap}`;
  const y = `${b}/${bp}`;
  return x < y ? `${x} ${y}` : `${y} ${x}`;
}

/** The same totals from moat's TCP flow events (flows of one tuple summed, as tshark does not split). */
export function moatTcpConversations(events: Event[]): Map<string, Conversation> {
  const byKey = new Map<string, Conversation>();
  for (const ev of events) {
    if (ev.event_type !== 'flow' || ev.proto !== 'TCP') continue;
    const f = ev.flow as Record<string, number>;
    const key = conversationKey(
      String(ev.src_ip),
      Number(ev.src_port),
      String(ev.dest_ip),
      Number(ev.dest_port),
    );
    const c = byKey.get(key) ?? { frames: 0, bytes: 0 };
    c.frames += f.pkts_toserver + f.pkts_toclient;
    c.bytes += f.bytes_toserver + f.bytes_toclient;
    byKey.set(key, c);
  }
  return byKey;
}

export interface ZeekConn {
  origH: string;
  origP: number;
  respH: string;
  respP: number;
  proto: string;
  origPkts: number;
  respPkts: number;
}

/** Zeek's conn.log rows (TSV with a `#fields` header); TCP/UDP only, tunnel carrier connections left out. */
export function zeekConnRows(file: string): ZeekConn[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const header = lines.find((l) => l.startsWith('#fields'));
  if (header === undefined) return [];
  const fields = header.split('\t').slice(1);
  const col = (row: string[], name: string): string => row[fields.indexOf(name)];
  const out: ZeekConn[] = [];
  for (const line of lines) {
    if (line === '' || line.startsWith('#')) continue;
    const row = line.split('\t');
    const proto = col(row, 'proto');
    if (proto !== 'tcp' && proto !== 'udp') continue;
    if (/vxlan|geneve|ayiya|teredo|gtp|gre/.test(col(row, 'service'))) continue;
    out.push({
      origH: col(row, 'id.orig_h'),
      origP: Number(col(row, 'id.orig_p')),
      respH: col(row, 'id.resp_h'),
      respP: Number(col(row, 'id.resp_p')),
      proto: proto.toUpperCase(),
      origPkts: Number(col(row, 'orig_pkts')),
      respPkts: Number(col(row, 'resp_pkts')),
    });
  }
  return out;
}

/** Zeek test baselines with exactly one trace: baseline folder → trace path. */
export function zeekSingleTraceBaselines(zeekDir: string): Map<string, string> {
  const traces = new Map<string, string[]>();
  for (const line of readFileSync(join(zeekDir, 'test-to-trace-map.tsv'), 'utf8').split('\n')) {
    const [testPath, trace] = line.split('\t');
    if (!testPath || !trace) continue;
    const name = testPath
      .replace(/^testing\/btest\//, '')
      .replace(/\.zeek$/, '')
      .replace(/\//g, '.');
    const list = traces.get(name) ?? [];
    list.push(trace.trim().replace('$TRACES', join(zeekDir, 'traces')));
    traces.set(name, list);
  }
  const out = new Map<string, string>();
  for (const [name, list] of traces) if (list.length === 1) out.set(name, list[0]);
  return out;
}
