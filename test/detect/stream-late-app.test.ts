/**
 * App-layer raw-content rules (`alert http … content:`, no sticky buffer) when the flow's protocol becomes known only
 * at its end: a one-sided session with stream.async-oneside=false is parsed at the end (nothing acknowledges it), and
 * Suricata's flow-end pseudo packets inspect its stream then. Expected answers: suricata-verify's
 * stream-async-6063-cli-03 (2 alerts without pcap_cnt, flow.alerted true).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { analyzeToEvents } from '../../src/pipeline/index.js';
import { streamOptionsOf } from '../../src/flow/index.js';
import { parseRules, RuleInspector, RuleMatcher } from '../../src/detect/index.js';

const SV = '../shared/corpus/suricata-verify/tests';
// Eleven packets of an HTTP client (three GETs), no SYN, nothing from the server.
const ONESIDED = `${SV}/bug-2491-02/simple_http_download.onesided.nosyn.pcap`;
const RULES = [
  'alert http any any -> any any (msg:"to_server"; flow:to_server; content:"GET /i/94/"; sid:1; rev:1;)',
  'alert http any any -> any any (msg:"established"; flow:to_server,established; content:"GET /i/94/"; sid:2; rev:1;)',
  // Not in the stream: never alerts, at the end either.
  'alert http any any -> any any (msg:"absent"; flow:to_server; content:"POST /"; sid:3; rev:1;)',
  // To the client: the stream that way is empty.
  'alert http any any -> any any (msg:"to_client"; flow:to_client; content:"GET /i/94/"; sid:4; rev:1;)',
].join('\n');

type Ev = Record<string, unknown> & { event_type: string; flow?: Record<string, unknown> };

async function run(settings: string[], streamInspection = true): Promise<Ev[]> {
  const { rules, errors } = parseRules(RULES, 'late.rules');
  assert.deepEqual(errors, []);
  const flow = streamOptionsOf(settings, { midstream: true });
  const inspectors = [new RuleInspector(new RuleMatcher(rules), streamInspection)];
  return (await analyzeToEvents(ONESIDED, { flow, inspectors })).events as Ev[];
}

const alerts = (evs: Ev[]): Ev[] => evs.filter((e) => e.event_type === 'alert');
const sid = (e: Ev): unknown => (e.alert as { signature_id: number }).signature_id;

test('async-oneside=false: app-layer content rules alert once at the flow end, without a packet', async (t) => {
  if (!existsSync(ONESIDED)) return t.skip(`${ONESIDED} absent`);
  const evs = await run(['stream.async-oneside=false', 'stream.midstream-policy=ignore']);
  const a = alerts(evs);
  assert.deepEqual(a.map(sid).sort(), [1, 2]);
  for (const e of a) {
    assert.equal(e.pcap_cnt, undefined, 'a flow-end alert has no packet');
    assert.equal(e.app_proto, 'http');
    assert.equal(e.direction, 'to_server');
  }
  assert.equal(evs.filter((e) => e.event_type === 'http' && e.pcap_cnt === undefined).length, 3);
  const flows = evs.filter((e) => e.event_type === 'flow');
  assert.equal(flows.length, 1);
  assert.equal(flows[0].app_proto, 'http');
  assert.equal(flows[0].flow?.alerted, true, 'the flow record is written before its flow-end alerts');
  assert.equal(flows[0].flow?.state, 'established');
});

test('without stream inspection the late protocol leaves those rules silent (the opt-in is what runs them)', async (t) => {
  if (!existsSync(ONESIDED)) return t.skip(`${ONESIDED} absent`);
  const evs = await run(['stream.async-oneside=false'], false);
  assert.deepEqual(alerts(evs), []);
});

test('a protocol known on the packets: the rules alert on packets, and not again at the end', async (t) => {
  if (!existsSync(ONESIDED)) return t.skip(`${ONESIDED} absent`);
  // async-oneside=true (and moat's default): a silent peer's data is parsed at once, the protocol known on packets.
  for (const settings of [['stream.async-oneside=true'], []]) {
    const a = alerts(await run(settings));
    assert.deepEqual(a.map(sid).sort(), [1, 2], settings.join());
    for (const e of a) assert.equal(typeof e.pcap_cnt, 'number', 'alerted on a packet');
  }
});
