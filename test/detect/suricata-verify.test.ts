/**
 * The suricata-verify runner: option and `requires` handling, the test's suricata.yaml EVE options, and a floor on
 * the corpus pass count so a regression in any area it exercises shows up here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  configSettings,
  matchProblem,
  argsProblem,
  listTests,
  requiresProblem,
  runAll,
  runTest,
  testEveConfig,
} from '../../src/detect/suricata-verify/runner.js';

const CORPUS = '../shared/corpus/suricata-verify/tests';
/** Measured on the corpus; raise it when support grows, never lower it silently. */
const PASS_FLOOR = 597;

test('options moat emulates are accepted, others name themselves', () => {
  assert.deepEqual(argsProblem(['-k none --set app-layer.protocols.tls.ja4-fingerprints=no']), {
    pcap: undefined,
    midstream: undefined,
    noTlsJa4: true,
  });
  assert.deepEqual(argsProblem(['-k none', '--set stream.midstream=true']), {
    pcap: undefined,
    midstream: true,
  });
  assert.deepEqual(argsProblem(['--runmode=single', '--no-random']), {
    pcap: undefined,
    midstream: undefined,
  });
  assert.equal(argsProblem(['-r', '$TEST_DIR/input.pcap']).pcap, '$TEST_DIR/input.pcap');
  assert.match(argsProblem(['--simulate-ips']).problem ?? '', /IPS mode/);
  assert.match(argsProblem(['--set stream.inline=true']).problem ?? '', /stream\.inline=true/);
  assert.match(argsProblem(['-k all']).problem ?? '', /-k all/);
  // Load-only modes: the rules and configuration are judged, no capture is read.
  assert.equal(argsProblem(['--engine-analysis']).loadOnly, '--engine-analysis');
  assert.equal(argsProblem(['-T', '--set app-layer.protocols.modbus.enabled=true']).problem, undefined);
  assert.match(argsProblem(['--set app-layer.protocols.modbus.enabled=true']).problem ?? '', /modbus/);
  assert.match(argsProblem(['--unknown-flag']).problem ?? '', /--unknown-flag/);
  // libhtp's decompression layer limit is applied; LZMA is named as what moat cannot decode.
  const limit = 'app-layer.protocols.http.libhtp.default-config.response-body-decompress-layer-limit';
  assert.equal(argsProblem([`-k none --set ${limit}=3`]).layerLimit, 3);
  assert.match(argsProblem([`--set ${limit}=x`]).problem ?? '', /whole number/);
  assert.match(
    argsProblem(['--set app-layer.protocols.http.libhtp.default-config.lzma-enabled=yes']).problem ?? '',
    /LZMA/,
  );
  // A bad request-body-limit is a named problem, not an exception out of the option reader.
  const body = 'app-layer.protocols.http.libhtp.default-config.request-body-limit';
  assert.equal(argsProblem([`--set ${body}=4kb`]).bodyLimits?.requestBodyLimit, 4096);
  assert.match(argsProblem([`--set ${body}=lots`]).problem ?? '', /request-body-limit=lots/);
});

test('requires: versions, features and probes', () => {
  assert.equal(requiresProblem({ 'min-version': 7 }), undefined);
  assert.equal(requiresProblem({ 'min-version': '8.0.0' }), undefined);
  assert.match(requiresProblem({ 'min-version': 9 }) ?? '', /≥ 9/);
  assert.match(requiresProblem({ 'lt-version': 8 }) ?? '', /< 8/);
  assert.equal(requiresProblem({ 'lt-version': '8.1' }), undefined);
  assert.equal(requiresProblem({ features: ['HAVE_JA4'] }), undefined);
  assert.match(requiresProblem({ features: ['HAVE_LUA'] }) ?? '', /HAVE_LUA/);
  assert.match(requiresProblem({ script: ['true'] }) ?? '', /script/);
});

test("the test's suricata.yaml: alert payload options and tls custom fields", () => {
  const dir = mkdtempSync(join(tmpdir(), 'sv-'));
  writeFileSync(
    join(dir, 'suricata.yaml'),
    [
      '%YAML 1.1',
      '---',
      'outputs:',
      '  - eve-log:',
      '      types:',
      '        - alert:',
      '            payload: yes',
      '            packet: no',
      '        - tls:',
      '            custom: [client_handshake]',
    ].join('\n'),
  );
  const cfg = testEveConfig(dir);
  assert.deepEqual(cfg.alert, { payload: true, payloadPrintable: false, packet: false });
  assert.deepEqual(cfg.custom, { tls: ['client_handshake'] });
  assert.deepEqual(testEveConfig(join(dir, 'none')), { alert: {}, custom: {} });
});

test('the corpus pass count does not fall', { timeout: 300_000 }, async (t) => {
  if (!existsSync(CORPUS)) {
    t.skip(`${CORPUS} absent`);
    return;
  }
  const res = await runAll(CORPUS);
  const n = { pass: 0, fail: 0, skip: 0 };
  for (const r of res) n[r.result]++;
  t.diagnostic(`suricata-verify: ${n.pass} pass, ${n.fail} fail, ${n.skip} skip`);
  for (const r of res) if (r.result === 'fail') t.diagnostic(`FAIL ${r.test}: ${r.reason ?? ''}`);
  assert.ok(n.pass >= PASS_FLOOR, `${n.pass} tests pass, floor ${PASS_FLOOR}`);
  // Every skip names why.
  for (const r of res) if (r.result === 'skip') assert.ok(r.reason, `${r.test} skipped without a reason`);
});

test('group folders are walked: tests are named by their path, groups are not tests', (t) => {
  if (!existsSync(CORPUS)) {
    t.skip(`${CORPUS} absent`);
    return;
  }
  const names = listTests(CORPUS);
  // Tests two and three levels down (dns/v2/…, stream-async/http/…) and at the top.
  for (const n of [
    'dns/v2/bug-856',
    'tls/tls-glupteba',
    'stream-async/http/stream-async-6063-cli-02',
    'bug-2646-02',
  ])
    assert.ok(names.includes(n), `${n} listed`);
  for (const group of ['dns', 'dns/v2', 'tls', 'http-evader', 'threshold', 'arp'])
    assert.ok(!names.includes(group), `group ${group} is not a test`);
  // Every test.yaml in the tree (994 in the corpus) is one listed test.
  const yamls = names.filter((n) => existsSync(join(CORPUS, n, 'test.yaml'))).length;
  assert.equal(yamls, 994);
});

test('checks on protocols moat does not parse are named, not run', () => {
  assert.equal(matchProblem({ event_type: 'alert', 'alert.signature_id': 1 }), undefined);
  assert.equal(matchProblem({ event_type: 'mqtt' }), 'checks event type mqtt');
  assert.equal(matchProblem({ 'fileinfo.sha256': 'ab' }), undefined);
  assert.equal(matchProblem({ event_type: 'fileinfo' }), undefined);
  assert.equal(matchProblem({ 'files.0.filename': 'x' }), 'checks files fields');
  assert.equal(matchProblem({ 'has-key': 'smb.command' }), 'checks smb fields');
  assert.equal(
    matchProblem({ event_type: 'flow', app_proto: 'smb' }),
    'checks app_proto smb (not parsed by moat)',
  );
  assert.equal(matchProblem({ event_type: 'flow', app_proto: 'tls' }), undefined);
  assert.equal(matchProblem({ event_type: 'flow', app_proto: 'http2' }), undefined);
  assert.equal(matchProblem({ event_type: 'quic', 'quic.ja4': 'q' }), undefined);
});

test("the test's suricata.yaml: the master exception policy and per-host overlap policies become settings", () => {
  const dir = mkdtempSync(join(tmpdir(), 'sv-'));
  writeFileSync(
    join(dir, 'suricata.yaml'),
    'exception-policy: bypass\nhost-os-policy:\n  windows: [0.0.0.0/0]\n  old-linux: [2.2.2.2, 10.0.0.0/8]\n  linux: []\n',
  );
  assert.deepEqual(configSettings(dir), [
    '--set',
    'exception-policy=bypass',
    '--set',
    'host-os-policy.windows=0.0.0.0/0',
    '--set',
    'host-os-policy.old-linux=2.2.2.2,10.0.0.0/8',
  ]);
  writeFileSync(join(dir, 'suricata.yaml'), 'outputs: []\n');
  assert.deepEqual(configSettings(dir), []);
});

test('a stats check is left out, the other checks still run: a failure among them fails the test', async (t) => {
  const src = join(CORPUS, 'detect-flowbits');
  if (!existsSync(src)) {
    t.skip(`${src} absent`);
    return;
  }
  // The real test (flow, stats and three alert checks) with its own capture and rules, then the same with one
  // alert count made wrong: the stats check must not hide it.
  const make = (count: number): string => {
    const dir = mkdtempSync(join(tmpdir(), 'sv-stats-'));
    for (const f of ['input.pcap', 'test.rules']) copyFileSync(join(src, f), join(dir, f));
    const yaml = readFileSync(join(src, 'test.yaml'), 'utf8').replace(
      /count: 1\n(\s+)match:\n\s+event_type: alert\n\s+alert\.signature_id: 2/,
      (m) => m.replace('count: 1', `count: ${count}`),
    );
    writeFileSync(join(dir, 'test.yaml'), yaml);
    return dir;
  };
  const held = await runTest(make(1));
  assert.equal(held.result, 'skip');
  assert.match(held.reason ?? '', /checks event type stats \(its other checks hold\)/);
  const wrong = await runTest(make(2));
  assert.equal(wrong.result, 'fail');
  assert.match(wrong.reason ?? '', /expected 2 events .*signature_id":2/);
});
