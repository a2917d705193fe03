/**
 * app-layer-event (issue 17): a rule on an event moat's parsers raise fires on the transaction the event came with
 * (its direction and metadata in the alert, `flow: established` as the flow was at the event); a rule on an event
 * moat does not raise is refused with the reason. Checked on suricata-verify's captures, whose answers are
 * Suricata's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseRule } from '../../src/detect/parse/rule-parser.js';
import { DEFAULT_VARS } from '../../src/detect/ruleset.js';
import { runAll } from '../../src/detect/suricata-verify/runner.js';
import { appEventKey } from '../../src/detect/keywords/events.js';

const VARS = new Map(DEFAULT_VARS);
const rule = (opts: string, proto = 'dns') =>
  parseRule(`alert ${proto} any any -> any any (${opts} sid:1;)`, VARS);

test('app-layer-event: accepted names, refusals that say why', () => {
  assert.deepEqual(rule('app-layer-event:dns.z_flag_set;').appEvents, ['dns.z_flag_set']);
  assert.deepEqual(rule('app-layer-event:HTTP.Request_Line_Missing_Protocol;', 'http').appEvents, [
    'http.request_line_missing_protocol',
  ]);
  assert.throws(() => rule('app-layer-event:mqtt.missing_connect;', 'mqtt'), /no mqtt parser/);
  assert.throws(
    () => rule('app-layer-event:http.uri_delim_non_compliant;', 'http'),
    /does not raise 'uri_delim_non_compliant'/,
  );
  assert.throws(
    () => rule('app-layer-event:applayer_mismatch_protocol_both_directions;'),
    /protocol-detection/,
  );
  // libhtp's bare upper-case names are http's; the others carry their protocol.
  assert.equal(appEventKey('REQUEST_LINE_MISSING_PROTOCOL'), 'http.request_line_missing_protocol');
  assert.equal(appEventKey('dns.z_flag_set'), 'dns.z_flag_set');
});

test('app-layer-event on suricata-verify captures (DNS Z flag, opcode, malformed data; HTTP/0.9 line)', async (t) => {
  const root = join(process.cwd(), '..', 'shared', 'corpus', 'suricata-verify', 'tests');
  if (!existsSync(root)) return t.skip(`corpus absent: ${root}`);
  const names = [
    'dns-udp-z-flag-fp',
    'dns/dns-answer-emptydata',
    'dns/dns-query/dns-detect-query-05',
    'dns/dns-z-bit',
    'http-not09',
  ];
  const res = await runAll(root, new RegExp(`^(${names.join('|')})$`));
  assert.deepEqual(
    res.map((r) => `${r.test}: ${r.result}${r.reason ? ` (${r.reason})` : ''}`),
    names.map((n) => `${n}: pass`),
  );
});
