/**
 * Rule-language coverage (issue 17 point 9): each keyword family ET Open uses, with Suricata's semantics — on real
 * captures where suricata-verify or the attack corpus has one, on built packets and records otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRule } from '../../src/detect/parse/rule-parser.js';
import { DEFAULT_VARS, parseRules } from '../../src/detect/ruleset.js';
import { matchBuffer } from '../../src/detect/buffer-match.js';
import { RuleMatcher } from '../../src/detect/rule-matcher.js';
import { RuleInspector } from '../../src/detect/inspector.js';
import { DecodedPacket } from '../../src/decode/decoded-packet.js';
import { analyzeToEvents } from '../../src/pipeline/index.js';
import { runAll } from '../../src/detect/suricata-verify/runner.js';
import type { AppRecord } from '../../src/proto/app-layer.js';
import type { ContentMatch, Rule } from '../../src/detect/rule.js';
import { testFlow } from './flow-fixture.js';

const VARS = new Map(DEFAULT_VARS);
const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');
const rule = (opts: string, proto = 'tcp'): Rule =>
  parseRule(`alert ${proto} any any -> any any (${opts} sid:1;)`, VARS);

/** Whether the rule's list for `buffer` matches `text`. */
function on(r: Rule, text: string | Buffer, buffer = 'payload'): boolean {
  const b = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  return matchBuffer(r.buffers.get(buffer as never) ?? [], b);
}

function packet(
  payload: string | Buffer,
  o: { tsUs?: number; seq?: number; flags?: number } = {},
): DecodedPacket {
  const p = new DecodedPacket();
  p.buf = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  p.payloadOff = 0;
  p.payloadLen = p.buf.length;
  p.proto = 6;
  p.tcpFlags = o.flags ?? 0x18;
  p.tcpSeq = o.seq ?? 0;
  p.tsUs = o.tsUs ?? 1_000_000;
  return p;
}

function httpRecord(uri: string, over: Record<string, unknown> = {}): AppRecord {
  return {
    type: 'http',
    http: {
      method: 'POST',
      uri,
      protocol: 'HTTP/1.1',
      requestHeaders: [],
      requestBodyLength: 0,
      responseHeaders: [],
      responseBodyLength: 0,
      depth: 0,
      ...over,
    },
  } as unknown as AppRecord;
}

/** Runs suricata-verify tests by name under a group folder; skips when the corpus is absent. */
async function verify(t: { skip(m: string): void }, group: string, names: string[]): Promise<void> {
  const root = join(CORPUS, 'suricata-verify', 'tests', group);
  if (!existsSync(root)) {
    t.skip(`corpus absent: ${root}`);
    return;
  }
  const res = await runAll(root, new RegExp(`^(${names.join('|')})$`));
  assert.deepEqual(
    res.map((r) => `${r.test}: ${r.result}${r.reason ? ` (${r.reason})` : ''}`),
    names.map((n) => `${n}: pass`),
  );
}

test('content modifiers after bsize, isdataat or pcre apply to the last content, as Suricata ties them', () => {
  const r = rule('content:"abc"; bsize:3; fast_pattern; content:"x"; isdataat:!1,relative; nocase;');
  const [abc, , x] = r.buffers.get('payload') as ContentMatch[];
  assert.equal(abc.fastPattern, true);
  assert.equal(x.nocase, true);
  assert.throws(() => rule('bsize:3; nocase;'), /nocase: needs a preceding content/);
  // A sticky buffer starts afresh: no content of the previous buffer is modified.
  assert.throws(() => rule('content:"a"; http.uri; nocase;', 'http'), /needs a preceding content/);
});

test('bsize and urilen compare the buffer length; a content that cannot fit is refused', () => {
  const r = rule('http.uri; content:"/a"; bsize:<=4;', 'http');
  assert.ok(on(r, '/abc', 'http.uri') && !on(r, '/abcd', 'http.uri'));
  assert.throws(() => rule('http.uri; content:"/abcdef"; bsize:3;', 'http'), /cannot fit/);
  const u = rule('urilen:5<>8,norm; content:"/x";', 'http');
  assert.ok(on(u, '/x2345', 'http.uri') && !on(u, '/x234', 'http.uri') && !on(u, '/x234567', 'http.uri'));
  const e = new RuleMatcher(
    parseRules('alert http any any -> any any (urilen:>5; http.method; content:"POST"; sid:5;)', 't').rules,
  );
  const f = testFlow({ appProto: 'http', dstPort: 80 });
  assert.equal(e.onAppRecord(f, httpRecord('/ab'), 1), undefined);
  assert.deepEqual(
    e.onAppRecord(f, httpRecord('/abcdef'), 1)?.map((m) => m.rule.sid),
    [5],
  );
});

test('byte_test/byte_jump with 0 bytes, byte_extract variables, bitmask, from_end', () => {
  // 0 bytes as text: every digit there is (ET's http.content_len tests); binary: nothing, value 0.
  const cl = rule('http.content_len; byte_test:0,>=,8079,0,string,dec;', 'http');
  assert.ok(on(cl, '8080', 'http.content_len') && !on(cl, '808', 'http.content_len'));
  assert.ok(!on(cl, 'x8080', 'http.content_len'), 'no digit where the number should start');
  const big = rule('byte_test:0,>,100000,0,string,dec;');
  assert.ok(on(big, '123456\r\n') && !on(big, '99999\r\n'));
  // byte_jump:0 … from_end, post_offset -4: lands 4 bytes before the end.
  assert.ok(on(rule('byte_jump:0,0,from_end,post_offset -4; content:"TAIL"; within:4;'), 'xxxxTAIL'));
  // The documented example: a length read into a variable bounds the next content.
  const ex = rule(
    'content:"|00 FF|"; byte_extract:1,0,len,relative; content:"|5c 00|"; distance:2; within:len;',
  );
  assert.ok(on(ex, Buffer.from([0, 0xff, 6, 1, 2, 3, 0x5c, 0])));
  assert.ok(!on(ex, Buffer.from([0, 0xff, 1, 1, 2, 3, 0x5c, 0])), 'the variable limits within');
  const v = rule('byte_extract:2,0,n; byte_test:1,=,n,2;');
  assert.ok(on(v, Buffer.from([0, 7, 7])) && !on(v, Buffer.from([0, 7, 8])));
  // bitmask: AND, then shift right by the mask's trailing zeros.
  assert.ok(on(rule('byte_test:1,=,3,0,bitmask 0x30;'), Buffer.from([0x3f])));
  assert.throws(() => rule('byte_test:1,=,n,0;'), /neither a number nor a byte_extract variable/);
  assert.throws(() => rule('byte_jump:2,0,frm_end;'), /unknown option 'frm_end'/);
});

test('byte_extract, byte_jump and byte_test on suricata-verify captures', async (t) => {
  await verify(t, '.', [
    'detect-bytejump-01',
    'detect-bytejump-02',
    'detect-bytetest-01',
    'detect-bytetest-04',
  ]);
});

test('tls.certs (each certificate) and the legacy TLS keywords on suricata-verify captures', async (t) => {
  await verify(t, 'tls', [
    'tls-certs-alert',
    'tls-fingerprint-alert',
    'tls-issuerdn',
    'tls-subject',
    'tls-subjectaltname',
  ]);
});

test('pcre buffer flags pick the HTTP buffer (P request body, Q response body, C cookie)', () => {
  const r = rule('pcre:"/^user=\\w+&pass/P"; pcre:"/sess=[0-9a-f]{8}/C";', 'http');
  assert.ok(on(r, 'user=bob&pass=x', 'http.request_body'));
  assert.ok(on(r, 'sess=deadbeef', 'http.cookie'));
  assert.ok(rule('pcre:"/<script/Qi";', 'http').buffers.has('http.response_body'));
});

test('xbits: per host with expiry, across flows; ip_pair in either direction', () => {
  const { rules, errors } = parseRules(
    [
      'alert tcp any any -> any any (content:"LOGIN"; xbits:set,seen,track ip_src,expire 10; xbits:noalert; sid:1;)',
      'alert tcp any any -> any any (content:"DATA"; xbits:isset,seen,track ip_src; sid:2;)',
      'alert tcp any any -> any any (content:"PAIR"; xbits:set,p,track ip_pair; noalert; sid:3;)',
      'alert tcp any any -> any any (content:"BACK"; xbits:isset,p,track ip_pair; sid:4;)',
    ].join('\n'),
    't',
  );
  assert.deepEqual(errors, []);
  const e = new RuleMatcher(rules);
  const a = testFlow({ id: 1 });
  const b = testFlow({ id: 2, srcPort: 52000 });
  const sids = (f: typeof a, dir: number, text: string, ts: number): number[] =>
    e.onPacket(f, dir, packet(text, { tsUs: ts }))?.map((m) => m.rule.sid) ?? [];
  assert.deepEqual(sids(b, 0, 'DATA', 1e6), [], 'not set yet');
  assert.deepEqual(sids(a, 0, 'LOGIN', 1e6), []);
  assert.deepEqual(sids(b, 0, 'DATA', 5e6), [2], 'another flow from the same host');
  assert.deepEqual(sids(b, 1, 'DATA', 5e6), [], 'ip_src of a reply is the server');
  assert.deepEqual(sids(b, 0, 'DATA', 12e6), [], 'expired after 10 s');
  assert.deepEqual(sids(a, 0, 'PAIR', 1e6), []);
  assert.deepEqual(sids(b, 1, 'BACK', 2e6), [4], 'the pair, seen from the other side');
  assert.throws(() => rule('xbits:set,x;'), /needs track/);
});

test('flowint: checks before the match, changes after it', () => {
  const { rules } = parseRules(
    [
      'alert tcp any any -> any any (content:"FAIL"; flowint:fails,+,1; noalert; sid:1;)',
      'alert tcp any any -> any any (content:"FAIL"; flowint:fails,isset; flowint:fails,>,2; sid:2;)',
    ].join('\n'),
    't',
  );
  const e = new RuleMatcher(rules);
  const f = testFlow();
  const got = [1, 2, 3, 4].map((i) => e.onPacket(f, 0, packet('FAIL', { tsUs: i }))?.map((m) => m.rule.sid));
  assert.deepEqual(got, [undefined, undefined, [2], [2]]);
  assert.equal(e.onPacket(testFlow({ id: 9 }), 0, packet('FAIL')), undefined, 'per flow');
});

test('stream_size: bytes by sequence numbers per side, the SYN counting one, retransmissions once', () => {
  const { rules } = parseRules(
    'alert tcp any any -> any any (flow:to_server; content:"GO"; stream_size:client,>,10; sid:7;)',
    't',
  );
  const e = new RuleMatcher(rules);
  const f = testFlow();
  e.onPacket(f, 0, packet('', { seq: 1000, flags: 0x02 }));
  assert.equal(e.onPacket(f, 0, packet('GO12345', { seq: 1001 })), undefined, '1 + 7 bytes');
  assert.equal(
    e.onPacket(f, 0, packet('GO12345', { seq: 1001 })),
    undefined,
    'a retransmission adds nothing',
  );
  assert.deepEqual(
    e.onPacket(f, 0, packet('GO34', { seq: 1008 }))?.map((m) => m.rule.sid),
    [7],
  );
  assert.throws(() => rule('stream_size:server,~,5;'), /not 'side,op,number'/);
});

test('stream_size on a suricata-verify capture', async (t) => {
  await verify(t, '.', ['streamsize-keyword-02-prefilter']);
});

test('base64_decode and base64_data', () => {
  const enc = Buffer.from('cmd=whoami;id').toString('base64');
  const r = rule(
    'content:"token="; base64_decode:bytes 40,offset 0,relative; base64_data; content:"whoami";',
  );
  assert.ok(on(r, `GET /?token=${enc}&x=1`));
  assert.ok(!on(r, `GET /?token=${Buffer.from('nothing').toString('base64')}`));
  // RFC 4648: decoding stops at the first character outside the alphabet.
  assert.ok(!on(rule('base64_decode; base64_data; content:"whoami";'), `*${enc}`));
  assert.throws(() => rule('base64_data; content:"x";'), /needs a base64_decode/);
});

test('header fields: id, window, ack, icmp_id, fragbits, sameip; tag changes no alert', () => {
  const p = packet('x');
  p.ipVersion = 4;
  p.ipId = 666;
  p.tcpWindow = 2048;
  p.tcpAck = 0;
  const { rules } = parseRules(
    [
      'alert tcp any any -> any any (id:666; window:2048; ack:0; tag:session,5,packets; sid:1;)',
      'alert tcp any any -> any any (window:!2048; sid:2;)',
    ].join('\n'),
    't',
  );
  assert.deepEqual(
    new RuleMatcher(rules).onPacket(testFlow(), 0, p)?.map((m) => m.rule.sid),
    [1],
  );
  assert.deepEqual(rule('fragbits:!D;').fragbits, { mode: 'not', flags: 2, ignore: 0 });
  assert.throws(() => rule('tag:flow;'), /scope must be session or host/);
});

test('smb rules run on flows that start as SMB over NetBIOS; not on others', () => {
  const { rules } = parseRules(
    'alert smb any any -> any any (content:"|ff|SMB|72|"; offset:4; depth:5; sid:3;)',
    't',
  );
  const e = new RuleMatcher(rules);
  const negotiate = Buffer.from([0, 0, 0, 0x2f, 0xff, 0x53, 0x4d, 0x42, 0x72, 0, 0, 0]);
  assert.deepEqual(
    e.onPacket(testFlow({ id: 1, dstPort: 445 }), 0, packet(negotiate))?.map((m) => m.rule.sid),
    [3],
  );
  // The same bytes after a first packet that was not SMB: the flow is something else.
  const other = testFlow({ id: 2, dstPort: 445 });
  e.onPacket(other, 0, packet('GET / HTTP/1.1\r\n'));
  assert.equal(e.onPacket(other, 0, packet(negotiate)), undefined);
});

test('ET Open smb rules on real EternalBlue and DoublePulsar captures', async (t) => {
  const dir = join(CORPUS, 'attacks', 'malcolm-pcap', 'pcaps', 'plugins', 'zeek-EternalSafety');
  const rulesFile = join(CORPUS, 'rules', 'et-open', 'emerging-exploit.rules');
  if (!existsSync(dir) || !existsSync(rulesFile)) {
    t.skip('corpus absent');
    return;
  }
  // The whole file: some smb rules need a flowbit a tcp rule of the file sets.
  const { rules } = parseRules(readFileSync(rulesFile, 'utf8'), rulesFile);
  const smb = new Set(rules.filter((r) => r.proto === 'smb').map((r) => r.sid));
  assert.ok(smb.size > 10);
  const sids = async (pcap: string): Promise<Set<number>> => {
    const insp = new RuleInspector(new RuleMatcher(rules));
    const { events } = await analyzeToEvents(join(dir, pcap), { inspectors: [insp] });
    return new Set(
      events
        .filter((e) => e.event_type === 'alert')
        .map((e) => (e.alert as { signature_id: number }).signature_id),
    );
  };
  const eb = await sids('eternalblue-success-unpatched-win7.pcap');
  // "ETERNALBLUE MS17-010 Echo Response" and "ETERNALBLUE Exploit M2".
  assert.ok(eb.has(2024218) && eb.has(2024297), [...eb].join(','));
  assert.ok(
    (await sids('doublepulsar-backdoor-connect-win7.pcap')).has(2024216),
    'DOUBLEPULSAR beacon response',
  );
  const http = join(CORPUS, 'attacks', 'chrissanders-packets', 'http_google.pcapng');
  if (existsSync(http)) {
    const insp = new RuleInspector(new RuleMatcher(rules));
    const { events } = await analyzeToEvents(http, { inspectors: [insp] });
    const hits = events.filter(
      (e) => e.event_type === 'alert' && smb.has((e.alert as { signature_id: number }).signature_id),
    );
    assert.equal(hits.length, 0, 'no SMB rule on HTTP traffic');
  }
});

test('ET Open: at least 99% of the enabled rules load', (t) => {
  const dir = join(CORPUS, 'rules', 'et-open');
  if (!existsSync(dir)) {
    t.skip(`corpus absent: ${dir}`);
    return;
  }
  let total = 0;
  let loaded = 0;
  for (const f of [
    'emerging-exploit.rules',
    'emerging-sql.rules',
    'emerging-hunting.rules',
    'emerging-phishing.rules',
  ]) {
    const r = parseRules(readFileSync(join(dir, f), 'utf8'), f);
    total += r.total;
    loaded += r.rules.length;
  }
  assert.ok(loaded / total >= 0.99, `${loaded} of ${total}`);
});
