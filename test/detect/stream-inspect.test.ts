/** tcp-stream rules on reassembled bytes: once per direction at flow end, never across a hole, payload rendering. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { parseRules } from '../../src/detect/ruleset.js';
import { RuleMatcher } from '../../src/detect/rule-matcher.js';
import { StreamInspector, STREAM_WINDOW } from '../../src/detect/stream-inspect.js';
import { RuleInspector } from '../../src/detect/inspector.js';
import { DecodedPacket } from '../../src/decode/decoded-packet.js';
import { analyzeToEvents } from '../../src/pipeline/index.js';
import { testFlow } from './flow-fixture.js';

const flow = testFlow({
  id: 7,
  srcIp: '10.0.0.1',
  dstIp: '10.0.0.2',
  srcPort: 40000,
  dstPort: 8080,
  pkts: [3, 3],
  bytes: [300, 300],
  gapBytes: 4,
});

const RULES = [
  'alert tcp-stream any any -> any any (content:"VERY"; sid:1;)',
  'alert tcp-stream any any -> any any (content:"DATA"; sid:2;)',
  'alert tcp-stream any any -> any any (content:"VERYDATA"; sid:3;)',
  'alert tcp-stream any any -> any any (flow:to_client; content:"VERY"; sid:4;)',
  'alert tcp-pkt any any -> any any (content:"VERY"; sid:5;)',
].join('\n');

test('stream rules match each run between holes, once per direction, with holes written into the payload', () => {
  const { rules, errors } = parseRules(RULES, 't.rules');
  assert.deepEqual(errors, []);
  const engine = new RuleMatcher(rules);
  const s = new StreamInspector(engine);
  assert.ok(s.active);
  s.data(flow, 0, Buffer.from('VE'));
  s.data(flow, 0, Buffer.from('RY'));
  s.gap(flow, 0, 4);
  s.data(flow, 0, Buffer.from('DATA VERY'));
  const hits = s.end(flow, 1);
  assert.deepEqual(
    hits.map((h) => [h.rule.sid, h.dir]),
    [
      [1, 0],
      [2, 0],
    ],
  );
  assert.equal(hits[0].payload.toString(), 'VERY[4 bytes missing]DATA VERY');
  assert.deepEqual(s.end(flow, 2), [], 'state is dropped at flow end');
  // tcp-stream rules are not packet rules.
  const p = new DecodedPacket();
  p.buf = Buffer.from('VERY');
  p.payloadLen = 4;
  p.proto = 6;
  assert.deepEqual(
    engine.onPacket(flow, 0, p)?.map((m) => m.rule.sid),
    [5],
  );
});

test('the kept window is bounded', () => {
  const { rules } = parseRules('alert tcp-stream any any -> any any (content:"END"; sid:1;)', 't.rules');
  const s = new StreamInspector(new RuleMatcher(rules));
  s.data(flow, 0, Buffer.alloc(STREAM_WINDOW, 0x41));
  s.data(flow, 0, Buffer.from('END'));
  assert.deepEqual(s.end(flow, 1), []);
});

const PCAP = '../shared/corpus/suricata-verify/tests/eve-payload-05-tcp-data-gap/tcp-simple-gap2.pcap';

test('stream alerts through the pipeline: pkt_src, stream and payload fields', async (t) => {
  if (!existsSync(PCAP)) {
    t.skip(`${PCAP} absent`);
    return;
  }
  const { rules } = parseRules('alert tcp-stream any any -> any any (content:"DATA"; sid:3;)', 't.rules');
  const ins = new RuleInspector(new RuleMatcher(rules));
  const { events } = await analyzeToEvents(PCAP, {
    inspectors: [ins],
    flow: { midstream: false },
    alertOutput: { payload: true, payloadPrintable: true },
  });
  const alerts = events.filter((e) => e.event_type === 'alert');
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0].pkt_src, 'stream (flow timeout)');
  assert.equal(alerts[0].stream, 1);
  assert.equal(alerts[0].payload_printable, 'VERY[4 bytes missing]DATA');
});

test('plain tcp rules get the stream only when asked, and only if no packet of that side matched', () => {
  const { rules } = parseRules(
    [
      'alert tcp any any -> any any (content:"d2d3"; sid:8;)',
      'alert tcp any any -> any any (content:"d2"; sid:1;)',
      'alert tcp any any -> any any (flags:S; content:"d2d3"; sid:11;)',
    ].join('\n'),
    't.rules',
  );
  const engine = new RuleMatcher(rules);
  assert.equal(new StreamInspector(engine).active, false, 'off by default');
  const s = new StreamInspector(engine, true);
  s.data(flow, 0, Buffer.from('xd2'));
  s.data(flow, 0, Buffer.from('d3x'));
  // sid 1 alerted on the first packet already.
  s.packetHit(flow.id, 0, rules[1]);
  assert.deepEqual(
    s.end(flow, 1).map((h) => h.rule.sid),
    [8],
  );
});
