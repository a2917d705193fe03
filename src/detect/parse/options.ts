/**
 * Splits a rule's option block into `name[:value]` pairs. As Suricata's own parser does, an option ends at the next
 * semicolon not preceded by a backslash; quotes do not protect a semicolon (so `pcre:"/^["']?x/"` is one option).
 */
import { RuleError } from '../rule.js';

export interface RawOption {
  name: string;
  value?: string;
}

export function splitOptions(body: string): RawOption[] {
  const out: RawOption[] = [];
  let from = 0;
  for (let i = body.indexOf(';'); i >= 0; i = body.indexOf(';', i + 1)) {
    if (i > 0 && body.charCodeAt(i - 1) === 0x5c) continue;
    push(body.slice(from, i));
    from = i + 1;
  }
  const rest = body.slice(from).trim();
  if (rest !== '') throw new RuleError(`option '${rest}' is not terminated by ';'`);
  return out;

  function push(text: string): void {
    const t = text.trim();
    if (t === '') return;
    const colon = t.indexOf(':');
    if (colon < 0) out.push({ name: t.toLowerCase(), value: undefined });
    else out.push({ name: t.slice(0, colon).trim().toLowerCase(), value: t.slice(colon + 1).trim() });
  }
}

/** Removes surrounding double quotes when present. */
export function unquote(v: string): string {
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}

/** Decodes a content string: escapes (\" \; \\ \:) and |hex| byte sections. */
export function decodeContent(raw: string): Uint8Array {
  // Most contents are plain ASCII text: no |hex|, escapes or characters to refuse.
  if (PLAIN_CONTENT.test(raw)) return Buffer.from(raw, 'latin1');
  const out: number[] = [];
  let i = 0;
  while (i < raw.length) {
    const c = raw[i];
    if (c === '|') {
      const end = raw.indexOf('|', i + 1);
      if (end < 0) throw new RuleError(`unterminated |hex| section in content "${raw}"`);
      if (!hexBytes(raw, i + 1, end, out))
        throw new RuleError(`bad hex bytes |${raw.slice(i + 1, end)}| in content`);
      i = end + 1;
      continue;
    }
    if (c === '\\') {
      const n = raw[i + 1];
      if (n === undefined || !'";\\:|'.includes(n))
        throw new RuleError(`bad escape '\\${n ?? ''}' in content "${raw}"`);
      out.push(n.charCodeAt(0));
      i += 2;
      continue;
    }
    if (c === '"' || c === ';') throw new RuleError(`'${c}' must be escaped in content "${raw}"`);
    const code = raw.charCodeAt(i);
    if (code > 0xff) {
      for (const b of Buffer.from(c, 'utf8')) out.push(b);
    } else out.push(code);
    i++;
  }
  if (out.length === 0) throw new RuleError('empty content');
  // A pooled Buffer: 50,000 contents (ET Open) would otherwise each own an ArrayBuffer.
  return Buffer.from(out);
}

/** One or more characters, none of them | \\ " ; or beyond ASCII. */
const PLAIN_CONTENT = /^[^|\\";\u0080-\uffff]+$/;

/** The value of a hex digit's character code, or -1. */
function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x57 : -1;
}

/** Appends the bytes of a |hex| section (raw[from, end): digit pairs, whitespace anywhere); false when malformed. */
function hexBytes(raw: string, from: number, end: number, out: number[]): boolean {
  let hi = -1;
  for (let j = from; j < end; j++) {
    const c = raw.charCodeAt(j);
    // Whitespace as /\s/ knows it, the regex only beyond ASCII.
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c > 0x7f && WHITESPACE.test(raw[j]))) continue;
    const d = hexDigit(c);
    if (d < 0) return false;
    if (hi < 0) hi = d;
    else {
      out.push((hi << 4) | d);
      hi = -1;
    }
  }
  return hi < 0;
}

const WHITESPACE = /\s/;

/** "key value, key2 value2" lists (threshold, byte_jump flags). */
export function commaList(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function intValue(v: string | undefined, keyword: string, min = -Infinity): number {
  if (v === undefined || !/^-?\d+$/.test(v.trim()))
    throw new RuleError(`expects a whole number, got '${v ?? ''}'`, undefined, keyword);
  const n = Number(v);
  if (n < min) throw new RuleError(`must be ≥ ${min}, got ${n}`, undefined, keyword);
  return n;
}
