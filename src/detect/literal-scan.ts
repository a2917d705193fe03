/**
 * Multi-literal prefilter: one pass over a buffer finds which of many literals occur, ASCII case folded.
 *
 * Each text position is first tested against small bitmaps that do not depend on the previous position: the
 * folded 2-byte prefix (8 KB), then a hash of the folded 4-byte prefix (a few KB to 64 KB). Only positions passing
 * both (0.1–5% on real payloads) walk a trie of the literals from there. Literals of 2–3 bytes are told apart by a
 * third bitmap so the 4-byte test does not drop them. It replaced an Aho–Corasick automaton whose dense rows took
 * megabytes per port group (its walk is a chain of dependent loads into them): measured on ET Open's groups over
 * base.pcap's payloads, with the caches evicted between buffers as the pipeline does, this costs ~25% less CPU per
 * byte, builds ~40% faster and holds a fraction of the memory; with warm caches both run at ~5 ns per byte.
 *
 * In distinct mode (each literal at most once per scan: what the rule prefilter asks for) two things keep binary
 * payloads cheap. Literals of one byte (ET's |00|, |01|) are looked for after the pass, one search per literal,
 * rather than tested at every position. And inside a run of one byte value (a client hello's zero padding), a
 * position whose predecessor starts the same run walks only what its own run length adds: the walk from the
 * previous position already reported every literal made of that byte alone, so only the continuation after the
 * run is new. ET's 1,000-byte |00| literal made every position of a zero run walk hundreds of states.
 */

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

type Native = {
  scanDistinct(
    tables: Int32Array,
    text: Uint8Array,
    off: number,
    len: number,
    gen: number,
    out: Int32Array,
  ): number;
};
let native: Native | null | undefined;

/**
 * The same scan in C (native/literal-scan.c, built into dist/native/ by `npm run build`), over the same tables:
 * ~4× less CPU per byte. Without a C compiler at build time the TypeScript loop below runs instead.
 */
function loadNative(): Native | null {
  if (native !== undefined) return native;
  native = null;
  if (process.env.MOAT_NATIVE_SCAN === '0') return native;
  const req = createRequire(import.meta.url);
  // dist/src/detect/ (tests, the plain tree) and dist/bundle/ (the bundled CLI) both reach dist/native/.
  for (const rel of ['../../native/literal-scan.node', '../native/literal-scan.node']) {
    const path = new URL(rel, import.meta.url);
    if (!existsSync(path)) continue;
    try {
      native = req(path.pathname) as Native;
      break;
    } catch {
      // A stale or foreign build: the TypeScript loop does the same work.
    }
  }
  return native;
}

/** Header words of the packed tables (native/literal-scan.c reads the same layout). */
const H = {
  states: 0,
  shift4: 1,
  oneCount: 2,
  rows: 3,
  rowOf: 4,
  childStart: 5,
  childByte: 6,
  childState: 7,
  outStart: 8,
  outIds: 9,
  one: 10,
  oneList: 11,
  pre2: 12,
  short2: 13,
  pre4: 14,
  reported: 15,
  chainStart: 16,
  chain: 17,
  wide: 18,
  pairQ: 19,
  pair2: 20,
  shiftQ: 21,
  words: 22,
} as const;

type TableName = Exclude<keyof typeof H, 'states' | 'shift4' | 'oneCount' | 'wide' | 'shiftQ' | 'words'>;

/** Folds ASCII upper case to lower case, every other byte to itself. */
const FOLD = new Uint8Array(256).map((_, b) => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b));

const bitSet = (bits: Uint32Array, k: number): void => {
  bits[k >>> 5] |= 1 << (k & 31);
};

let nativeOn = true;

/** Texts shorter than this are scanned in TypeScript even when the native scan is there. */
export const NATIVE_MIN_LEN = 48;

/** Turns the native scan off or on for scanners of this process (tests run both paths on the same input). */
export function setNativeScan(on: boolean): void {
  nativeOn = on;
}

/** The trie of the folded literals, children in byte order, in flat arrays. */
interface Trie {
  states: number;
  byteOf: Uint8Array;
  depth: Uint16Array;
  firstChild: Int32Array;
  sibling: Int32Array;
  /** Literals ending at each state: a list through ownNext. */
  ownHead: Int32Array;
  ownNext: Int32Array;
}

function buildTrie(folded: readonly Uint8Array[]): Trie {
  // Sorted literals build the trie depth-first with every state's children in byte order.
  const order: number[] = [];
  let cap = 1;
  for (let i = 0; i < folded.length; i++) {
    cap += folded[i].length;
    if (folded[i].length > 0) order.push(i);
  }
  order.sort((a, b) => Buffer.compare(folded[a], folded[b]) || a - b);
  const byteOf = new Uint8Array(cap);
  const depth = new Uint16Array(cap);
  const firstChild = new Int32Array(cap).fill(-1);
  const lastChild = new Int32Array(cap).fill(-1);
  const sibling = new Int32Array(cap).fill(-1);
  const ownHead = new Int32Array(cap).fill(-1);
  const ownNext = new Int32Array(folded.length).fill(-1);
  const path: number[] = [0];
  let prev: Uint8Array = new Uint8Array(0);
  let n = 1;
  for (const id of order) {
    const p = folded[id];
    let lcp = 0;
    while (lcp < p.length && lcp < prev.length && p[lcp] === prev[lcp]) lcp++;
    path.length = lcp + 1;
    for (let d = lcp; d < p.length; d++) {
      const parent = path[d];
      const c = n++;
      byteOf[c] = p[d];
      depth[c] = d + 1;
      if (lastChild[parent] < 0) firstChild[parent] = c;
      else sibling[lastChild[parent]] = c;
      lastChild[parent] = c;
      path.push(c);
    }
    const end = path[p.length];
    ownNext[id] = ownHead[end];
    ownHead[end] = id;
    prev = p;
  }
  return { states: n, byteOf, depth, firstChild, sibling, ownHead, ownNext };
}

/** The walk's tables: rows for the root and depth-1 states, sorted child lists below, literals per state. */
interface WalkTables {
  rows: Int32Array;
  rowOf: Int32Array;
  childStart: Int32Array;
  childByte: Uint8Array;
  childState: Int32Array;
  outStart: Int32Array;
  outIds: Int32Array;
}

function walkTables(t: Trie): WalkTables {
  const n = t.states;
  // Rows for the root and depth-1 states: the first bytes of a walk cost one load each.
  const rowOf = new Int32Array(n).fill(-1);
  let nRows = 0;
  for (let s = 0; s < n; s++) if (t.depth[s] <= 1) rowOf[s] = nRows++;
  const rows = new Int32Array(nRows * 256).fill(-1);
  const childStart = new Int32Array(n + 1);
  const childByte = new Uint8Array(Math.max(n - 1, 0));
  const childState = new Int32Array(Math.max(n - 1, 0));
  let e = 0;
  for (let s = 0; s < n; s++) {
    childStart[s] = e;
    for (let c = t.firstChild[s]; c >= 0; c = t.sibling[c]) {
      // The text is folded before lookup, so only lower-case bytes are ever asked for.
      if (rowOf[s] >= 0) rows[rowOf[s] * 256 + t.byteOf[c]] = c;
      else {
        childByte[e] = t.byteOf[c];
        childState[e++] = c;
      }
    }
  }
  childStart[n] = e;
  const outStart = new Int32Array(n + 1);
  let total = 0;
  for (let s = 0; s < n; s++) {
    outStart[s] = total;
    for (let id = t.ownHead[s]; id >= 0; id = t.ownNext[id]) total++;
  }
  outStart[n] = total;
  const outIds = new Int32Array(total);
  for (let s = 0, k = 0; s < n; s++)
    for (let id = t.ownHead[s]; id >= 0; id = t.ownNext[id]) outIds[k++] = id;
  return { rows, rowOf, childStart, childByte, childState, outStart, outIds };
}

/** The child of state s for byte b (s deeper than 1), -1 if none. */
function childOf(w: WalkTables, s: number, b: number): number {
  if (w.rowOf[s] >= 0) return w.rows[w.rowOf[s] * 256 + b];
  for (let k = w.childStart[s], stop = w.childStart[s + 1]; k < stop; k++)
    if (w.childByte[k] === b) return w.childState[k];
  return -1;
}

/**
 * Per byte value b, the states b, bb, bbb … as far as the trie goes: chain[chainStart[b] + k - 1] is the state of
 * b repeated k times. The run skip jumps straight to the state a run's remaining length reaches.
 */
function chains(w: WalkTables): { chainStart: Int32Array; chain: Int32Array } {
  const chainStart = new Int32Array(257);
  const list: number[] = [];
  for (let b = 0; b < 256; b++) {
    chainStart[b] = list.length;
    for (let s = w.rows[b]; s >= 0; s = childOf(w, s, b)) list.push(s);
  }
  chainStart[256] = list.length;
  return { chainStart, chain: Int32Array.from(list) };
}

interface Filters {
  /** Per folded byte value: the root child state of a 1-byte literal, else 0. */
  one: Int32Array;
  /** The 1-byte literals as (folded byte, state) pairs in byte order. */
  oneList: Int32Array;
  pre2: Uint32Array;
  short2: Uint32Array;
  pre4: Uint32Array;
  shift4: number;
  /** Distinct folded 2-byte prefixes (the bits set in pre2). */
  prefixes: number;
}

/**
 * The native wide scan's pair test (native/literal-scan.c): one look at the text's bytes i … i+4 tells whether any
 * literal of 2+ bytes can start at i or at i+1. `q` holds the hashed folded bytes 0–3 and 1–4 of every literal of
 * 5+ bytes (bytes i+1 … i+4 are one or the other for a literal starting at i or i+1), `two` the 2-byte prefixes
 * of the literals of 2–4 bytes (tested at i and at i+1; exact: hashed into a smaller table, its false passes cost
 * more than the cache lines it saved). A pair that fails both is skipped, two positions for three loads where the
 * per-position test took four; a pair that passes gets the per-position test as before, so the same literals are
 * reported in the same order.
 */
interface PairFilter {
  q: Uint32Array;
  shiftQ: number;
  two: Uint32Array;
}

const NO_PAIR: PairFilter = { q: new Uint32Array(1), shiftQ: 27, two: new Uint32Array(1) };

function pairFilter(folded: readonly Uint8Array[]): PairFilter {
  let long = 0;
  for (const p of folded) if (p.length >= 5) long++;
  // Two 4-byte grams per long literal at about 1 bit in 32.
  let qBits = 4096;
  while (qBits < long * 64 && qBits < 1 << 20) qBits *= 2;
  const f: PairFilter = {
    q: new Uint32Array(qBits >>> 5),
    shiftQ: 32 - Math.log2(qBits),
    two: new Uint32Array(2048),
  };
  for (const p of folded) {
    if (p.length >= 5) {
      for (let s = 0; s < 2; s++) {
        const g = ((p[s] << 24) | (p[s + 1] << 16) | (p[s + 2] << 8) | p[s + 3]) >>> 0;
        bitSet(f.q, hash4(g, f.shiftQ));
      }
    } else if (p.length >= 2) bitSet(f.two, (p[0] << 8) | p[1]);
  }
  return f;
}

/**
 * From this many distinct 2-byte prefixes on, the native scan reads both filters at every position and branches
 * once (see native/literal-scan.c): ET's HTTP body group (~780 prefixes) passed its 2-byte test at ~1 text position
 * in 3 of an HTTP body, and branching on that test cost more than it saved — 4.2 → 1.7 ns per byte on the bench's
 * bodies; a TLS handshake group (~130 prefixes) on binary data passes it rarely and keeps the two-step test.
 */
const WIDE_PREFIXES = 256;

function filters(folded: readonly Uint8Array[], rows: Int32Array): Filters {
  const one = new Int32Array(256);
  const pre2 = new Uint32Array(2048);
  const short2 = new Uint32Array(2048);
  let long = 0;
  for (const p of folded) if (p.length >= 4) long++;
  // About 1 bit in 32 set: few false passes, and the table stays small for small literal sets.
  let bits = 4096;
  while (bits < long * 32 && bits < 1 << 19) bits *= 2;
  const shift4 = 32 - Math.log2(bits);
  const pre4 = new Uint32Array(bits >>> 5);
  let prefixes = 0;
  for (const p of folded) {
    if (p.length === 1) {
      one[p[0]] = rows[p[0]];
      continue;
    }
    if (p.length === 0) continue;
    const k2 = (p[0] << 8) | p[1];
    if ((pre2[k2 >>> 5] & (1 << (k2 & 31))) === 0) prefixes++;
    bitSet(pre2, k2);
    if (p.length < 4) bitSet(short2, k2);
    else bitSet(pre4, hash4(((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0, shift4));
  }
  // The text's upper-case bytes reach `one` only through FOLD, so no upper-case entries are needed.
  const oneList: number[] = [];
  for (let b = 0; b < 256; b++) if (one[b] !== 0) oneList.push(b, one[b]);
  return { one, oneList: Int32Array.from(oneList), pre2, short2, pre4, shift4, prefixes };
}

const hash4 = (x: number, shift4: number): number => Math.imul(x, 0x9e3779b1) >>> shift4;

export class LiteralScanner {
  readonly size: number;
  /** Trie states (the root is 0). */
  readonly states: number;
  /** Children of the root and of depth-1 states as full rows of 256 (-1: none), rows by `rowOf`. */
  private readonly rows: Int32Array;
  /** Row index of each state that has one (root and depth 1), -1 otherwise. */
  private readonly rowOf: Int32Array;
  /** Deeper states: children sorted by byte, childByte/childState[childStart[s] … childStart[s + 1]). */
  private readonly childStart: Int32Array;
  private readonly childByte: Uint8Array;
  private readonly childState: Int32Array;
  /** Literals ending at each state: outIds[outStart[s] … outStart[s + 1]). */
  private readonly outStart: Int32Array;
  private readonly outIds: Int32Array;
  /** Per byte value: the root child state of a 1-byte literal, else 0. */
  private readonly one: Int32Array;
  /** The 1-byte literals as (folded byte, state) pairs, in byte order: distinct mode reports them after the pass. */
  private readonly oneList: Int32Array;
  /** The scan in which each byte value was last seen (distinct mode, only bytes ending a 1-byte literal). */
  private readonly oneSeen: Uint32Array;
  /** Folded 2-byte prefixes of literals of ≥ 2 bytes, and of those of 2–3 bytes. */
  private readonly pre2: Uint32Array;
  private readonly short2: Uint32Array;
  /** Hashed folded 4-byte prefixes of literals of ≥ 4 bytes. */
  private readonly pre4: Uint32Array;
  private readonly shift4: number;
  /** States of runs of one byte value (see chains()). */
  private readonly chainStart: Int32Array;
  private readonly chain: Int32Array;
  /** The scan in which each state last reported (each literal once per scan in `distinct` mode). */
  private readonly reported: Uint32Array;
  private scanGen = 0;
  /** Every table above in one buffer (views into it), for the native scan; its output, one slot per literal. */
  private readonly tables: Int32Array;
  private readonly native: Native | null;
  private readonly found: Int32Array;

  constructor(patterns: ReadonlyArray<Uint8Array>) {
    this.size = patterns.length;
    // A loop, not Uint8Array.from with a map function: its iterator was ~25 MB of garbage as groups were built
    // during analysis (ET Open, big.pcap).
    const folded = patterns.map((p) => {
      const f = new Uint8Array(p.length);
      for (let i = 0; i < p.length; i++) f[i] = FOLD[p[i]];
      return f;
    });
    const trie = buildTrie(folded);
    const n = trie.states;
    this.states = n;
    const w = walkTables(trie);
    const f = filters(folded, w.rows);
    const c = chains(w);
    const wide = f.prefixes >= WIDE_PREFIXES;
    // Only the native wide scan reads the pair filter (the TypeScript loop tests each position).
    const pair = wide ? pairFilter(folded) : NO_PAIR;
    this.shift4 = f.shift4;
    // One buffer for all tables: the native scan gets them in one argument, and they sit together in memory.
    const parts: Array<[TableName, Int32Array | Uint32Array | Uint8Array | number]> = [
      ['rows', w.rows],
      ['rowOf', w.rowOf],
      ['childStart', w.childStart],
      ['childByte', w.childByte],
      ['childState', w.childState],
      ['outStart', w.outStart],
      ['outIds', w.outIds],
      ['one', f.one],
      ['oneList', f.oneList],
      ['pre2', f.pre2],
      ['short2', f.short2],
      ['pre4', f.pre4],
      ['reported', n],
      ['chainStart', c.chainStart],
      ['chain', c.chain],
      ['pairQ', pair.q],
      ['pair2', pair.two],
    ];
    const tables = packTables(parts);
    tables[H.states] = n;
    tables[H.shift4] = f.shift4;
    tables[H.oneCount] = f.oneList.length >>> 1;
    // Many 2-byte prefixes: the native scan tests both filters at every position rather than the 2-byte one first.
    tables[H.wide] = wide ? 1 : 0;
    tables[H.shiftQ] = pair.shiftQ;
    const i32 = (name: TableName, len: number): Int32Array =>
      new Int32Array(tables.buffer, tables[H[name]] * 4, len);
    const u32 = (name: TableName, len: number): Uint32Array =>
      new Uint32Array(tables.buffer, tables[H[name]] * 4, len);
    this.tables = tables;
    this.rows = i32('rows', w.rows.length);
    this.rowOf = i32('rowOf', n);
    this.childStart = i32('childStart', n + 1);
    this.childByte = new Uint8Array(tables.buffer, tables[H.childByte] * 4, w.childByte.length);
    this.childState = i32('childState', w.childState.length);
    this.outStart = i32('outStart', n + 1);
    this.outIds = i32('outIds', w.outIds.length);
    this.one = i32('one', 256);
    this.oneList = i32('oneList', f.oneList.length);
    this.oneSeen = new Uint32Array(256);
    this.pre2 = u32('pre2', 2048);
    this.short2 = u32('short2', 2048);
    this.pre4 = u32('pre4', f.pre4.length);
    this.reported = u32('reported', n);
    this.chainStart = i32('chainStart', 257);
    this.chain = i32('chain', c.chain.length);
    this.native = loadNative();
    this.found = new Int32Array(this.native ? w.outIds.length : 0);
  }

  /** The native scan tests both filters at every position (many 2-byte prefixes; see WIDE_PREFIXES). */
  get isWide(): boolean {
    return this.tables[H.wide] === 1;
  }

  /** Whether scans run in native code (tests compare both paths). */
  get isNative(): boolean {
    return this.native !== null;
  }

  private nextScan(): number {
    if (++this.scanGen === 0xffffffff) {
      this.reported.fill(0);
      this.oneSeen.fill(0);
      this.scanGen = 1;
    }
    return this.scanGen;
  }

  /**
   * Calls `hit(patternId)` for every occurrence of every literal (once per start position); stops early when
   * `hit` returns true. `distinct`: each literal at least once per scan instead, which is all a prefilter needs.
   */
  scan(
    buf: Uint8Array,
    off: number,
    len: number,
    hit: (id: number) => boolean | void,
    distinct = false,
  ): void {
    if (this.size === 0 || len <= 0) return;
    const gen = this.nextScan();
    if (!distinct) {
      this.scanAll(buf, off, len, hit);
      return;
    }
    // Below a few dozen bytes the call into C costs more than the loop it saves.
    if (len >= NATIVE_MIN_LEN && this.native && nativeOn) {
      const found = this.found;
      const n = this.native.scanDistinct(this.tables, buf, off, len, gen, found);
      for (let k = 0; k < n; k++) if (hit(found[k]) === true) return;
      return;
    }
    const end = off + len;
    const pre2 = this.pre2;
    const short2 = this.short2;
    const pre4 = this.pre4;
    const shift4 = this.shift4;
    const one = this.one;
    const seen = this.oneSeen;
    const hasOne = this.oneList.length > 0;
    let i = off;
    // Where the run of equal bytes the scan is in ends (see the class comment), once a position needed it.
    let runEnd = off;
    if (len >= 4) {
      // x holds the folded bytes i … i+3, big-endian, rolled one byte per position.
      let x = (FOLD[buf[off]] << 16) | (FOLD[buf[off + 1]] << 8) | FOLD[buf[off + 2]];
      for (const stop = end - 3; i < stop; i++) {
        x = (x << 8) | FOLD[buf[i + 3]];
        const a = x >>> 24;
        if (hasOne && one[a] !== 0) seen[a] = gen;
        const k2 = x >>> 16;
        const bit = 1 << (k2 & 31);
        if ((pre2[k2 >>> 5] & bit) === 0) continue;
        if ((short2[k2 >>> 5] & bit) === 0) {
          const h = Math.imul(x, 0x9e3779b1) >>> shift4;
          if ((pre4[h >>> 5] & (1 << (h & 31))) === 0) continue;
        }
        if (x === Math.imul(a, 0x01010101) && i > off && FOLD[buf[i - 1]] === a) {
          // Inside a run of a, with ≥ 4 left, the previous position in it too: only the continuation is new.
          if (i >= runEnd) {
            runEnd = i + 4;
            while (runEnd < end && FOLD[buf[runEnd]] === a) runEnd++;
          }
          const r = runEnd - i;
          const c0 = this.chainStart[a];
          if (
            r <= this.chainStart[a + 1] - c0 &&
            this.walkFrom(this.chain[c0 + r - 1], buf, runEnd, end, gen, hit, true)
          )
            return;
          continue;
        }
        if (this.walk(buf, i, end, gen, hit, true)) return;
      }
    }
    for (; i < end; i++) {
      const a = FOLD[buf[i]];
      if (hasOne && one[a] !== 0) seen[a] = gen;
      if (i + 1 < end) {
        const k2 = (a << 8) | FOLD[buf[i + 1]];
        if ((pre2[k2 >>> 5] & (1 << (k2 & 31))) !== 0 && this.walk(buf, i, end, gen, hit, true)) return;
      }
    }
    // 1-byte literals last, in byte order (the native scan searches for each).
    const list = this.oneList;
    for (let k = 0; k < list.length; k += 2)
      if (seen[list[k]] === gen && this.report(list[k + 1], gen, hit, true)) return;
  }

  /** Every occurrence of every literal, in text order. */
  private scanAll(buf: Uint8Array, off: number, len: number, hit: (id: number) => boolean | void): void {
    const end = off + len;
    const pre2 = this.pre2;
    const one = this.one;
    const gen = this.scanGen;
    for (let i = off; i < end; i++) {
      const a = FOLD[buf[i]];
      if (one[a] !== 0 && this.report(one[a], gen, hit, false)) return;
      if (i + 1 < end) {
        const k2 = (a << 8) | FOLD[buf[i + 1]];
        if ((pre2[k2 >>> 5] & (1 << (k2 & 31))) !== 0 && this.walk(buf, i, end, gen, hit, false)) return;
      }
    }
  }

  /** Reports the literals ending at state s; true when `hit` asked to stop. */
  private report(s: number, gen: number, hit: (id: number) => boolean | void, distinct: boolean): boolean {
    if (distinct) {
      if (this.reported[s] === gen) return false;
      this.reported[s] = gen;
    }
    const outIds = this.outIds;
    for (let j = this.outStart[s], o1 = this.outStart[s + 1]; j < o1; j++)
      if (hit(outIds[j]) === true) return true;
    return false;
  }

  /** Follows the trie from the root at position i, reporting every literal of 2+ bytes that starts there. */
  private walk(
    buf: Uint8Array,
    i: number,
    end: number,
    gen: number,
    hit: (id: number) => boolean | void,
    distinct: boolean,
  ): boolean {
    const rows = this.rows;
    // Root and depth 1 from their rows (the depth-1 state's own literals are 1-byte literals, reported apart).
    let s = rows[FOLD[buf[i]]];
    if (s < 0) return false;
    s = rows[this.rowOf[s] * 256 + FOLD[buf[i + 1]]];
    if (s < 0) return false;
    return this.walkFrom(s, buf, i + 2, end, gen, hit, distinct);
  }

  /** Reports state s's literals and follows the trie from it with the text from position j. */
  private walkFrom(
    s: number,
    buf: Uint8Array,
    j: number,
    end: number,
    gen: number,
    hit: (id: number) => boolean | void,
    distinct: boolean,
  ): boolean {
    const outStart = this.outStart;
    const cStart = this.childStart;
    const cByte = this.childByte;
    const cState = this.childState;
    for (; ; j++) {
      if (outStart[s] !== outStart[s + 1] && this.report(s, gen, hit, distinct)) return true;
      if (j >= end) return false;
      const b = FOLD[buf[j]];
      let next = -1;
      for (let k = cStart[s], stop = cStart[s + 1]; k < stop; k++) {
        const v = cByte[k];
        if (v === b) {
          next = cState[k];
          break;
        }
        if (v > b) break;
      }
      if (next < 0) return false;
      s = next;
    }
  }
}

/** Packs the tables into one Int32Array after the header, each table's start (in words) in its header slot. */
function packTables(
  parts: ReadonlyArray<[TableName, Int32Array | Uint32Array | Uint8Array | number]>,
): Int32Array {
  const wordsOf = (a: Int32Array | Uint32Array | Uint8Array | number): number =>
    typeof a === 'number' ? a : a instanceof Uint8Array ? (a.length + 3) >>> 2 : a.length;
  let words: number = H.words;
  for (const [, a] of parts) words += wordsOf(a);
  const tables = new Int32Array(words);
  let w: number = H.words;
  for (const [name, a] of parts) {
    tables[H[name]] = w;
    if (a instanceof Uint8Array) new Uint8Array(tables.buffer, w * 4, a.length).set(a);
    else if (typeof a !== 'number') tables.set(a, w);
    w += wordsOf(a);
  }
  return tables;
}
