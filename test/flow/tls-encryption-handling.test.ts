/**
 * app-layer.protocols.tls.encryption-handling (default, full, bypass) and stream.bypass, on captures suricata-verify
 * runs them on. Expected answers: tls-bypass-missing-event (2 stream alerts on the handshakes with bypass) and
 * tshark's dissection of bypass-depth-disabled/input.pcap (TLS application data records start frames 10 and 11).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { analyzeToEvents } from '../../src/pipeline/index.js';
import { streamOptionsOf } from '../../src/flow/index.js';
import { ConfigError } from '../../src/framework/errors.js';
import { parseRules, RuleInspector, RuleMatcher } from '../../src/detect/index.js';

const SV = '../shared/corpus/suricata-verify/tests';
// One TLS 1.2 session on loopback, its application data in frames 10 (client) and 11 (server).
const TLS = `${SV}/bypass-depth-disabled/input.pcap`;
const TOR = `${SV}/tls/tls-bypass-missing-event`;
const APP_DATA =
  'alert tcp any any -> any any (msg:"tls application data"; content:"|17 03 03|"; depth:3; sid:1;)\n';

type Ev = Record<string, unknown> & { event_type: string; flow?: Record<string, unknown> };

async function run(pcap: string, settings: string[], rules: string, stream = false): Promise<Ev[]> {
  const parsed = parseRules(rules, 't.rules');
  assert.deepEqual(parsed.errors, []);
  const inspectors = [new RuleInspector(new RuleMatcher(parsed.rules), stream)];
  return (await analyzeToEvents(pcap, { flow: streamOptionsOf(settings), inspectors })).events as Ev[];
}
const of = (evs: Ev[], type: string): Ev[] => evs.filter((e) => e.event_type === type);

test('encryption-handling values are checked', () => {
  const key = 'app-layer.protocols.tls.encryption-handling';
  assert.equal(streamOptionsOf([`${key}=full`]).tlsEncryption, 'full');
  assert.throws(() => streamOptionsOf([`${key}=sometimes`]), ConfigError);
  assert.throws(() => streamOptionsOf(['stream.bypass=maybe']), /stream.bypass/);
});

test('default leaves TLS ciphertext alone, full content-matches it, bypass stops at the handshake', async (t) => {
  if (!existsSync(TLS)) return t.skip(`${TLS} absent`);
  const key = 'app-layer.protocols.tls.encryption-handling';
  const def = await run(TLS, [], APP_DATA);
  assert.deepEqual(of(def, 'alert'), []);
  const full = await run(TLS, [`${key}=full`], APP_DATA);
  assert.deepEqual(
    of(full, 'alert').map((e) => e.pcap_cnt),
    [10, 11],
  );
  assert.equal(of(full, 'flow')[0].flow?.state, 'closed');
  const bypass = await run(TLS, [`${key}=bypass`], APP_DATA);
  assert.deepEqual(of(bypass, 'alert'), []);
  assert.equal(of(bypass, 'flow')[0].flow?.state, 'bypassed');
  // The handshake was parsed before the bypass.
  assert.equal(of(bypass, 'tls').length, 1);
});

test('bypass still inspects the stream it reassembled before (tls-bypass-missing-event)', async (t) => {
  if (!existsSync(`${TOR}/tor_bl.pcap`)) return t.skip(`${TOR} absent`);
  const rules = readFileSync(`${TOR}/test.rules`, 'utf8');
  const evs = await run(
    `${TOR}/tor_bl.pcap`,
    ['app-layer.protocols.tls.encryption-handling=bypass'],
    rules,
    true,
  );
  const alerts = of(evs, 'alert');
  assert.equal(alerts.length, 2);
  assert.ok(alerts.every((e) => (e.alert as { signature_id: number }).signature_id === 900000004));
  assert.ok(of(evs, 'flow').every((e) => e.flow?.state === 'bypassed'));
});

test('stream.bypass: a session bypassed once both directions reach the depth', async (t) => {
  if (!existsSync(TLS)) return t.skip(`${TLS} absent`);
  const depth = 'stream.reassembly.depth=1';
  const on = await run(TLS, [depth, 'stream.bypass=true'], APP_DATA);
  assert.equal(of(on, 'flow')[0].flow?.state, 'bypassed');
  const off = await run(TLS, [depth, 'stream.bypass=false'], APP_DATA);
  assert.equal(of(off, 'flow')[0].flow?.state, 'closed');
  // Without a depth nothing is ever reached.
  const none = await run(TLS, ['stream.bypass=true'], APP_DATA);
  assert.equal(of(none, 'flow')[0].flow?.state, 'closed');
});
