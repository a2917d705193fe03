/**
 * Suricata's detection semantics on suricata-verify's own captures, with the alert counts its test.yaml expects:
 * packet-and-stream rules, Fast Open data, an un-ACKed request inspected at flow end, and header rules with no
 * direction that inspect the response too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRules } from '../../src/detect/ruleset.js';
import { RuleMatcher } from '../../src/detect/rule-matcher.js';
import { RuleInspector } from '../../src/detect/inspector.js';
import { analyzeToEvents } from '../../src/pipeline/index.js';

const SV = '../shared/corpus/suricata-verify/tests';

/** Alerts per sid when the test's rules run on `pcap` as the suricata-verify runner runs them. */
async function alertCounts(
  dir: string,
  pcap: string,
  midstream: boolean,
): Promise<{ counts: Map<number, number>; events: Array<Record<string, unknown>> }> {
  const { rules, errors } = parseRules(readFileSync(join(dir, 'test.rules'), 'utf8'), 'test.rules');
  assert.deepEqual(errors, []);
  const ins = new RuleInspector(new RuleMatcher(rules), true);
  const { events } = await analyzeToEvents(pcap, { inspectors: [ins], flow: { midstream } });
  const counts = new Map<number, number>();
  for (const e of events as Array<Record<string, unknown>>) {
    if (e.event_type !== 'alert') continue;
    const sid = (e.alert as { signature_id: number }).signature_id;
    counts.set(sid, (counts.get(sid) ?? 0) + 1);
  }
  return { counts, events: events as Array<Record<string, unknown>> };
}

const bySid = (m: Map<number, number>, sids: number[]): number[] => sids.map((s) => m.get(s) ?? 0);

test('a tcp rule anchored by depth alerts on the packet and again on the stream; unanchored ones once', async (t) => {
  const dir = join(SV, 'detect-bytetest-02');
  if (!existsSync(dir)) return t.skip(`${dir} absent`);
  const { counts } = await alertCounts(dir, join(dir, 'input.pcap'), true);
  // test.yaml: sid 1 ×1, 2 ×1, 3 ×0, 4 ×2, 5 ×2.
  assert.deepEqual(bySid(counts, [1, 2, 3, 4, 5]), [1, 1, 0, 2, 2]);
});

test('Fast Open data waits for the peer: an http rule matches from its first packet after the handshake', async (t) => {
  const dir = join(SV, 'detect-engine-proto');
  const pcap = join(SV, 'tcp-fastopen-01', 'tfo.pcap');
  if (!existsSync(pcap)) return t.skip(`${pcap} absent`);
  const { counts, events } = await alertCounts(dir, pcap, false);
  // test.yaml: udp 0, ip 7, tcp 7, http 3; two http events.
  assert.deepEqual(bySid(counts, [1, 2, 3, 4]), [0, 7, 7, 3]);
  assert.equal(events.filter((e) => e.event_type === 'http').length, 2);
});

test('a request with two spaces after its method is HTTP; an un-ACKed request is inspected at flow end', async (t) => {
  const dir = join(SV, 'detect-pcre', 'detect-pcre-04');
  if (!existsSync(dir)) return t.skip(`${dir} absent`);
  const { counts, events } = await alertCounts(dir, join(dir, 'input.pcap'), true);
  // test.yaml: sids 1–6 once, 7–9 twice, 10 never; sid 4 on the GET.
  assert.deepEqual(bySid(counts, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), [1, 1, 1, 1, 1, 1, 2, 2, 2, 0]);
  const sid4 = events.find(
    (e) => e.event_type === 'alert' && (e.alert as { signature_id: number }).signature_id === 4,
  );
  assert.equal((sid4?.http as { http_method?: string } | undefined)?.http_method, 'GET');
});

test('http_header with no direction matches a response header', async (t) => {
  const dir = join(SV, 'detect-pcre', 'detect-pcre-05');
  if (!existsSync(dir)) return t.skip(`${dir} absent`);
  const { counts } = await alertCounts(dir, join(dir, 'input.pcap'), true);
  // test.yaml: sids 1, 2 (User-Agent, request) and 3 (Server, response) once; 4 and 5 never.
  assert.deepEqual(bySid(counts, [1, 2, 3, 4, 5]), [1, 1, 1, 0, 0]);
});

test('a direction-less header rule runs on both sides; a directed one on its own side only', () => {
  const { rules } = parseRules(
    [
      'alert http any any -> any any (http.header; content:"Server"; sid:1;)',
      'alert http any any -> any any (flow:to_server; http.header; content:"Server"; sid:2;)',
      'alert http any any -> any any (http.header; content:"x"; http.uri; content:"/"; sid:3;)',
    ].join('\n'),
    't.rules',
  );
  assert.equal(rules[0].appDir, 0);
  assert.equal(rules[0].clientCertTwin?.appDir, 1);
  assert.ok(rules[0].clientCertTwin?.buffers.has('http.header#tc'));
  assert.equal(rules[1].clientCertTwin, undefined);
  assert.equal(rules[2].clientCertTwin, undefined);
});

/** Alerts per sid of `rules` (text) on `pcap`, with datasets read from `dir`. */
async function countsOf(rules: string, pcap: string, dir = '.'): Promise<Map<number, number>> {
  const parsed = parseRules(rules, 't.rules');
  assert.deepEqual(parsed.errors, []);
  const ins = new RuleInspector(new RuleMatcher(parsed.rules, { datasetDir: dir }), true);
  const { events } = await analyzeToEvents(pcap, { inspectors: [ins], flow: { midstream: false } });
  const counts = new Map<number, number>();
  for (const e of events as Array<Record<string, unknown>>)
    if (e.event_type === 'alert') {
      const sid = (e.alert as { signature_id: number }).signature_id;
      counts.set(sid, (counts.get(sid) ?? 0) + 1);
    }
  return counts;
}

test('hostbits: set, isset, isnotset and unset by source or destination address', async (t) => {
  const dir = join(SV, 'detect-hostbits', 'detect-hostbits-02');
  const pcap = join(SV, 'detect-flowbits', 'input.pcap');
  if (!existsSync(pcap) || !existsSync(dir)) return t.skip('captures absent');
  const c = await countsOf(readFileSync(join(dir, 'test.rules'), 'utf8'), pcap);
  // test.yaml: sid 1 ×0, 2 ×1, 4 ×1, 10 ×1, 11 ×1.
  assert.deepEqual(bySid(c, [1, 2, 4, 10, 11]), [0, 1, 1, 1, 1]);
  const c1 = await countsOf(
    readFileSync(join(SV, 'detect-hostbits', 'detect-hostbits-01', 'test.rules'), 'utf8'),
    pcap,
  );
  assert.deepEqual(bySid(c1, [1, 2, 3]), [0, 0, 1]);
});

test('icmpv6.mtu reads a Packet Too Big MTU (tshark: one type 2 message, MTU 1200)', async (t) => {
  const pcap = join(SV, 'ipv6-evasion', 'ipv6-atomic-fragments-toobig', 'toobig.pcap');
  if (!existsSync(pcap)) return t.skip(`${pcap} absent`);
  const c = await countsOf(
    [
      'alert ipv6 any any -> any any (icmpv6.mtu:<1280; sid:1;)',
      'alert ipv6 any any -> any any (icmpv6.mtu:1200; sid:2;)',
      'alert ipv6 any any -> any any (icmpv6.mtu:>1200; sid:3;)',
    ].join('\n'),
    pcap,
  );
  assert.deepEqual(bySid(c, [1, 2, 3]), [1, 1, 0]);
});

test('ip.src / ip.dst datasets test each packet of the flow; an ip set holds IPv4-mapped addresses', async (t) => {
  const dir = join(SV, 'datasets-09-load');
  const pcap = join(SV, 'flowbit-oring', 'input.pcap');
  if (!existsSync(pcap) || !existsSync(dir)) return t.skip('captures absent');
  const c = await countsOf(readFileSync(join(dir, 'test.rules'), 'utf8'), pcap, dir);
  // test.yaml: 6 alerts, sid 1 ×3, 2 ×0, 3 ×3 (the to-server packets after HTTP is known, the last ACK included).
  assert.deepEqual(bySid(c, [1, 2, 3]), [3, 0, 3]);
  assert.throws(() => {
    const r = parseRules('alert ip any any -> any any (ip.src; content:"a"; sid:9;)', 't.rules');
    if (r.errors.length > 0) throw new Error(r.errors[0].message);
  }, /only dataset/);
});

test('bypass: the match marks the flow bypassed, later packets are not inspected', async (t) => {
  const dir = join(SV, 'detect-bypass-udp');
  if (!existsSync(dir)) return t.skip(`${dir} absent`);
  const rules = readFileSync(join(dir, 'test.rules'), 'utf8');
  const parsed = parseRules(`${rules}\nalert udp any any -> any any (content:"|00 00 00 00|"; sid:2;)`, 't');
  assert.deepEqual(parsed.errors, []);
  const ins = new RuleInspector(new RuleMatcher(parsed.rules), true);
  const { events } = await analyzeToEvents(join(dir, 'input.pcap'), { inspectors: [ins] });
  const flows = (events as Array<Record<string, unknown>>).filter((e) => e.event_type === 'flow');
  // test.yaml: one flow, state bypassed.
  assert.deepEqual(
    flows.map((f) => (f.flow as { state: string }).state),
    ['bypassed'],
  );
  // Without bypass the marker rule would alert on every packet that starts with four zero bytes; after the pass
  // rule's match (the responder's first datagram) nothing more is inspected.
  const plain = await countsOf(
    'alert udp any any -> any any (content:"|00 00 00 00|"; sid:2;)',
    join(dir, 'input.pcap'),
  );
  const after = (events as Array<Record<string, unknown>>).filter((e) => e.event_type === 'alert').length;
  assert.ok(after < (plain.get(2) ?? 0), `${after} alerts with bypass, ${plain.get(2) ?? 0} without`);
});

test('http2 rules match HTTP/2 and DoH flows; an over-long DoH request raises dns_request_too_long', async (t) => {
  const dir = join(SV, 'dns-over-http2-limit');
  if (!existsSync(dir)) return t.skip(`${dir} absent`);
  const c = await countsOf(readFileSync(join(dir, 'test.rules'), 'utf8'), join(dir, 'input.pcap'));
  // test.yaml: one alert, sid 2290016.
  assert.deepEqual([...c], [[2290016, 1]]);
});
