/**
 * decode-event (issue 17): a rule matches a packet that carries the decoder event, also when the packet is invalid
 * or belongs to no flow; such alerts name no flow (no flow_id, direction or flow object) and only the addresses
 * the packet's IP header gave. Checked on suricata-verify's captures, whose answers are Suricata's; the packet
 * facts against tshark where it reads them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as anomalies from '../../src/decode/anomalies.js';
import { decoderEventNames } from '../../src/decode/index.js';
import { parseRule } from '../../src/detect/parse/rule-parser.js';
import { DEFAULT_VARS, parseRules } from '../../src/detect/ruleset.js';
import { RuleMatcher } from '../../src/detect/rule-matcher.js';
import { RuleInspector } from '../../src/detect/inspector.js';
import { analyzeToEvents } from '../../src/pipeline/index.js';
import { runAll } from '../../src/detect/suricata-verify/runner.js';

const VARS = new Map(DEFAULT_VARS);
const rule = (opts: string, proto = 'pkthdr') =>
  parseRule(`alert ${proto} any any -> any any (${opts} sid:1;)`, VARS);
const SV = join(process.cwd(), '..', 'shared', 'corpus', 'suricata-verify', 'tests');

test('decoderEventNames lists every decoder event constant', () => {
  const constants = (Object.values(anomalies) as unknown[]).filter(
    (v): v is string => typeof v === 'string' && v.startsWith('decoder.'),
  );
  assert.ok(constants.length > 50);
  assert.deepEqual([...decoderEventNames()].sort(), constants.sort());
});

test('decode-event: accepted names (decoder. optional), refusal of events moat does not raise', () => {
  assert.deepEqual(rule('decode-event:ipv4.trunc_pkt;').decodeEvents, ['decoder.ipv4.trunc_pkt']);
  assert.deepEqual(rule('decode-event:decoder.ipv6.frag_overlap;').decodeEvents, [
    'decoder.ipv6.frag_overlap',
  ]);
  assert.deepEqual(
    rule('decode-event:tcp.opt_invalid_len; decode-event:tcp.opt_duplicate;', 'tcp').decodeEvents,
    ['decoder.tcp.opt_invalid_len', 'decoder.tcp.opt_duplicate'],
  );
  // ET Open's one decode-event rule (disabled there) names routing header type 0, which moat raises.
  assert.deepEqual(rule('decode-event:ipv6.rh_type_0;', 'ipv6').decodeEvents, ['decoder.ipv6.rh_type_0']);
  // A duplicated ESP header: moat does not decode ESP, so it never raises it.
  assert.throws(() => rule('decode-event:ipv6.exthdr_dupl_eh;', 'ipv6'), /decoder does not raise this event/);
  // Suricata 8 dropped udp.hlen_invalid for udp.len_invalid.
  assert.throws(() => rule('decode-event:udp.hlen_invalid;'), /does not raise/);
});

async function alertsOf(dir: string): Promise<Array<Record<string, unknown>>> {
  const rf = ['test.rules', 'decoder-events.rules'].find((f) => existsSync(join(dir, f)))!;
  const { rules, errors } = parseRules(readFileSync(join(dir, rf), 'utf8'), rf);
  assert.deepEqual(errors, []);
  const pcap = ['truncated.pcap', 'test.pcap', 'frag-10.pcap'].map((f) => join(dir, f)).find(existsSync)!;
  const ins = new RuleInspector(new RuleMatcher(rules), true);
  const { events } = await analyzeToEvents(pcap, { inspectors: [ins], flow: { midstream: false } });
  return (events as Array<Record<string, unknown>>).filter((e) => e.event_type === 'alert');
}

test('flowless alerts in Suricata shape: no flow, addresses only from a valid IP header', async (t) => {
  if (!existsSync(SV)) return t.skip(`corpus absent: ${SV}`);
  // IPv4 total length 65028 in a 1530-byte frame: invalid at the IP layer, so the alert has no addresses.
  const [trunc, ...more] = await alertsOf(join(SV, 'ipv4-truncated'));
  assert.equal(more.length, 0);
  assert.equal((trunc.alert as { signature_id: number }).signature_id, 2200003);
  for (const k of ['flow_id', 'src_ip', 'dest_ip', 'src_port', 'dest_port', 'direction', 'flow', 'app_proto'])
    assert.equal(k in trunc, false, k);
  assert.equal(trunc.pcap_cnt, 1);
  assert.equal(trunc.pkt_src, 'wire/pcap');

  // Too small for TCP/UDP/GRE: the IP header is valid (addresses, protocol), the transport one is not (no ports).
  const small = await alertsOf(join(SV, 'decode-too-small'));
  assert.deepEqual(
    small.map(
      (a) =>
        `${String(a.pcap_cnt)} ${String(a.src_ip)}>${String(a.dest_ip)} ${String(a.proto)} ${(a.alert as { signature_id: number }).signature_id}`,
    ),
    [
      '1 1.1.1.1>2.2.2.2 TCP 1',
      '2 1.1.1.1>2.2.2.2 UDP 2',
      '3 1.1.1.1>2.2.2.2 UDP 2',
      '4 1.1.1.1>2.2.2.2 GRE 3',
      '5 fd01::101:101>fd02::202:202 TCP 1',
      '6 fd01::101:101>fd02::202:202 UDP 2',
      '7 fd01::101:101>fd02::202:202 UDP 2',
      '8 fd01::101:101>fd02::202:202 GRE 3',
    ],
  );
  // Of the two sid 1 rules, Suricata 8 keeps rev 2.
  assert.equal((small[0].alert as { rev: number }).rev, 2);
  for (const a of small)
    for (const k of ['flow_id', 'src_port', 'dest_port', 'direction']) assert.equal(k in a, false);
});

test('an event on a packet that reaches a flow alerts with the flow', async (t) => {
  const dir = join(SV, 'ipv6-evasion', 'ipv6-malformed-fragments-10');
  if (!existsSync(dir)) return t.skip(`corpus absent: ${dir}`);
  // Frame 5: two atomic fragment headers; the packet is still a valid ICMPv6 echo request, so it has a flow.
  const alerts = await alertsOf(dir);
  assert.deepEqual(
    alerts.map((a) => (a.alert as { signature_id: number }).signature_id).sort(),
    [2200015, 2200080],
  );
  for (const a of alerts) {
    assert.equal(a.pcap_cnt, 5);
    assert.equal(typeof a.flow_id, 'number');
    assert.equal(a.direction, 'to_server');
    assert.equal(a.proto, 'IPv6-ICMP');
  }
});

test('the 24 suricata-verify tests with decode-event rules pass', async (t) => {
  if (!existsSync(SV)) return t.skip(`corpus absent: ${SV}`);
  const frag = [1, 4, 6, 8, 9, 10, 11, 12, 15, 16, 17, 18, 24, 25, 26, 27, 28, 29, 33].map(
    (n) => `ipv6-evasion/ipv6-malformed-fragments-${n}`,
  );
  const names = [
    'decode-too-small',
    'ipv4-truncated',
    'ipv6-evasion/ipv6-dos-with-ext-headers-6',
    ...frag,
    'tcp-empty-sack',
    'tcp-fastopen-09',
  ].sort();
  const res = await runAll(SV, new RegExp(`^(${names.join('|')})$`));
  assert.deepEqual(
    res.map((r) => `${r.test}: ${r.result}${r.reason ? ` (${r.reason})` : ''}`),
    names.map((n) => `${n}: pass`),
  );
});

test('EVE anomaly: one record per decoder event of a packet, in the order raised', async (t) => {
  const pcap = join(SV, 'ipv6-evasion', 'ipv6-malformed-fragments-25', 'frag-25.pcap');
  if (!existsSync(pcap)) return t.skip(`corpus absent: ${pcap}`);
  const { events } = await analyzeToEvents(pcap, {});
  const anomalies = (events as Array<Record<string, unknown>>).filter((e) => e.event_type === 'anomaly');
  assert.deepEqual(
    anomalies.map((e) => `${String(e.pcap_cnt)} ${(e.anomaly as { event: string }).event}`),
    // Frames 4 and 5 (MLD reports): a hop-by-hop router alert then a PadN of length 0 (tshark: option types
    // 0x05, 0x01, lengths 2, 0), which Suricata's decode-ipv6.c flags as zero_len_padn.
    [
      '4 decoder.ipv6.zero_len_padn',
      '5 decoder.ipv6.zero_len_padn',
      '8 decoder.ipv6.exthdr_useless_fh',
      '8 decoder.ipv6.trunc_exthdr',
    ],
  );
});
