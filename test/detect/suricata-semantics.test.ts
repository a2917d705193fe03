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
