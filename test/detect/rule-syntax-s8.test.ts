/**
 * Suricata 8 rule syntax on real captures: transactional `=>` rules (suricata-verify's detect-bidir-ja3 counts), the
 * generic unsigned-integer forms (ranges A-B, negated ranges, bitmasks) on tcp.mss, and `tcp.window` — the expected
 * packet counts come from tshark's dissection of the same capture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRules } from '../../src/detect/ruleset.js';
import { RuleMatcher } from '../../src/detect/rule-matcher.js';
import { RuleInspector } from '../../src/detect/inspector.js';
import { analyzeToEvents } from '../../src/pipeline/index.js';
import { hasTshark } from '../helpers/tshark.js';

const SV = '../shared/corpus/suricata-verify/tests';
const PPA = '../shared/corpus/attacks/markofu-pcaps/PracticalPacketAnalysis/ppa-capture-files';

async function alertCounts(rulesText: string, pcap: string): Promise<Map<number, number>> {
  const { rules, errors } = parseRules(rulesText, 'test.rules');
  assert.deepEqual(errors, []);
  const ins = new RuleInspector(new RuleMatcher(rules), true);
  const { events } = await analyzeToEvents(pcap, { inspectors: [ins], flow: { midstream: true } });
  const counts = new Map<number, number>();
  for (const e of events as Array<Record<string, unknown>>) {
    if (e.event_type !== 'alert') continue;
    const sid = (e.alert as { signature_id: number }).signature_id;
    counts.set(sid, (counts.get(sid) ?? 0) + 1);
  }
  return counts;
}

const bySid = (m: Map<number, number>, sids: number[]): number[] => sids.map((s) => m.get(s) ?? 0);

/** One tshark field of every packet that has it. */
function tsharkField(pcap: string, field: string): number[] {
  const r = spawnSync('tshark', ['-r', pcap, '-Y', field, '-T', 'fields', '-e', field], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => Number(l.split(',')[0]));
}

test('=> rules match a TLS transaction on buffers of both directions, the header naming client → server', async (t) => {
  const dir = join(SV, 'detect-bidir-ja3');
  const pcap = join(SV, 'tls', 'tls-certs-alert', 'input.pcap');
  if (!existsSync(pcap)) return t.skip(`${pcap} absent`);
  const client = '2a03:b0c0:2:d0::bd3:4001';
  const server = '2606:2800:220:1:248:1893:25c8:1946';
  const text = [
    readFileSync(join(dir, 'test.rules'), 'utf8'),
    // The header is the transaction's client → server even on the server's records.
    `alert tls [${client}] any => [${server}] 443 (ja3s.hash; content:"5d79edf64e03689ff559a54e9d9487bc"; ja3.string; content:"771,49196-49200"; sid:10;)`,
    `alert tls [${server}] 443 => [${client}] any (ja3s.hash; content:"5d79edf64e03689ff559a54e9d9487bc"; ja3.string; content:"771,49196-49200"; sid:11;)`,
  ].join('\n');
  const counts = await alertCounts(text, pcap);
  // test.yaml: sid 1 once and no other alert of its rules; sid 10 as sid 1, sid 11 (reversed header) never.
  assert.deepEqual(bySid(counts, [1, 2, 3, 10, 11]), [1, 0, 0, 1, 0]);
});

test('a direction other than ->, <> or => is refused, naming what it got', () => {
  const { errors } = parseRules('alert tls any any <= any any (sid:1;)', 'x.rules');
  assert.equal(errors.length, 1);
  assert.match(errors[0].message, /direction must be ->, <> or =>, got '<='/);
});

test('tcp.mss ranges, negated ranges and bitmasks count the packets tshark shows', async (t) => {
  const pcap = join(PPA, 'evilprogram.pcap');
  if (!existsSync(pcap) || !hasTshark()) return t.skip('capture or tshark absent');
  const mss = tsharkField(pcap, 'tcp.options.mss_val');
  assert.ok(new Set(mss).size >= 5, 'the capture has several MSS values');
  const rules = [
    'alert tcp any any -> any any (tcp.mss:1400-1450; sid:1;)',
    'alert tcp any any -> any any (tcp.mss:!1400-1450; sid:2;)',
    'alert tcp any any -> any any (tcp.mss:&0xF=4; sid:3;)',
    'alert tcp any any -> any any (tcp.mss:&0xF!=4; sid:4;)',
    'alert tcp any any -> any any (tcp.mss:1380<>1460; sid:5;)',
  ].join('\n');
  const counts = await alertCounts(rules, pcap);
  const want = [
    mss.filter((v) => v > 1400 && v < 1450).length,
    mss.filter((v) => v <= 1400 || v >= 1450).length,
    mss.filter((v) => (v & 0xf) === 4).length,
    mss.filter((v) => (v & 0xf) !== 4).length,
    mss.filter((v) => v > 1380 && v < 1460).length,
  ];
  assert.ok(want.every((n) => n > 0));
  assert.deepEqual(bySid(counts, [1, 2, 3, 4, 5]), want);
});

test('tcp.window is the window keyword under its Suricata 8 name', async (t) => {
  const pcap = join(PPA, 'evilprogram.pcap');
  if (!existsSync(pcap) || !hasTshark()) return t.skip('capture or tshark absent');
  const win = tsharkField(pcap, 'tcp.window_size_value');
  const rules = [
    'alert tcp any any -> any any (tcp.window:16384; sid:1;)',
    'alert tcp any any -> any any (tcp.window:!16384; sid:2;)',
    'alert tcp any any -> any any (window:16384; sid:3;)',
  ].join('\n');
  const counts = await alertCounts(rules, pcap);
  const eq = win.filter((v) => v === 16384).length;
  assert.ok(eq > 0);
  assert.deepEqual(bySid(counts, [1, 2, 3]), [eq, win.length - eq, eq]);
});

test('number tests Suricata refuses are refused with the value named', () => {
  for (const [rule, why] of [
    ['tcp.mss:456-123', /first value below its second/],
    ['tcp.mss:&0x3=4', /bits outside the mask/],
    ['tcp.mss:1-2-3', /is not a number test/],
    ['tcp.window:70000', /must be ≤ 65535/],
  ] as const) {
    const { errors } = parseRules(`alert tcp any any -> any any (${rule}; sid:1;)`, 'x.rules');
    assert.equal(errors.length, 1, rule);
    assert.match(errors[0].message, why, rule);
  }
});

test('app-layer-protocol ,original names the protocol before an h2c upgrade; detection-only rules fire once', async (t) => {
  const pcap = join(SV, 'http2-keywords2', 'input.pcap');
  if (!existsSync(pcap) || !hasTshark()) return t.skip('capture or tshark absent');
  // tshark: the connection starts as HTTP/1.1 (a GET, then 101 Switching Protocols) and goes on as HTTP/2.
  const r = spawnSync('tshark', ['-r', pcap, '-T', 'fields', '-e', '_ws.col.Protocol'], { encoding: 'utf8' });
  assert.deepEqual(r.stdout.split('\n').slice(0, 2), ['HTTP', 'HTTP2']);
  const rules = [
    readFileSync(join(SV, 'detect-app-layer-protocol-04', 'test.rules'), 'utf8'),
    // The same conditions with a packet test: no longer detection-only, so judged on every packet with data.
    'alert tcp any any -> any any (app-layer-protocol:http1,original; app-layer-protocol:http2,final; dsize:>0; sid:2;)',
    'alert tcp any any -> any any (app-layer-protocol:http2,original; sid:3;)',
    'alert tcp any any -> any any (app-layer-protocol:!http2,original; app-layer-protocol:http2; sid:4;)',
  ].join('\n');
  const counts = await alertCounts(rules, pcap);
  // detect-app-layer-protocol-04's test.yaml: sid 1 once.
  assert.equal(counts.get(1) ?? 0, 1);
  assert.ok((counts.get(2) ?? 0) > 1);
  assert.deepEqual(bySid(counts, [3, 4]), [0, 1]);
});

test('app-layer-protocol per direction: an HTTP client talking to an SSH server', async (t) => {
  const dir = join(SV, 'detect-app-layer-protocol-05');
  const pcap = join(SV, 'output-eve-anomaly-02', 'input.pcap');
  if (!existsSync(pcap) || !hasTshark()) return t.skip('capture or tshark absent');
  // tshark: the client's first data is an HTTP request, the server's an SSH banner.
  const r = spawnSync('tshark', ['-r', pcap, '-Y', 'tcp.len>0', '-T', 'fields', '-e', 'tcp.payload'], {
    encoding: 'utf8',
  });
  const [req, banner] = r.stdout.split('\n').map((h) => Buffer.from(h, 'hex').toString('latin1'));
  assert.match(req, /^GET \/ HTTP\/1\.1\r\n/);
  assert.match(banner, /^SSH-2\.0-/);
  const rules = [
    readFileSync(join(dir, 'test.rules'), 'utf8'),
    'alert tcp any any -> any any (app-layer-protocol:ssh,to_server; sid:2;)',
    'alert tcp any any -> any any (app-layer-protocol:http1,to_client; sid:3;)',
    // Not detection-only (dsize): every server packet with data once the server's protocol is known.
    'alert tcp any any -> any any (app-layer-protocol:ssh,to_client; dsize:>0; sid:5;)',
  ].join('\n');
  const counts = await alertCounts(rules, pcap);
  // detect-app-layer-protocol-05's test.yaml: sid 1 once. The server sends data in two packets (tshark).
  assert.deepEqual(bySid(counts, [1, 2, 3, 5]), [1, 0, 0, 2]);
});

test('per-direction and recognized-only protocols are refused in rules with content', () => {
  const { errors } = parseRules(
    [
      'alert tcp any any -> any any (app-layer-protocol:ssh,to_client; content:"SSH"; sid:1;)',
      'alert tcp any any -> any any (app-layer-protocol:ssh; http.uri; content:"/"; sid:2;)',
      'alert tcp any any -> any any (app-layer-protocol:ssh,original; sid:3;)',
    ].join('\n'),
    'x.rules',
  );
  assert.equal(errors.length, 3);
  assert.match(errors[0].message, /sid 1: app-layer-protocol: a per-direction or recognized-only protocol/);
  assert.match(errors[1].message, /sid 2: /);
  assert.match(errors[2].message, /only recognized, never upgraded from/);
});

test('per-direction protocols on UDP: a direction has the flow protocol once it sent a packet', async (t) => {
  const pcap = join(SV, 'cond-log-dns-dig', 'input.pcap');
  if (!existsSync(pcap) || !hasTshark()) return t.skip('capture or tshark absent');
  const r = spawnSync('tshark', ['-r', pcap, '-T', 'fields', '-e', 'dns.flags.response'], {
    encoding: 'utf8',
  });
  // tshark: one query, then its response.
  assert.deepEqual(r.stdout.trim().split('\n'), ['0', '1']);
  const rules = [
    'alert udp any any -> any any (app-layer-protocol:dns,to_client; dsize:>0; sid:1;)',
    'alert udp any any -> any any (app-layer-protocol:dns,to_server; dsize:>0; sid:2;)',
    'alert udp any any -> any any (app-layer-protocol:!dns,to_server; dsize:>0; sid:3;)',
  ].join('\n');
  const counts = await alertCounts(rules, pcap);
  // The query: the server has sent nothing yet (undecided); the response: both directions are DNS.
  assert.deepEqual(bySid(counts, [1, 2, 3]), [1, 2, 0]);
});
