/**
 * The prefilter's scan runs in C when dist/native/literal-scan.node is built (native/literal-scan.c) and in
 * TypeScript otherwise. Both must report the same literals in the same order: checked here on ET Open's content
 * literals over a real capture's bytes, and on random text against brute force.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LiteralScanner, NATIVE_MIN_LEN, setNativeScan } from '../../src/detect/literal-scan.js';

const ET = join('..', 'shared', 'corpus', 'rules', 'et-open');
const CAPTURE = join(
  '..',
  'shared',
  'corpus',
  'attacks',
  'chrissanders-packets',
  'http_dvwa_sqlinjection.pcapng',
);

/** The content literals of some ET rule files, |hex| runs decoded. */
function etLiterals(): Uint8Array[] {
  const out = new Map<string, Uint8Array>();
  for (const f of ['emerging-exploit.rules', 'emerging-web_server.rules', 'emerging-policy.rules']) {
    for (const m of readFileSync(join(ET, f), 'latin1').matchAll(/content:"([^"]*)"/g)) {
      const bytes: number[] = [];
      const parts = m[1].split('|');
      parts.forEach((p, i) => {
        if (i % 2 === 1) for (const h of p.trim().split(/\s+/)) bytes.push(parseInt(h, 16));
        else for (const c of p.replace(/\\(.)/g, '$1')) bytes.push(c.charCodeAt(0) & 0xff);
      });
      if (bytes.length > 0 && bytes.every((b) => b >= 0 && b <= 255)) {
        const u = Uint8Array.from(bytes);
        out.set(Buffer.from(u).toString('hex'), u);
      }
    }
  }
  return [...out.values()];
}

function reports(sc: LiteralScanner, text: Uint8Array, off: number, len: number, native: boolean): number[] {
  setNativeScan(native);
  try {
    const got: number[] = [];
    sc.scan(text, off, len, (id) => void got.push(id), true);
    return got;
  } finally {
    setNativeScan(true);
  }
}

test('the native scan reports what the TypeScript scan reports, in the same order, on real bytes', (t) => {
  if (!existsSync(ET) || !existsSync(CAPTURE)) return t.skip('needs ../shared/corpus');
  const pats = etLiterals();
  assert.ok(pats.length > 1000, `ET literals: ${pats.length}`);
  // Both native loops: the one-branch test of many 2-byte prefixes, and the two-step one of few.
  const wide = new LiteralScanner(pats);
  const narrow = new LiteralScanner(pats.slice(0, 60));
  if (!wide.isNative) return t.skip('dist/native/literal-scan.node is not built (npm run build needs cc)');
  assert.equal(wide.isWide, true);
  assert.equal(narrow.isWide, false);
  const text = readFileSync(CAPTURE);
  for (const sc of [wide, narrow]) {
    let windows = 0;
    let found = 0;
    // Packet-sized windows at odd offsets, short ones and the tail included.
    for (let off = 0; off < text.length; off += 997) {
      for (const len of [1, 5, NATIVE_MIN_LEN, NATIVE_MIN_LEN + 3, 1500]) {
        const n = Math.min(len, text.length - off);
        const js = reports(sc, text, off, n, false);
        const c = reports(sc, text, off, n, true);
        assert.deepEqual(c, js, `window [${off}, +${n})`);
        windows++;
        found += js.length;
      }
    }
    assert.ok(found > (sc === wide ? 1000 : 50), `literals found: ${found} in ${windows} windows`);
  }
});

test('the native scan finds exactly the literals that occur (random text, brute force)', (t) => {
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed % n;
  };
  const alphabet = [0x61, 0x62, 0x41, 0x42, 0x00, 0xff];
  const patterns = Array.from({ length: 400 }, () =>
    Uint8Array.from({ length: 1 + rnd(6) }, () => alphabet[rnd(alphabet.length)]),
  );
  const sc = new LiteralScanner(patterns);
  if (!sc.isNative) return t.skip('dist/native/literal-scan.node is not built (npm run build needs cc)');
  const text = Buffer.from(Array.from({ length: 4000 }, () => alphabet[rnd(alphabet.length)]));
  const low = Buffer.from(text.map((b) => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b)));
  for (const [from, len] of [
    [0, text.length],
    [4000 - NATIVE_MIN_LEN, NATIVE_MIN_LEN],
    [11, NATIVE_MIN_LEN + 1],
    [50, 1],
    [60, 2],
  ]) {
    const got = reports(sc, text, from, len, true);
    assert.equal(new Set(got).size, got.length, 'each literal once');
    const part = low.subarray(from, from + len);
    patterns.forEach((p, id) => {
      const q = Buffer.from(p.map((b) => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b)));
      assert.equal(got.includes(id), part.includes(q), `pattern ${q.toString('hex')} in [${from}, +${len})`);
    });
  }
  // The native side checks the range it is given.
  assert.throws(() => sc.scan(text, text.length - 2, NATIVE_MIN_LEN, () => undefined, true), RangeError);
});

test('runs of one byte value: both scans find what brute force finds (the run skip)', () => {
  let seed = 11;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed % n;
  };
  // Literals of runs (|00| × 1 … 40, 'a' × k), runs followed or preceded by another byte, and mixed ones.
  const patterns: Uint8Array[] = [];
  for (const b of [0x00, 0x61, 0x41, 0xff])
    for (let k = 1; k <= 40; k += 1 + rnd(4)) {
      patterns.push(new Uint8Array(k).fill(b));
      patterns.push(Uint8Array.from([...new Array<number>(k).fill(b), 0x01 + rnd(3)]));
      patterns.push(Uint8Array.from([0x02 + rnd(2), ...new Array<number>(k).fill(b)]));
    }
  for (let i = 0; i < 100; i++)
    patterns.push(Uint8Array.from({ length: 2 + rnd(6) }, () => [0, 1, 2, 0x61][rnd(4)]));
  const sc = new LiteralScanner(patterns);
  // Text: runs of random length (up to 60) of a few byte values, with single other bytes between.
  const parts: number[] = [];
  while (parts.length < 6000) {
    const b = [0x00, 0x61, 0x41, 0xff, 0x01][rnd(5)];
    for (let k = 1 + rnd(60); k > 0; k--) parts.push(rnd(10) === 0 && b === 0x61 ? 0x41 : b);
    parts.push([0x01, 0x02, 0x03][rnd(3)]);
  }
  const text = Buffer.from(parts);
  const low = Buffer.from(text.map((b) => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b)));
  const modes = sc.isNative ? [false, true] : [false];
  for (let from = 0; from < text.length - 700; from += 331) {
    const len = 40 + rnd(660);
    const part = low.subarray(from, from + len);
    const want = patterns.flatMap((p, id) =>
      part.includes(Buffer.from(p.map((b) => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b)))) ? [id] : [],
    );
    const got = modes.map((m) => reports(sc, text, from, len, m));
    for (const g of got) {
      assert.equal(new Set(g).size, g.length, 'each literal once');
      assert.deepEqual(
        [...g].sort((a, b) => a - b),
        want,
        `window [${from}, +${len})`,
      );
    }
    if (got.length === 2) assert.deepEqual(got[1], got[0], `same order, window [${from}, +${len})`);
  }
});

test('the wide scan (two positions per test) finds exactly what brute force finds, in the TypeScript order', (t) => {
  let seed = 23;
  // The high bits: an LCG's low bits repeat with a short period (too few distinct 2-byte prefixes).
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return (seed >>> 8) % n;
  };
  // 24 byte values (both cases of some letters, binary ones): enough 2-byte prefixes for the wide scan.
  const alphabet = [...'abcdefghijklmnop', 'A', 'B', 'C', 'D'].map((c) => c.charCodeAt(0));
  alphabet.push(0x00, 0x01, 0xfe, 0xff);
  // Every length from 1 to 9: the pair test handles 2-4 and 5+ bytes apart, and runs of one byte (the run skip).
  const patterns = Array.from({ length: 900 }, () =>
    Uint8Array.from({ length: 1 + rnd(9) }, () => alphabet[rnd(alphabet.length)]),
  );
  for (let k = 2; k <= 12; k += 2) patterns.push(new Uint8Array(k).fill(0x61));
  const sc = new LiteralScanner(patterns);
  if (!sc.isNative) return t.skip('dist/native/literal-scan.node is not built (npm run build needs cc)');
  assert.equal(sc.isWide, true);
  const parts: number[] = [];
  while (parts.length < 20000) {
    if (rnd(20) === 0) for (let k = rnd(16); k > 0; k--) parts.push(0x61);
    else parts.push(alphabet[rnd(alphabet.length)]);
  }
  const text = Buffer.from(parts);
  const low = Buffer.from(text.map((b) => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b)));
  const folded = patterns.map((p) => Buffer.from(p.map((b) => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b))));
  let checked = 0;
  for (let from = 0; from < text.length - 400; from += 97) {
    // Every length class: the tail positions the pair test leaves to the per-position loop included.
    const len = [NATIVE_MIN_LEN, NATIVE_MIN_LEN + 1, NATIVE_MIN_LEN + 2, 61, 200, 399][from % 6];
    const part = low.subarray(from, from + len);
    const want = folded.flatMap((q, id) => (part.includes(q) ? [id] : []));
    const c = reports(sc, text, from, len, true);
    assert.deepEqual(
      [...c].sort((a, b) => a - b),
      want,
      `window [${from}, +${len})`,
    );
    assert.deepEqual(c, reports(sc, text, from, len, false), `same order, window [${from}, +${len})`);
    checked += want.length;
  }
  assert.ok(checked > 5000, `literals found: ${checked}`);
});
