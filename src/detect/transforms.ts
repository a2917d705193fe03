/**
 * Suricata's buffer transforms: after a sticky buffer, `dotprefix; to_lowercase; …` rewrite what the following
 * content/pcre see. A transformed buffer is keyed "buffer|t1|t2" (arguments URI-encoded) so rules sharing a chain
 * share the computed value.
 */
import { createHash } from 'node:crypto';
import { RuleError } from './rule.js';

export type Transform = (b: Buffer) => Buffer;

const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

function compressWhitespace(b: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    // The first whitespace byte of a run is kept as it is; the rest of the run goes.
    if (isSpace(c) && i > 0 && isSpace(b[i - 1])) continue;
    out.push(c);
  }
  return Buffer.from(out);
}

function urlDecode(b: Buffer): Buffer {
  const out: number[] = [];
  const hex = (c: number): number =>
    c >= 0x30 && c <= 0x39 ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === 0x25 && i + 2 < b.length && hex(b[i + 1]) >= 0 && hex(b[i + 2]) >= 0) {
      out.push(hex(b[i + 1]) * 16 + hex(b[i + 2]));
      i += 2;
    } else out.push(c === 0x2b ? 0x20 : c);
  }
  return Buffer.from(out);
}

const SIMPLE: Record<string, Transform> = {
  dotprefix: (b) => Buffer.concat([Buffer.from('.'), b]),
  to_lowercase: (b) => Buffer.from(b.toString('latin1').toLowerCase(), 'latin1'),
  to_uppercase: (b) => Buffer.from(b.toString('latin1').toUpperCase(), 'latin1'),
  strip_whitespace: (b) => Buffer.from(b.filter((c) => !isSpace(c))),
  compress_whitespace: compressWhitespace,
  to_md5: (b) => createHash('md5').update(b).digest(),
  to_sha1: (b) => createHash('sha1').update(b).digest(),
  to_sha256: (b) => createHash('sha256').update(b).digest(),
  url_decode: urlDecode,
  from_base64: (b) => Buffer.from(b.toString('latin1'), 'base64'),
};

/** Transform keywords and whether they take an argument. */
export const TRANSFORM_NAMES = new Set([...Object.keys(SIMPLE), 'pcrexform', 'xor']);

function unquote(v: string): string {
  const t = v.trim();
  return t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

/** Builds one transform from its keyword and argument; errors name what is wrong. */
export function makeTransform(name: string, arg: string | undefined): Transform {
  const simple = SIMPLE[name];
  if (simple) {
    if (arg !== undefined && arg !== '' && name !== 'from_base64')
      throw new RuleError(`takes no value, got '${arg}'`, undefined, name);
    return simple;
  }
  if (name === 'pcrexform') {
    const t = (arg ?? '').trim();
    // Suricata takes the expression only as a double-quoted string.
    if (t.length < 2 || !t.startsWith('"') || !t.endsWith('"'))
      throw new RuleError(`the regular expression must be double-quoted, got '${t}'`, undefined, name);
    const src = unquote(t);
    if (src === '') throw new RuleError('needs a regular expression', undefined, name);
    let re: RegExp;
    try {
      re = new RegExp(src, 's');
    } catch (err) {
      throw new RuleError(`bad regular expression: ${(err as Error).message}`, undefined, name);
    }
    // The buffer becomes the first capture group; no match leaves it unchanged.
    return (b) => {
      const m = re.exec(b.toString('latin1'));
      return m && m[1] !== undefined ? Buffer.from(m[1], 'latin1') : b;
    };
  }
  if (name === 'xor') {
    const key = unquote(arg ?? '');
    if (!/^([0-9a-fA-F]{2})+$/.test(key))
      throw new RuleError(`needs a hex key, got '${arg ?? ''}'`, undefined, name);
    const k = Buffer.from(key, 'hex');
    return (b) => Buffer.from(b.map((c, i) => c ^ k[i % k.length]));
  }
  throw new RuleError('unknown transform', undefined, name);
}

/** The key part for one transform in a buffer name. */
export function transformKey(name: string, arg: string | undefined): string {
  return arg === undefined || arg === '' ? name : `${name}=${encodeURIComponent(arg)}`;
}

/** Splits a transformed buffer key back into its transforms, in order. */
export function transformsOf(key: string): Transform[] {
  return key
    .split('|')
    .slice(1)
    .map((part) => {
      const eq = part.indexOf('=');
      return eq < 0
        ? makeTransform(part, undefined)
        : makeTransform(part.slice(0, eq), decodeURIComponent(part.slice(eq + 1)));
    });
}

/**
 * Suricata refuses a content a transform makes unmatchable (its transforms' validate step): whitespace after
 * strip_whitespace, a whitespace run after compress_whitespace, a letter of the wrong case after to_lowercase or
 * to_uppercase. Returns what is wrong, or undefined.
 */
export function contentTransformProblem(bufferKey: string, bytes: Uint8Array): string | undefined {
  // Most buffers have no transform: no split (and its arrays) for each of ET Open's ~20,000 contents.
  if (bufferKey.indexOf('|') < 0) return undefined;
  for (const part of bufferKey.split('|').slice(1)) {
    const name = part.split('=')[0];
    const bad =
      name === 'strip_whitespace'
        ? bytes.some(isSpace)
        : name === 'compress_whitespace'
          ? bytes.some((c, i) => i > 0 && isSpace(c) && isSpace(bytes[i - 1]))
          : name === 'to_lowercase'
            ? bytes.some((c) => c >= 0x41 && c <= 0x5a)
            : name === 'to_uppercase'
              ? bytes.some((c) => c >= 0x61 && c <= 0x7a)
              : false;
    if (bad) return `the content can never match after ${name}`;
  }
  return undefined;
}
