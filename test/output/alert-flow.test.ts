/**
 * The alert's `flow` object (Suricata 8 alert metadata) and the app-layer anomaly as Suricata's anomaly log writes
 * it, on suricata-verify's dns-invalid-opcode capture: a query and its response, each raising `dns.invalid_opcode`.
 * The expected values are Suricata's (the test's own checks); the byte counts are the frame lengths tshark reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeToEvents } from '../../src/pipeline/index.js';
import { parseRules } from '../../src/detect/ruleset.js';
import { RuleMatcher } from '../../src/detect/rule-matcher.js';
import { RuleInspector } from '../../src/detect/inspector.js';
import { runAll } from '../../src/detect/suricata-verify/runner.js';

const ROOT = join(process.cwd(), '..', 'shared', 'corpus', 'suricata-verify', 'tests');
const DIR = join(ROOT, 'dns', 'dns-invalid-opcode');

test('alert flow object: counts as of the alerting packet, tuple as the client opened it', async (t) => {
  if (!existsSync(DIR)) return t.skip(`corpus absent: ${DIR}`);
  const rulesFile = join(DIR, 'test.rules');
  const { rules, errors } = parseRules(readFileSync(rulesFile, 'utf8'), rulesFile);
  assert.deepEqual(errors, []);
  const { events } = await analyzeToEvents(join(DIR, 'input.pcap'), {
    inspectors: [new RuleInspector(new RuleMatcher(rules), true)],
  });
  const alerts = events.filter((e) => e.event_type === 'alert');
  assert.equal(alerts.length, 2);
  const tuple = { src_ip: '1.1.1.1', dest_ip: '2.2.2.2', src_port: 5333, dest_port: 53 };
  const start = '2022-11-29T23:14:44.679713+0000';
  // The query (frame 1, 71 bytes): nothing back yet.
  assert.equal(alerts[0].direction, 'to_server');
  assert.equal(alerts[0].tx_id, 0);
  assert.equal(alerts[0].pkt_src, 'wire/pcap');
  assert.deepEqual(alerts[0].flow, {
    pkts_toserver: 1,
    pkts_toclient: 0,
    bytes_toserver: 71,
    bytes_toclient: 0,
    start,
    ...tuple,
  });
  // The response (frame 2, 98 bytes): the alert's own tuple is reversed, the flow's is not.
  assert.equal(alerts[1].direction, 'to_client');
  assert.equal(alerts[1].src_ip, '2.2.2.2');
  assert.equal(alerts[1].tx_id, 1);
  assert.deepEqual(alerts[1].flow, {
    pkts_toserver: 1,
    pkts_toclient: 1,
    bytes_toserver: 71,
    bytes_toclient: 98,
    start,
    ...tuple,
  });
  // The anomalies: named as Suricata names them, with the tuple of the message that raised them.
  const anomalies = events.filter((e) => e.event_type === 'anomaly');
  assert.deepEqual(
    anomalies.map((e) => [e.src_ip, e.tx_id, e.anomaly]),
    [0, 1].map((i) => [
      i === 0 ? '1.1.1.1' : '2.2.2.2',
      i,
      {
        app_proto: 'dns',
        type: 'applayer',
        event: 'invalid_opcode',
        layer: 'proto_parser',
        detail: 'opcode 9 is unassigned',
      },
    ]),
  );
});

test('suricata-verify tests on the alert flow object pass', async (t) => {
  if (!existsSync(ROOT)) return t.skip(`corpus absent: ${ROOT}`);
  const names = ['dns/dns-invalid-opcode'];
  const res = await runAll(ROOT, new RegExp(`^(${names.join('|')})$`));
  assert.deepEqual(
    res.map((r) => `${r.test}: ${r.result}${r.reason ? ` (${r.reason})` : ''}`),
    names.map((n) => `${n}: pass`),
  );
});
