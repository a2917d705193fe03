/**
 * Evaluates one buffer's matches in rule order with Suricata's semantics: absolute offset/depth, relative
 * distance/within from the previous match's end, startswith/endswith, negation, pcre (relative with /R),
 * isdataat, byte_test, byte_jump. When a later relative match fails, earlier contents are retried at their next
 * occurrence (bounded backtracking, as Suricata does), so "a" then "b within 3" finds the right "a".
 */
import type { BufferMatch, ByteJumpMatch, ByteTestMatch, ContentMatch, PcreMatch } from './rule.js';

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

function readNumber(
  buf: Uint8Array,
  len: number,
  at: number,
  n: number,
  bigEndian: boolean,
  str?: 'hex' | 'dec' | 'oct',
): number | undefined {
  if (at < 0 || at + n > len) return undefined;
  if (str) {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(buf[at + i]);
    const v = parseInt(s.trim(), str === 'hex' ? 16 : str === 'oct' ? 8 : 10);
    return Number.isFinite(v) ? v : undefined;
  }
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + buf[bigEndian ? at + i : at + n - 1 - i];
  return v;
}

function byteTest(buf: Uint8Array, base: number, len: number, m: ByteTestMatch, prevEnd: number): boolean {
  const at = (m.relative ? prevEnd : base) + m.offset;
  if (at < base) return false;
  let v = readNumber(buf, len, at, m.bytes, m.bigEndian, m.string);
  if (v === undefined) return false;
  if (m.bitmask !== undefined) {
    v = Number(BigInt(v) & BigInt(m.bitmask));
    let shift = m.bitmask;
    while (shift > 0 && (shift & 1) === 0) {
      v = Math.floor(v / 2);
      shift = Math.floor(shift / 2);
    }
  }
  let r: boolean;
  switch (m.op) {
    case '<':
      r = v < m.value;
      break;
    case '>':
      r = v > m.value;
      break;
    case '=':
      r = v === m.value;
      break;
    case '!':
      r = v !== m.value;
      break;
    case '&':
      r = Number(BigInt(v) & BigInt(m.value)) !== 0;
      break;
    case '^':
      r = Number(BigInt(v) ^ BigInt(m.value)) !== 0;
      break;
    case '<=':
      r = v <= m.value;
      break;
    case '>=':
      r = v >= m.value;
      break;
  }
  return m.negated ? !r : r;
}

function byteJump(buf: Uint8Array, base: number, len: number, m: ByteJumpMatch, prevEnd: number): number {
  const at = (m.relative ? prevEnd : base) + m.offset;
  if (at < base) return -1;
  const v = readNumber(buf, len, at, m.bytes, m.bigEndian, m.string);
  if (v === undefined) return -1;
  let pos = (m.fromBeginning ? 0 : at - base + m.bytes) + v * m.multiplier;
  if (m.align) pos = (pos + 3) & ~3;
  pos += m.postOffset;
  return pos >= 0 && base + pos <= len ? base + pos : -1;
}

function pcreMatch(buf: Uint8Array, base: number, len: number, m: PcreMatch, prevEnd: number): number {
  const start = m.relative ? prevEnd : base;
  const end = Math.min(len, start + PCRE_WINDOW);
  if (start > end) return -1;
  const text = Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
  m.regex.lastIndex = 0;
  const r = m.regex.exec(text);
  if (!r) return -1;
  return start + r.index + r[0].length;
}

/**
 * Per-evaluation state: the buffer's start in `buf` and the backtracking steps taken. Module-level because an
 * evaluation is synchronous and not re-entered, and the hot path should allocate nothing.
 */
let base = 0;
let steps = 0;

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
      let from = relative ? prevEnd + (m.distance ?? 0) : base + (m.offset ?? 0);
      if (from < base) from = base;
      let to = len;
      if (relative && m.within !== undefined) to = Math.min(len, prevEnd + (m.distance ?? 0) + m.within);
      if (!relative && m.depth !== undefined) to = Math.min(len, base + (m.offset ?? 0) + m.depth);
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
      const has = m.relative ? prevEnd + m.offset <= len : base + m.offset < len;
      return (m.negated ? !has : has) && step(ms, i + 1, buf, len, prevEnd);
    }
    case 'byte_test':
      return byteTest(buf, base, len, m, prevEnd) && step(ms, i + 1, buf, len, prevEnd);
    case 'byte_jump': {
      const pos = byteJump(buf, base, len, m, prevEnd);
      return pos >= 0 && step(ms, i + 1, buf, len, pos);
    }
  }
}
