/** Content matching semantics and the multi-pattern prefilter, checked against brute force. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRule } from '../../src/detect/parse/rule-parser.js';
import { DEFAULT_VARS } from '../../src/detect/ruleset.js';
import { matchBuffer } from '../../src/detect/buffer-match.js';
import { LiteralScanner } from '../../src/detect/literal-scan.js';

const VARS = new Map(DEFAULT_VARS);

function payloadMatches(opts: string, text: string | Buffer): boolean {
  const r = parseRule(`alert tcp any any -> any any (${opts} sid:1;)`, VARS);
  const buf = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  return matchBuffer(r.buffers.get('payload') ?? [], buf);
}

test('content modifiers: offset/depth, distance/within with backtracking, nocase, negation, startswith/endswith', () => {
  assert.ok(payloadMatches('content:"abc";', 'xxabcxx'));
  assert.ok(!payloadMatches('content:"ABC";', 'xxabcxx'));
  assert.ok(payloadMatches('content:"ABC"; nocase;', 'xxabcxx'));
  assert.ok(payloadMatches('content:"abc"; offset:2; depth:3;', 'xxabcxx'));
  assert.ok(!payloadMatches('content:"abc"; offset:3;', 'xxabcxx'));
  assert.ok(!payloadMatches('content:"abc"; depth:4;', 'xxabcxx'));
  // The first "a" is followed by "b" too far away; the second "a" works — Suricata backtracks to find it.
  assert.ok(payloadMatches('content:"a"; content:"b"; distance:0; within:2;', 'a----ab'));
  assert.ok(!payloadMatches('content:"a"; content:"b"; distance:0; within:2;', 'a----a--b'));
  assert.ok(payloadMatches('content:"a"; content:"b"; distance:3;', 'a...b'));
  assert.ok(!payloadMatches('content:"a"; content:"b"; distance:4;', 'a...b'));
  assert.ok(payloadMatches('content:"GET "; startswith;', 'GET /'));
  assert.ok(!payloadMatches('content:"GET "; startswith;', ' GET /'));
  assert.ok(payloadMatches('content:".exe"; endswith;', 'a.exe.exe'));
  assert.ok(!payloadMatches('content:".exe"; endswith;', 'a.exe.'));
  assert.ok(payloadMatches('content:"a"; content:!"zz";', 'abc'));
  assert.ok(!payloadMatches('content:"a"; content:!"zz";', 'abzzc'));
  assert.ok(payloadMatches('content:"|00 01|ab";', Buffer.from([0, 0, 1, 0x61, 0x62])));
});

test('pcre (relative), isdataat, byte_test, byte_jump', () => {
  assert.ok(payloadMatches('pcre:"/user=[a-z]{3,}/";', 'x user=admin'));
  assert.ok(!payloadMatches('pcre:"/^user/";', 'x user=admin'));
  assert.ok(payloadMatches('content:"user="; pcre:"/^adm/R";', 'x user=admin'));
  assert.ok(!payloadMatches('content:"user="; pcre:"/^min/R";', 'x user=admin'));
  assert.ok(payloadMatches('content:"AB"; isdataat:2,relative;', 'xxABcd'));
  assert.ok(!payloadMatches('content:"AB"; isdataat:2,relative;', 'xxABc'));
  assert.ok(payloadMatches('content:"AB"; isdataat:!2,relative;', 'xxABc'));
  // A 2-byte big-endian length 0x0102 = 258 right after the marker.
  const pkt = Buffer.from([0x4d, 0x4b, 0x01, 0x02, 0x41, 0x42, 0x43]);
  assert.ok(payloadMatches('content:"MK"; byte_test:2,>,257,0,relative;', pkt));
  assert.ok(!payloadMatches('content:"MK"; byte_test:2,>,258,0,relative;', pkt));
  assert.ok(payloadMatches('content:"MK"; byte_test:2,=,513,0,relative,little;', pkt));
  assert.ok(payloadMatches('byte_test:3,=,123,0,string,dec;', '123abc'));
  // byte_jump: read 1 byte (2) at offset 0, skip that many after it, then "C" must follow at once.
  const j = Buffer.from([0x02, 0x41, 0x42, 0x43]);
  assert.ok(payloadMatches('byte_jump:1,0; content:"C"; within:1;', j));
  assert.ok(!payloadMatches('byte_jump:1,0; content:"B"; within:1;', j));
});

test('hostile input stays bounded: many partial occurrences do not blow up backtracking', () => {
  const text = 'a'.repeat(20_000);
  assert.equal(
    payloadMatches(
      'content:"a"; content:"a"; distance:0; content:"a"; distance:0; content:"b"; distance:0;',
      text,
    ),
    false,
  );
});

test('the literal scanner finds exactly the occurrences brute force finds, case-folded', () => {
  let seed = 42;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed % n;
  };
  const alphabet = 'abcdAB';
  const patterns = Array.from({ length: 300 }, () =>
    Buffer.from(Array.from({ length: 1 + rnd(5) }, () => alphabet[rnd(alphabet.length)]).join('')),
  );
  const text = Buffer.from(Array.from({ length: 5000 }, () => alphabet[rnd(alphabet.length)]).join(''));
  const ac = new LiteralScanner(patterns);
  const got = new Array<number>(patterns.length).fill(0);
  ac.scan(text, 0, text.length, (id) => {
    got[id]++;
  });
  const low = text.toString().toLowerCase();
  patterns.forEach((p, id) => {
    const q = p.toString().toLowerCase();
    let n = 0;
    for (let i = low.indexOf(q); i >= 0; i = low.indexOf(q, i + 1)) n++;
    assert.equal(got[id], n, `pattern ${q}`);
  });
  // Distinct mode (the prefilter's): every literal that occurs is reported, none that does not; also on short
  // texts and at the text's end, where the 4-byte test does not apply.
  for (const [from, len] of [
    [0, text.length],
    [4990, 10],
    [17, 3],
    [100, 1],
  ]) {
    const seen = new Set<number>();
    ac.scan(
      text,
      from,
      len,
      (id) => {
        seen.add(id);
      },
      true,
    );
    const part = low.slice(from, from + len);
    patterns.forEach((p, id) => {
      assert.equal(
        seen.has(id),
        part.includes(p.toString().toLowerCase()),
        `pattern ${p} in [${from}, +${len})`,
      );
    });
  }
});
