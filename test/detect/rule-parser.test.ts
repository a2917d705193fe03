/** The rule parser: Suricata syntax in, a typed rule out; every failure names sid and keyword. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseRules, DEFAULT_VARS } from '../../src/detect/ruleset.js';
import { parseRule } from '../../src/detect/parse/rule-parser.js';
import { addressMatches } from '../../src/detect/parse/address.js';
import { portMatches } from '../../src/detect/parse/ports.js';
import { parseIp } from '../../src/address/index.js';
import type { ContentMatch } from '../../src/detect/rule.js';

const VARS = new Map(DEFAULT_VARS);
const ip = (s: string): Uint32Array => parseIp(s)!.words;

test('header: actions, variables, negated nested groups, port ranges, bidirectional', () => {
  const r = parseRule(
    'alert tcp [$HOME_NET, !10.9.0.0/16, ![10.8.0.0/16, !10.8.1.1]] ![80,443,8000:8080] <> $EXTERNAL_NET $HTTP_PORTS (msg:"x"; sid:7;)',
    VARS,
  );
  assert.equal(r.action, 'alert');
  assert.equal(r.bidirectional, true);
  assert.ok(addressMatches(r.src, ip('192.168.1.1')));
  assert.ok(!addressMatches(r.src, ip('10.9.3.3')));
  assert.ok(!addressMatches(r.src, ip('10.8.2.2')));
  assert.ok(addressMatches(r.src, ip('10.8.1.1')), 'the inner negation re-admits 10.8.1.1');
  assert.ok(!addressMatches(r.src, ip('8.8.8.8')));
  assert.ok(addressMatches(r.dst, ip('8.8.8.8')));
  assert.ok(!addressMatches(r.dst, ip('10.1.1.1')));
  assert.ok(addressMatches(r.dst, ip('2001:db8::1')));
  assert.ok(!portMatches(r.srcPorts, 443) && !portMatches(r.srcPorts, 8010) && portMatches(r.srcPorts, 8081));
  assert.ok(portMatches(r.dstPorts, 80) && !portMatches(r.dstPorts, 81));
});

test('address families stay apart, as in Suricata: an IPv6 prefix, even ::/0, matches no IPv4 address', () => {
  const r = parseRule('alert ip ::/0 any -> [0.0.0.0/0,!10.0.0.0/8] any (msg:"x"; sid:8;)', VARS);
  assert.ok(addressMatches(r.src, ip('2001:db8::1')) && !addressMatches(r.src, ip('192.0.2.1')));
  assert.ok(addressMatches(r.dst, ip('192.0.2.1')) && !addressMatches(r.dst, ip('2001:db8::1')));
  assert.ok(!addressMatches(r.dst, ip('10.1.1.1')));
  assert.throws(
    () => parseRule('alert ip 1.2.3.4/33 any -> any any (sid:9;)', VARS),
    /'1\.2\.3\.4\/33' is not/,
  );
});

test('options: content with hex, escapes and modifiers, sticky buffers, legacy modifiers, pcre, byte ops', () => {
  const r = parseRule(
    String.raw`alert tcp any any -> any any (msg:"ET \"evil\" \; test"; flow:established,to_server; content:"GET"; http_method; content:"/a|20 3b|b\;"; nocase; offset:1; depth:20; content:"x"; distance:0; within:5; tls.sni; content:"bad.example"; endswith; pcre:"/^[a-z]+\.example$/i"; http.user_agent; content:!"curl"; isdataat:!10,relative; byte_test:2,>,1000,0,relative; byte_jump:2,0,relative,multiplier 2; dsize:<500; flags:S+,CE; ttl:>10; threshold: type limit, track by_src, count 1, seconds 60; flowbits:isset,a|b; reference:url,example.com; classtype:trojan-activity; metadata:created_at 2024_01_01, signature_severity Major; sid:2000001; rev:3;)`,
    VARS,
  );
  assert.equal(r.msg, 'ET "evil" ; test');
  assert.deepEqual(r.flow, { established: true, toServer: true });
  assert.equal(r.sid, 2000001);
  assert.equal(r.rev, 3);
  assert.equal(r.classtype, 'trojan-activity');
  assert.deepEqual(r.metadata, { created_at: ['2024_01_01'], signature_severity: ['Major'] });
  const method = r.buffers.get('http.method')?.[0] as ContentMatch;
  assert.deepEqual(Buffer.from(method.bytes).toString(), 'GET');
  const payload = r.buffers.get('payload') as ContentMatch[];
  assert.equal(payload.length, 2);
  assert.deepEqual([...payload[0].bytes], [...Buffer.from('/a ;b;')]);
  assert.equal(payload[0].nocase, true);
  assert.equal(payload[0].offset, 1);
  assert.equal(payload[0].depth, 20);
  assert.equal(payload[1].distance, 0);
  assert.equal(payload[1].within, 5);
  const sni = r.buffers.get('tls.sni')!;
  assert.equal((sni[0] as ContentMatch).endsWith, true);
  assert.equal(sni[1].kind, 'pcre');
  // Sticky buffers stay in force: the byte tests after http.user_agent apply to the user agent.
  const uaList = r.buffers.get('http.user_agent')!;
  assert.equal((uaList[0] as ContentMatch).negated, true);
  assert.deepEqual(
    uaList.map((m) => m.kind),
    ['content', 'isdataat', 'byte_test', 'byte_jump'],
  );
  assert.deepEqual(r.dsize, { op: '<', a: 500 });
  assert.deepEqual(r.flags, { mode: 'plus', flags: 0x02, ignore: 0xc0 });
  assert.deepEqual(r.threshold, { type: 'limit', track: 'by_src', count: 1, seconds: 60 });
  assert.deepEqual(r.flowbits, [{ op: 'isset', names: ['a', 'b'], any: true }]);
});

test('rejections name the sid, the keyword and what was wrong; the other rules load', () => {
  const text = [
    'alert tcp any any -> any any (msg:"ok"; content:"a"; sid:1;)',
    'alert tcp any any -> any any (msg:"bad kw"; lua:script.lua; sid:2;)',
    'alert tcp any any -> any any (msg:"depth"; content:"abcdef"; depth:3; sid:3;)',
    'alert tcp any any -> any any (msg:"cond"; pcre:"/(a)?(?(1)b|c)/"; sid:4;)',
    'alert foo any any -> any any (msg:"proto"; sid:5;)',
    'alert tcp $NOPE any -> any any (msg:"var"; sid:6;)',
    'alert tcp any any -> any any (msg:"no sid"; content:"x";)',
    'alert tcp any any -> any any (msg:"dup"; sid:1;)',
    '# a comment',
    'alert tcp any any -> any any (msg:"cont"; \\',
    '  content:"y"; sid:9;)',
  ].join('\n');
  const r = parseRules(text, 'test.rules');
  assert.deepEqual(
    r.rules.map((x) => x.sid),
    [1, 9],
  );
  const msgs = r.errors.map((e) => `${e.line}: ${e.message}`);
  assert.deepEqual(msgs, [
    '2: sid 2: lua: unsupported keyword',
    '3: sid 3: depth: depth 3 is shorter than the content (6 bytes)',
    "4: sid 4: pcre: '(a)?(?(1)b|c)': conditional groups (?(…)…) are not supported at offset 6",
    "5: sid 5: unsupported protocol 'foo'",
    '6: sid 6: undefined address variable $NOPE',
    '7: no sid',
    '8: sid 1: duplicate of the rule on line 1',
  ]);
});

test('the suricata-verify rule files: every rule either parses or is refused with a named reason', (t) => {
  const root = join(process.cwd(), '..', 'shared', 'corpus', 'suricata-verify', 'tests');
  if (!existsSync(root)) {
    t.skip(`corpus absent: ${root}`);
    return;
  }
  let ok = 0;
  let refused = 0;
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.rules')) {
        const r = parseRules(readFileSync(p, 'utf8'), p);
        ok += r.rules.length;
        refused += r.errors.length;
        for (const e of r.errors) assert.ok(e.message.length > 0 && e.line > 0, JSON.stringify(e));
      }
    }
  };
  walk(root);
  t.diagnostic(
    `suricata-verify rules: ${ok} parsed, ${refused} refused (mostly app-layer/decoder event rules and protocols moat does not parse)`,
  );
  assert.ok(ok >= 400, `${ok} rules parsed`);
});

test('metadata is split on first read — on a rule and on its client-certificate twin — and can be replaced', () => {
  const r = parseRule(
    'alert tls any any -> any any (msg:"x"; tls.cert_subject; content:"CN=evil"; metadata:created_at 2024_01_01, tag Phishing; metadata:tag TLS; sid:11;)',
    VARS,
  );
  const twin = r.clientCertTwin!;
  assert.deepEqual([...twin.buffers.keys()], ['tls.cert_subject#ts']);
  assert.deepEqual(twin.metadata, { created_at: ['2024_01_01'], tag: ['Phishing', 'TLS'] });
  assert.deepEqual(r.metadata, { created_at: ['2024_01_01'], tag: ['Phishing', 'TLS'] });
  assert.equal(r.metadata, r.metadata, 'split once, then kept');
  assert.deepEqual({ ...r }.metadata, r.metadata, 'a read value is an own field');
  r.metadata = { x: ['1'] };
  assert.deepEqual(r.metadata, { x: ['1'] });
  assert.deepEqual(parseRule('alert tcp any any -> any any (sid:12;)', VARS).metadata, {});
});

test('a parsed rule keeps its lists fitted: the empty ones are one shared list that refuses additions', () => {
  const r = parseRule('alert tcp any any -> any any (content:"a"; content:"b"; sid:13;)', VARS);
  assert.deepEqual(r.references, []);
  assert.throws(() => r.references.push('x'), TypeError);
  assert.equal(r.flowbits, r.iprep as unknown);
  assert.equal(r.buffers.get('payload')?.length, 2);
});
