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
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== ';' || (i > 0 && body[i - 1] === '\\')) continue;
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
    if (colon < 0) out.push({ name: t.toLowerCase() });
    else out.push({ name: t.slice(0, colon).trim().toLowerCase(), value: t.slice(colon + 1).trim() });
  }
}

/** Removes surrounding double quotes when present. */
export function unquote(v: string): string {
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}

/** Decodes a content string: escapes (\" \; \\ \:) and |hex| byte sections. */
export function decodeContent(raw: string): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < raw.length) {
    const c = raw[i];
    if (c === '|') {
      const end = raw.indexOf('|', i + 1);
      if (end < 0) throw new RuleError(`unterminated |hex| section in content "${raw}"`);
      const hex = raw.slice(i + 1, end).replace(/\s+/g, '');
      if (!/^([0-9a-fA-F]{2})*$/.test(hex))
        throw new RuleError(`bad hex bytes |${raw.slice(i + 1, end)}| in content`);
      for (let j = 0; j < hex.length; j += 2) out.push(parseInt(hex.slice(j, j + 2), 16));
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
