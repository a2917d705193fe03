/**
 * pcre with PCRE2's meaning: the syntax JavaScript lacks, PCRE's own semantics where they differ from JavaScript's,
 * the step-bounded matcher on catastrophic patterns, and both engines agreeing on every pcre of ET Open.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compilePcre, PcreSyntaxError, type PcreOptions } from '../../src/detect/pcre/index.js';
import { parsePcre } from '../../src/detect/pcre/parse.js';
import { toJsSource, v8Problem } from '../../src/detect/pcre/to-js.js';
import { BoundedMatcher } from '../../src/detect/pcre/backtrack.js';
import type { Node } from '../../src/detect/pcre/ast.js';
import { splitOptions } from '../../src/detect/parse/options.js';

/** End of the first match, -1 for none. */
function end(pattern: string, text: string | Buffer, opts: PcreOptions = {}): number {
  const b = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  return compilePcre(pattern, opts).exec(b, 0, b.length);
}
const hit = (p: string, t: string | Buffer, o?: PcreOptions): boolean => end(p, t, o) >= 0;

test('PCRE syntax JavaScript lacks: Python-style names, inline options, possessive, atomic, POSIX, \\Q…\\E', () => {
  assert.ok(hit('(?P<sep>[;,])a(?P=sep)b', 'x;a;b'));
  assert.ok(!hit('(?P<sep>[;,])a(?P=sep)b', 'x;a,b'));
  assert.ok(hit("(?'q'[\\x22\\x27])v\\k'q'", "'v'"));
  assert.ok(hit('^((?!(?i:</object)).)+<param', 'abc<param'));
  assert.ok(!hit('^((?!(?i:</object)).)+<param', 'a</OBJECT><param'));
  assert.ok(hit('a(?i)bc', 'aBC') && !hit('a(?i)bc', 'ABC'));
  assert.ok(hit('(?i:ab)c', 'ABc') && !hit('(?i:ab)c', 'ABC'));
  // Possessive and atomic groups never give back what they took.
  assert.ok(!hit('^\\d{2,5}+5', '12345'));
  assert.ok(hit('^\\d{2,5}5', '12345'));
  assert.ok(!hit('^(?>a+)ab', 'aaab'));
  assert.ok(hit('[[:xdigit:]]{4}[[:^alpha:]]', 'aF09!'));
  assert.ok(hit('\\Qa.b*\\E$', 'a.b*') && !hit('\\Qa.b*\\E', 'aXbb'));
  assert.ok(hit('a # comment\n b c', 'abc', { extended: true }));
  assert.ok(hit('[]a]', ']') && hit('[^]a]', 'b') && !hit('[^]a]', ']'));
});

test("PCRE's meaning where JavaScript's differs", () => {
  // \xH with one hex digit is a byte in PCRE.
  assert.ok(hit('[\\x2]', '\x02') && !hit('[\\x2]', 'x2'));
  // '.' matches CR (JavaScript's does not); \s is ASCII white space only (JavaScript's has NBSP).
  assert.ok(hit('a.b', 'a\rb'));
  assert.ok(!hit('a\\sb', 'a\xa0b') && hit('a\\hb', 'a\xa0b'));
  // Caseless matching folds ASCII letters only (PCRE without UTF uses the C locale).
  assert.ok(hit('caf\\xe9', 'CAF\xe9', { caseless: true }));
  assert.ok(!hit('\\xe9', '\xc9', { caseless: true }));
  // $ also matches before a final newline, unless /E; with /m before every newline.
  assert.ok(hit('abc$', 'abc\n') && !hit('abc$', 'abc\n', { dollarEndOnly: true }));
  assert.ok(!hit('abc$', 'abc\nx') && hit('abc$', 'abc\nx', { multiline: true }));
  // ^ with /m: after an internal newline, not after the last character.
  assert.ok(hit('^x', 'a\nx', { multiline: true }) && !hit('^$', 'a\n', { multiline: true }));
  // A reference to a group that did not take part fails (JavaScript matches it as empty).
  assert.ok(!hit('^(a)?b\\1', 'b') && hit('^(a)?b\\1', 'aba'));
  // /G inverts greediness; /A anchors.
  assert.equal(end('a+', 'aaa', { ungreedy: true }), 1);
  assert.equal(end('a+?', 'aaa', { ungreedy: true }), 3);
  assert.ok(!hit('b', 'ab', { anchored: true }));
  // \R is any newline sequence; \10 is octal (tab) with fewer than 10 groups.
  assert.ok(hit('a\\Rb', 'a\r\nb') && hit('x\\10y', 'x\by'));
  // A non-ASCII character in the pattern is its UTF-8 bytes, as Suricata hands PCRE the rule's bytes.
  assert.ok(hit('é', Buffer.from('é', 'utf8')));
});

test('invalid patterns are refused as PCRE2 refuses them, unsupported constructs are named', () => {
  const bad = (p: string, why: RegExp): void =>
    assert.throws(
      () => compilePcre(p),
      (e: Error) => e instanceof PcreSyntaxError && why.test(e.message),
    );
  bad('a{3,2}', /out of order/);
  bad('*a', /does not follow/);
  bad('(a', /missing '\)'/);
  bad('a)', /unmatched/);
  bad('[\\d-z]', /invalid range/);
  bad('(?<=a+)b', /not fixed length/);
  bad('\\2(a)', /missing group 2/);
  bad('(?P=nope)', /undefined group 'nope'/);
  bad('\\y', /unrecognized escape/);
  bad('(?R)', /recursion/);
  bad('(a)(?(1)b|c)', /conditional/);
});

test('risky patterns run on the bounded matcher: right answers, and bounded time on hostile input', () => {
  const c = compilePcre('^(\\w+\\s?)+$');
  assert.equal(c.engine, 'bounded');
  assert.equal(c.why, 'nested quantifiers');
  assert.ok(c.exec(Buffer.from('ab cd ef'), 0, 8) === 8);
  const hostile = Buffer.from(`${'a'.repeat(5000)}!`);
  const t0 = performance.now();
  assert.equal(compilePcre('(a+)+$').exec(hostile, 0, hostile.length), -1);
  assert.equal(compilePcre('^(\\w+\\s?)+$').exec(hostile, 0, hostile.length), -1);
  assert.ok(performance.now() - t0 < 2000, 'gave up within the budget');
  assert.equal(compilePcre('(?:%3C){3}').engine, 'regexp');
  assert.ok(hit('(a|ab)(c|bcd)(d*)$', 'abcd'));
});

/** A text the pattern matches (mostly), drawn at random from its parse. */
function sample(n: Node, out: number[], caps: number[][], rnd: (k: number) => number): void {
  switch (n.t) {
    case 'set': {
      const c: number[] = [];
      for (let i = 0; i < 256; i++) if (n.set.has(i)) c.push(i);
      const printable = c.filter((x) => x >= 0x20 && x < 0x7f);
      if (c.length > 0)
        out.push(printable.length > 0 && rnd(10) > 0 ? printable[rnd(printable.length)] : c[rnd(c.length)]);
      return;
    }
    case 'seq':
      for (const x of n.items) sample(x, out, caps, rnd);
      return;
    case 'alt':
      sample(n.alts[rnd(n.alts.length)], out, caps, rnd);
      return;
    case 'group': {
      const s = out.length;
      sample(n.body, out, caps, rnd);
      if (n.index > 0) caps[n.index] = out.slice(s);
      return;
    }
    case 'atomic':
      sample(n.body, out, caps, rnd);
      return;
    case 'repeat': {
      const k = n.min + rnd(Math.min(n.max, n.min + 3) - n.min + 1);
      for (let i = 0; i < k; i++) sample(n.body, out, caps, rnd);
      return;
    }
    case 'backref':
      out.push(...(caps[n.index] ?? []));
      return;
    default:
      return;
  }
}

test('ET Open: every pcre compiles, and the RegExp form and the bounded matcher agree on texts drawn from it', (t) => {
  const dir = join(process.cwd(), '..', 'shared', 'corpus', 'rules', 'et-open');
  if (!existsSync(dir)) {
    t.skip(`corpus absent: ${dir}`);
    return;
  }
  const patterns = new Set<string>();
  for (const f of readdirSync(dir).filter((x) => x.startsWith('emerging-') && x.endsWith('.rules'))) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      if (!line.startsWith('alert ')) continue;
      const opts = splitOptions(line.slice(line.indexOf('(') + 1, line.trimEnd().length - 1));
      for (const o of opts) if (o.name === 'pcre' && o.value) patterns.add(o.value);
    }
  }
  let seed = 5;
  const rnd = (k: number): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed % k;
  };
  let compared = 0;
  let bounded = 0;
  for (const v of patterns) {
    const m = /^!?"?\/(.*)\/([a-zA-Z]*)"?$/s.exec(v.replace(/\\([";])/g, '$1'));
    assert.ok(m, v);
    const fl = m[2];
    const opts: PcreOptions = {
      caseless: fl.includes('i'),
      dotall: fl.includes('s'),
      multiline: fl.includes('m'),
      ungreedy: fl.includes('G'),
    };
    const p = parsePcre(m[1], opts);
    const bm = new BoundedMatcher(p);
    if (v8Problem(p) !== undefined) {
      bounded++;
      continue;
    }
    const re = new RegExp(toJsSource(p));
    for (let k = 0; k < 4; k++) {
      const o: number[] = [];
      sample(p.root, o, [], rnd);
      const b = Buffer.from(o);
      if (k === 3 && b.length > 0) b[rnd(b.length)] = 0x20 + rnd(90);
      const r1 = bm.exec(b, 0, b.length);
      if (bm.gaveUp) continue;
      const x = re.exec(b.toString('latin1'));
      assert.equal(
        r1,
        x ? x.index + x[0].length : -1,
        `/${m[1]}/${fl} on ${JSON.stringify(b.toString('latin1'))}`,
      );
      compared++;
    }
  }
  assert.ok(
    patterns.size > 1000 && compared > 4000 && bounded > 100,
    `${patterns.size} ${compared} ${bounded}`,
  );
});
