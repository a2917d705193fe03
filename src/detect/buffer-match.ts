/**
 * Evaluates one buffer's matches in rule order with Suricata's semantics: absolute offset/depth, relative
 * distance/within from the previous match's end, startswith/endswith, negation, pcre (relative with /R),
 * isdataat, byte_test, byte_jump. When a later relative match fails, earlier contents are retried at their next
 * occurrence (bounded backtracking, as Suricata does), so "a" then "b within 3" finds the right "a".
 */
import type {
  BufferMatch,
  ByteExtractMatch,
  ByteJumpMatch,
  ByteMathMatch,
  ByteTestMatch,
  ContentMatch,
  NumberRead,
  PcreMatch,
} from './rule.js';
import { MAX_BYTE_VARS } from './rule.js';
import { testNumber } from './keywords/header.js';

/** Backtracking budget per buffer evaluation: hostile payloads can't make one rule quadratic. */
const MAX_STEPS = 4096;
/** pcre sees at most this much of a buffer. */
const PCRE_WINDOW = 64 * 1024;

function lower(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
}

/** First occurrence of `m` in buf[from, to) honouring nocase; -1 when none. Hot: two loops, no per-byte branching on nocase. */
function find(buf: Uint8Array, m: ContentMatch, from: number, to: number): number {
  const p = m.bytes;
  const n = p.length;
  const last = to - n;
  if (n === 0) return from <= to ? from : -1;
  if (!m.nocase) {
    const p0 = p[0];
    outer: for (let i = from; i <= last; i++) {
      if (buf[i] !== p0) continue;
      for (let j = 1; j < n; j++) if (buf[i + j] !== p[j]) continue outer;
      return i;
    }
    return -1;
  }
  const p0 = lower(p[0]);
  const u0 = p0 >= 0x61 && p0 <= 0x7a ? p0 - 0x20 : p0;
  outer: for (let i = from; i <= last; i++) {
    const b = buf[i];
    if (b !== p0 && b !== u0) continue;
    for (let j = 1; j < n; j++) if (lower(buf[i + j]) !== lower(p[j])) continue outer;
    return i;
  }
  return -1;
}

/** 2^64 - 1 as a double: text numbers above it overflow Suricata's strtoull and do not match. */
const MAX_U64 = 2 ** 64 - 1;

/** Bytes the last readNumber consumed (a 0-byte string read takes as many digits as there are). */
let readLen = 0;

function digitValue(c: number, radix: number): number {
  const d =
    c >= 0x30 && c <= 0x39
      ? c - 0x30
      : c >= 0x61 && c <= 0x66
        ? c - 87
        : c >= 0x41 && c <= 0x46
          ? c - 55
          : 99;
  return d < radix ? d : -1;
}

/**
 * A number at buf[at…]: `n` bytes big- or little-endian, or `n` characters of text in a base. As Suricata converts
 * text (strtoull): leading blanks and a "0x" prefix (hex) are skipped and the digits end at the first other
 * character; no digit at all is no number. `n` = 0 reads nothing for binary (the value 0) and, for text, every
 * digit there is (Suricata's "byte_test:0,…,string").
 */
function readNumber(
  buf: Uint8Array,
  len: number,
  at: number,
  n: number,
  bigEndian: boolean,
  str?: 'hex' | 'dec' | 'oct',
): number | undefined {
  if (at < 0 || at + n > len) return undefined;
  readLen = n;
  if (str) {
    const radix = str === 'hex' ? 16 : str === 'oct' ? 8 : 10;
    const end = n === 0 ? len : at + n;
    let i = at;
    while (i < end && (buf[i] === 0x20 || (buf[i] >= 0x09 && buf[i] <= 0x0d))) i++;
    if (i < end && buf[i] === 0x2b) i++;
    if (radix === 16 && i + 1 < end && buf[i] === 0x30 && (buf[i + 1] | 0x20) === 0x78) i += 2;
    const first = i;
    let v = 0;
    for (; i < end; i++) {
      const d = digitValue(buf[i], radix);
      if (d < 0) break;
      v = v * radix + d;
    }
    if (i === first || v > MAX_U64) return undefined;
    if (n === 0) readLen = i - at;
    return v;
  }
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + buf[bigEndian ? at + i : at + n - 1 - i];
  return v;
}

/** Position just after the last number read (set by readField). */
let readEnd = 0;

/** The value of `m`'s field, or of the byte_extract variable standing for it. */
function val(n: number, slot: number | undefined): number {
  return slot === undefined ? n : vars[slot];
}

/** Reads the number a byte_test/byte_jump/byte_extract names, bitmask applied; undefined when out of the buffer. */
function readField(buf: Uint8Array, len: number, m: NumberRead, prevEnd: number): number | undefined {
  const at = (m.relative ? prevEnd : base) + val(m.offset, m.offsetVar);
  if (at < base) return undefined;
  const bytes = val(m.bytes, m.bytesVar);
  if (m.bytesVar !== undefined && (bytes < 0 || bytes > (m.string ? 23 : 8))) return undefined;
  let v = readNumber(buf, len, at, bytes, m.bigEndian, m.string);
  if (v === undefined) return undefined;
  readEnd = at + readLen;
  if (m.bitmask !== undefined) {
    v = Number(BigInt(v) & BigInt(m.bitmask));
    let shift = m.bitmask;
    while (shift > 0 && shift % 2 === 0) {
      v = Math.floor(v / 2);
      shift = Math.floor(shift / 2);
    }
  }
  return v;
}

function byteTest(buf: Uint8Array, len: number, m: ByteTestMatch, prevEnd: number): boolean {
  const v = readField(buf, len, m, prevEnd);
  if (v === undefined) return false;
  const want = val(m.value, m.valueVar);
  let r: boolean;
  switch (m.op) {
    case '<':
      r = v < want;
      break;
    case '>':
      r = v > want;
      break;
    case '=':
      r = v === want;
      break;
    case '!':
      r = v !== want;
      break;
    case '&':
      r = (BigInt(v) & BigInt(want)) !== 0n;
      break;
    case '^':
      r = (BigInt(v) ^ BigInt(want)) !== 0n;
      break;
    case '<=':
      r = v <= want;
      break;
    case '>=':
      r = v >= want;
      break;
  }
  return m.negated ? !r : r;
}

/**
 * byte_jump: the new position, or -1. The value (times the multiplier, rounded up to a multiple of 4 with `align`,
 * plus post_offset) is added to the end of the bytes read, or to the buffer's start (from_beginning) or end
 * (from_end). Landing outside the buffer fails.
 */
function byteJump(buf: Uint8Array, len: number, m: ByteJumpMatch, prevEnd: number): number {
  const v = readField(buf, len, m, prevEnd);
  if (v === undefined) return -1;
  let jump = v * m.multiplier;
  if (m.align && jump % 4 !== 0) jump += 4 - (jump % 4);
  jump += m.postOffset;
  const pos = (m.fromBeginning ? base : m.fromEnd ? len : readEnd) + jump;
  return pos >= base && pos <= len ? pos : -1;
}

/** byte_extract: stores the value in its variable; the new position (after the bytes read), or -1. */
function byteExtract(buf: Uint8Array, len: number, m: ByteExtractMatch, prevEnd: number): number {
  const v = readField(buf, len, m, prevEnd);
  if (v === undefined) return -1;
  let x = v * m.multiplier;
  if (m.align > 0 && x % m.align !== 0) x += m.align - (x % m.align);
  vars[m.slot] = x;
  return readEnd;
}

const TWO_64 = 2 ** 64;

/**
 * byte_math: the value read, combined with the rvalue as unsigned 64-bit arithmetic (Number: exact below 2^53), then
 * masked; stored in its variable. The new position (after the bytes read), or -1 (out of the buffer, division by 0).
 */
function byteMath(buf: Uint8Array, len: number, m: ByteMathMatch, prevEnd: number): number {
  const v = readField(buf, len, m, prevEnd);
  if (v === undefined) return -1;
  const r = val(m.rvalue, m.rvalueVar);
  let x: number;
  switch (m.oper) {
    case '+':
      x = (v + r) % TWO_64;
      break;
    case '-':
      x = v >= r ? v - r : v - r + TWO_64;
      break;
    case '*':
      x = (v * r) % TWO_64;
      break;
    case '/':
      if (r === 0) return -1;
      x = Math.floor(v / r);
      break;
    case '<<':
      x = r >= 64 ? 0 : (v * 2 ** r) % TWO_64;
      break;
    case '>>':
      x = r >= 64 ? 0 : Math.floor(v / 2 ** r);
      break;
  }
  if (m.mask !== undefined) {
    x = ((x % 2 ** 32) & m.mask) >>> 0;
    if (x !== 0) for (let k = m.mask; (k & 1) === 0; k >>>= 1) x >>>= 1;
  }
  vars[m.slot] = x;
  return readEnd;
}

function pcreMatch(buf: Uint8Array, base: number, len: number, m: PcreMatch, prevEnd: number): number {
  const start = m.relative ? prevEnd : base;
  const end = Math.min(len, start + PCRE_WINDOW);
  if (start > end) return -1;
  return m.regex.exec(buf, start, end);
}

/** base64 alphabet value of a byte, -1 for a byte outside it. */
const B64 = new Int8Array(256).fill(-1);
for (let i = 0; i < 64; i++)
  B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

/** RFC 4648 decoding of buf[from, to): stops at the first byte outside the alphabet ('=' included). */
function base64Decode(buf: Uint8Array, from: number, to: number): Uint8Array {
  let n = from;
  while (n < to && B64[buf[n]] >= 0) n++;
  const chars = n - from;
  const out = new Uint8Array(Math.floor((chars * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = from; i < n; i++) {
    acc = ((acc << 6) | B64[buf[i]]) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return o === out.length ? out : out.subarray(0, o);
}

/**
 * Per-evaluation state: the buffer's start in `buf` and the backtracking steps taken. Module-level because an
 * evaluation is synchronous and not re-entered, and the hot path should allocate nothing.
 */
let base = 0;
let steps = 0;
/** byte_extract variables of the rule being evaluated (set before use: the parser checks the order). */
const vars = new Float64Array(MAX_BYTE_VARS);

/**
 * true when every match of the list holds on the buffer buf[off, off + len). Positions inside are absolute
 * indexes into `buf`, so a packet's payload is matched in place, without a copy or a view per candidate rule.
 */
export function matchBuffer(
  matches: readonly BufferMatch[],
  buf: Uint8Array,
  len = buf.length,
  off = 0,
): boolean {
  base = off;
  steps = 0;
  return step(matches, 0, buf, off + len, off);
}

function step(ms: readonly BufferMatch[], i: number, buf: Uint8Array, len: number, prevEnd: number): boolean {
  if (i === ms.length) return true;
  if (++steps > MAX_STEPS) return false;
  const m = ms[i];
  switch (m.kind) {
    case 'content': {
      const relative = m.distance !== undefined || m.within !== undefined;
      let distance = m.distance ?? 0;
      let offset = m.offset ?? 0;
      let within = m.within;
      let depth = m.depth;
      const vs = m.vars;
      if (vs !== undefined) {
        if (vs.distance !== undefined) distance = vars[vs.distance];
        if (vs.offset !== undefined) offset = vars[vs.offset];
        if (vs.within !== undefined) within = vars[vs.within];
        if (vs.depth !== undefined) depth = vars[vs.depth];
      }
      let from = relative ? prevEnd + distance : base + offset;
      if (from < base) from = base;
      let to = len;
      if (relative && within !== undefined) to = Math.min(len, prevEnd + distance + within);
      if (!relative && depth !== undefined) to = Math.min(len, base + offset + depth);
      if (m.negated) {
        const at = find(buf, m, from, to);
        const ok = at < 0 || (m.endsWith && at + m.bytes.length !== len);
        return ok && step(ms, i + 1, buf, len, prevEnd);
      }
      for (let at = find(buf, m, from, to); at >= 0; at = find(buf, m, at + 1, to)) {
        const end = at + m.bytes.length;
        if (m.endsWith && end !== len) continue;
        if (step(ms, i + 1, buf, len, end)) return true;
        if (steps > MAX_STEPS) return false;
      }
      return false;
    }
    case 'pcre': {
      const end = pcreMatch(buf, base, len, m, prevEnd);
      if (m.negated) return end < 0 && step(ms, i + 1, buf, len, prevEnd);
      return end >= 0 && step(ms, i + 1, buf, len, end);
    }
    case 'isdataat': {
      // As Suricata counts: relative means "N more bytes after the match", absolute "a byte at offset N".
      const off = m.offsetVar === undefined ? m.offset : vars[m.offsetVar];
      const has = m.relative ? prevEnd + off <= len : base + off < len;
      return (m.negated ? !has : has) && step(ms, i + 1, buf, len, prevEnd);
    }
    case 'base64_decode': {
      const at = (m.relative ? prevEnd : base) + m.offset;
      if (at > len) return false;
      const decoded = base64Decode(buf, at, m.bytes === undefined ? len : Math.min(len, at + m.bytes));
      if (decoded.length === 0) return false;
      // The decoded data is its own buffer: evaluate the base64_data matches on it, then go on here.
      const outer = base;
      base = 0;
      const ok = step(m.data, 0, decoded, decoded.length, 0);
      base = outer;
      return ok && step(ms, i + 1, buf, len, prevEnd);
    }
    case 'bsize':
      return testNumber(m.test, len - base) && step(ms, i + 1, buf, len, prevEnd);
    case 'byte_test':
      return byteTest(buf, len, m, prevEnd) && step(ms, i + 1, buf, len, prevEnd);
    case 'byte_jump': {
      const pos = byteJump(buf, len, m, prevEnd);
      return pos >= 0 && step(ms, i + 1, buf, len, pos);
    }
    case 'byte_extract': {
      const pos = byteExtract(buf, len, m, prevEnd);
      return pos >= 0 && step(ms, i + 1, buf, len, pos);
    }
    case 'byte_math': {
      const pos = byteMath(buf, len, m, prevEnd);
      return pos >= 0 && step(ms, i + 1, buf, len, pos);
    }
  }
}
