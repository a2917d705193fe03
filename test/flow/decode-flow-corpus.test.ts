/**
 * The flow layer on real captures (classic pcap, through the real decoder, HTTP and DNS parsers), against
 * other tools' answers: Suricata's verification suite flow checks, Wireshark's per-conversation totals and
 * Zeek's conn.log (originator, packets per direction).
 * The same comparisons run through the whole pipeline in corpus-flows.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { httpProtocol } from '../../src/proto/http/index.js';
import { dnsDatagramProtocol, dnsStreamProtocol } from '../../src/proto/dns/index.js';
import {
  countMatching,
  flowChecks,
  hasTshark,
  moatTcpConversations,
  tsharkTcpConversations,
  zeekConnRows,
  zeekSingleTraceBaselines,
  type Event,
} from './corpus-compare.js';
import { classicPcapFlowEvents } from './decode-flow-harness.js';

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');
const SV = join(CORPUS, 'suricata-verify', 'tests');
const JA4 = join(CORPUS, 'tls', 'ja4', 'pcap');
const PROTOCOLS = { stream: [httpProtocol, dnsStreamProtocol], datagram: [dnsDatagramProtocol] };

test('suricata-verify flow checks agree through decode → flow (TLS detection and NSH aside)', (t) => {
  if (!existsSync(SV)) return t.skip(`corpus not found at ${SV}`);
  const checks = readdirSync(SV).flatMap((d) => flowChecks(join(SV, d)));
  const failures: string[] = [];
  let compared = 0;
  const cache = new Map<string, Event[] | undefined>();
  for (const c of checks) {
    if (c.match.app_proto === 'tls') continue; // the TLS module is checked end to end
    if (!cache.has(c.pcap)) cache.set(c.pcap, classicPcapFlowEvents(c.pcap, PROTOCOLS));
    const evs = cache.get(c.pcap);
    if (evs === undefined) continue;
    compared++;
    const n = countMatching(evs, c.match);
    if (n !== c.count) failures.push(`${c.test}: ${JSON.stringify(c.match)} expected ${c.count}, got ${n}`);
  }
  t.diagnostic(`${compared - failures.length}/${compared} suricata-verify flow checks agree`);
  assert.ok(compared >= 20, `compared ${compared}`);
  // moat does not decode NSH.
  assert.deepEqual(
    failures.filter((f) => !f.startsWith('decode-nsh-')),
    [],
  );
});

test('bug-2646-02: the TLS flow Suricata logs, field by field (counters, flags, state, reason)', (t) => {
  const pcap = join(SV, 'bug-2646-02', 'input.pcap');
  if (!existsSync(pcap)) return t.skip(`corpus not found at ${pcap}`);
  const evs = classicPcapFlowEvents(pcap, PROTOCOLS)!;
  assert.equal(evs.length, 1);
  const ev = evs[0];
  assert.equal(ev.src_ip, '192.168.0.253');
  assert.equal(ev.src_port, 50282);
  assert.equal(ev.dest_port, 443);
  assert.deepEqual(
    { ...(ev.flow as object), start: undefined, end: undefined },
    {
      pkts_toserver: 13,
      pkts_toclient: 14,
      bytes_toserver: 1778,
      bytes_toclient: 15602,
      start: undefined,
      end: undefined,
      age: 0,
      state: 'closed',
      reason: 'shutdown',
      alerted: false,
    },
  );
  assert.deepEqual(ev.tcp, {
    tcp_flags: '1f',
    tcp_flags_ts: '1e',
    tcp_flags_tc: '1b',
    syn: true,
    fin: true,
    rst: true,
    psh: true,
    ack: true,
    state: 'closed',
    // Suricata 8's stream buffer regions: 1 for a stream that never held data past a hole.
    ts_max_regions: 1,
    tc_max_regions: 1,
  });
});

test('TCP conversations equal tshark frame and byte totals on a sample of suricata-verify and JA4 captures', (t) => {
  if (!existsSync(SV)) return t.skip(`corpus not found at ${SV}`);
  if (!hasTshark()) return t.skip('tshark not installed');
  // A fixed, varied sample keeps the test quick (tshark runs once per capture and is slow on a busy box);
  // the first three are the captures that showed decoder-side differences.
  const sample = [
    'decode-etag-01/input.pcap',
    'detect-ipopts/input.pcap',
    'http-response-line/input.pcap',
    'bug-2646-02/input.pcap',
    'eve-metadata/testmyids.pcap',
    'tcp-stream-after-swap/http-start-from-response.pcap',
    'eve-flow-vlan/input.pcap',
    'decode-sctp-01/input.pcap',
  ].map((f) => join(SV, f));
  if (existsSync(JA4)) for (const n of ['badcurveball.pcap', 'https-connect.pcap']) sample.push(join(JA4, n));
  let compared = 0;
  const diffs: string[] = [];
  for (const file of sample) {
    const evs = classicPcapFlowEvents(file, PROTOCOLS);
    if (evs === undefined) continue;
    const ref = tsharkTcpConversations(file);
    if (ref === undefined || ref.size === 0) continue;
    const ours = moatTcpConversations(evs);
    compared++;
    const a = JSON.stringify([...ours].sort(([x], [y]) => (x < y ? -1 : 1)));
    const b = JSON.stringify([...ref].sort(([x], [y]) => (x < y ? -1 : 1)));
    if (a !== b) diffs.push(file.split('/').slice(-2).join('/'));
  }
  t.diagnostic(`${compared - diffs.length}/${compared} captures agree with tshark`);
  assert.ok(compared >= 6, `compared ${compared}`);
  // Known decoder-side differences: E-Tag frames, IPv4-mapped IPv6 text form, LSRR destination.
  const known = [
    'decode-etag-01/',
    'decode-etag-02/',
    'detect-bytetest-02/',
    'detect-ipopts/',
    'http-response-line/',
  ];
  assert.deepEqual(
    diffs.filter((d) => !known.some((k) => d.startsWith(k))),
    [],
  );
});

test("Zeek conn.log: each connection's originator and packets per direction", (t) => {
  const zeek = join(CORPUS, 'tls', 'zeek');
  if (!existsSync(zeek)) return t.skip(`corpus not found at ${zeek}`);
  let rows = 0;
  const diffs: string[] = [];
  for (const [name, trace] of zeekSingleTraceBaselines(zeek)) {
    const conn = join(zeek, 'baseline', name, 'conn.log');
    // Tunnels: Zeek logs carrier and inner connections its own way.
    if (
      name.startsWith('core.tunnels') ||
      !existsSync(conn) ||
      !existsSync(trace) ||
      !statSync(trace).isFile()
    )
      continue;
    const evs = classicPcapFlowEvents(trace, PROTOCOLS);
    if (evs === undefined) continue;
    for (const z of zeekConnRows(conn)) {
      rows++;
      const mine = evs.filter(
        (e) =>
          e.proto === z.proto &&
          e.src_ip === z.origH &&
          e.src_port === z.origP &&
          e.dest_ip === z.respH &&
          e.dest_port === z.respP,
      );
      const pkts = mine.reduce(
        (a, e) => {
          const f = e.flow as Record<string, number>;
          return [a[0] + f.pkts_toserver, a[1] + f.pkts_toclient];
        },
        [0, 0],
      );
      if (pkts[0] !== z.origPkts || pkts[1] !== z.respPkts) {
        diffs.push(
          `${name} ${z.origH}:${z.origP} → ${z.respH}:${z.respP} zeek ${z.origPkts}/${z.respPkts} moat ${pkts}`,
        );
      }
    }
  }
  t.diagnostic(`${rows - diffs.length}/${rows} Zeek connections agree`);
  assert.ok(rows >= 5, `compared ${rows} connections`);
  assert.deepEqual(diffs, []);
});
