/**
 * isdataat, bsize, byte_test, byte_jump, byte_extract: positional tests on the buffer (A-31 payload checks).
 * byte_extract stores a number in a variable of the rule; the keywords after it may name the variable wherever they
 * take a number (content offset/depth/distance/within, byte_test bytes/value/offset, byte_jump bytes/offset,
 * isdataat offset), as Suricata allows.
 */
import { MAX_BYTE_VARS, RuleError, type NumberRead } from '../rule.js';
import { commaList, intValue } from '../parse/options.js';
import { addMatch, needValue, type BuildContext, type KeywordHandler } from './context.js';
import { parseNumberTest } from './header.js';

const OPS = ['<', '>', '=', '!', '&', '^', '<=', '>='] as const;

function numberOf(text: string, k: string): number {
  const t = text.trim();
  const n = /^-?0x[0-9a-f]+$/i.test(t)
    ? (t.startsWith('-') ? -1 : 1) * parseInt(t.replace('-', ''), 16)
    : /^[-+]?\d+$/.test(t)
      ? Number(t)
      : NaN;
  if (!Number.isFinite(n)) throw new RuleError(`'${text}' is not a number`, undefined, k);
  return n;
}

/** A number, or the name of a byte_extract variable: [value, slot]. */
export function numberOrVar(c: BuildContext, text: string, k: string): [number, number | undefined] {
  const t = text.trim();
  if (/^[A-Za-z_][\w.-]*$/.test(t)) {
    const slot = c.byteVars?.get(t);
    if (slot === undefined)
      throw new RuleError(`'${t}' is neither a number nor a byte_extract variable`, undefined, k);
    return [0, slot];
  }
  return [numberOf(t, k), undefined];
}

/** 0 is allowed: for text it reads every digit there is, for binary nothing (Suricata's byte_jump:0 …,from_end). */
function byteCount(text: string, k: string, isString: boolean): number {
  const n = intValue(text, k, 0);
  if (!isString && n > 8) throw new RuleError(`converts at most 8 bytes, got ${n}`, undefined, k);
  if (isString && n > 23)
    throw new RuleError(`string conversion of at most 23 bytes, got ${n}`, undefined, k);
  return n;
}

/**
 * The options after the positional arguments: flags ("relative", "little") and "name value" pairs ("multiplier 2").
 * Any option the keyword does not know refuses the rule, so a misspelt flag is never silently ignored.
 */
function options(parts: readonly string[], k: string, flags: readonly string[], valued: readonly string[]) {
  const set = new Set<string>();
  const values = new Map<string, string>();
  for (const p of parts) {
    const sp = p.search(/\s/);
    const name = sp < 0 ? p : p.slice(0, sp);
    if (sp < 0 && flags.includes(name)) set.add(name);
    else if (sp >= 0 && valued.includes(name)) values.set(name, p.slice(sp + 1).trim());
    else if (name === 'dce')
      throw new RuleError("'dce' needs DCE/RPC decoding, which moat does not do", undefined, k);
    else throw new RuleError(`unknown option '${p}'`, undefined, k);
  }
  if (set.has('big') && set.has('little')) throw new RuleError("both 'big' and 'little'", undefined, k);
  const bases = ['hex', 'dec', 'oct'].filter((b) => set.has(b));
  if (bases.length > 1) throw new RuleError(`more than one base: ${bases.join(', ')}`, undefined, k);
  if (bases.length > 0 && !set.has('string'))
    throw new RuleError(`'${bases[0]}' needs 'string'`, undefined, k);
  return { set, values, base: bases[0] as 'hex' | 'dec' | 'oct' | undefined };
}

/** The reading part shared by byte_test, byte_jump and byte_extract. */
function numberRead(
  c: BuildContext,
  bytesText: string,
  offsetText: string,
  o: ReturnType<typeof options>,
  k: string,
): NumberRead {
  const isString = o.set.has('string');
  const [bytes, bytesVar] = /^\d+$/.test(bytesText.trim())
    ? [byteCount(bytesText, k, isString), undefined]
    : numberOrVar(c, bytesText, k);
  const [offset, offsetVar] = numberOrVar(c, offsetText, k);
  const mask = o.values.get('bitmask');
  const bitmask = mask === undefined ? undefined : numberOf(mask, k);
  if (bitmask !== undefined && bitmask <= 0) throw new RuleError('bitmask must be > 0', undefined, k);
  return {
    bytes,
    bytesVar,
    offset,
    offsetVar,
    relative: o.set.has('relative'),
    bigEndian: !o.set.has('little'),
    string: isString ? (o.base ?? 'dec') : undefined,
    bitmask,
  };
}

const READ_FLAGS = ['relative', 'big', 'little', 'string', 'hex', 'dec', 'oct'];

export const BYTE_KEYWORDS: Record<string, KeywordHandler> = {
  // bsize: the length of the current buffer (Suricata: "an error if the content length and bsize prevent a match").
  bsize: (c, v, k) => {
    const test = parseNumberTest(needValue(v, k), k);
    const list = c.rule.buffers.get(c.buffer) ?? [];
    for (const m of list) {
      if (m.kind !== 'content' || m.negated) continue;
      const most = test.op === '<' ? test.a - 1 : test.op === '<>' ? (test.b ?? test.a) - 1 : test.a;
      if (
        (test.op === '=' || test.op === '<' || test.op === '<=' || test.op === '<>') &&
        m.bytes.length > most
      )
        throw new RuleError(
          `a ${m.bytes.length}-byte content cannot fit a buffer of size ${v ?? ''}`,
          undefined,
          k,
        );
    }
    addMatch(c, { kind: 'bsize', test });
  },
  // urilen:N, <N, >N, A<>B [,norm|raw]: the request URI's length. moat keeps one URI buffer for both forms.
  urilen: (c, v, k) => {
    const [test, form, ...rest] = commaList(needValue(v, k));
    if (rest.length > 0 || (form !== undefined && form !== 'norm' && form !== 'raw'))
      throw new RuleError(`'${v ?? ''}' is not 'N[,norm|raw]'`, undefined, k);
    addMatch(c, { kind: 'bsize', test: parseNumberTest(test, k) }, 'http.uri');
  },
  isdataat: (c, v, k) => {
    const parts = commaList(needValue(v, k));
    let first = parts[0];
    const negated = first.startsWith('!');
    if (negated) first = first.slice(1);
    for (const p of parts.slice(1))
      if (p !== 'relative' && p !== 'rawbytes') throw new RuleError(`unknown option '${p}'`, undefined, k);
    const [offset, offsetVar] = numberOrVar(c, first, k);
    if (offset < 0) throw new RuleError(`must be ≥ 0, got ${offset}`, undefined, k);
    addMatch(c, { kind: 'isdataat', offset, offsetVar, relative: parts.includes('relative'), negated });
  },
  byte_test: (c, v, k) => {
    const p = commaList(needValue(v, k));
    if (p.length < 4) throw new RuleError('needs bytes, operator, value, offset', undefined, k);
    let opText = p[1];
    const negated = opText.startsWith('!') && opText.length > 1;
    if (negated) opText = opText.slice(1);
    if (!(OPS as readonly string[]).includes(opText))
      throw new RuleError(`unknown operator '${p[1]}'`, undefined, k);
    const o = options(p.slice(4), k, READ_FLAGS, ['bitmask']);
    const [value, valueVar] = numberOrVar(c, p[2], k);
    addMatch(c, {
      kind: 'byte_test',
      ...numberRead(c, p[0], p[3], o, k),
      op: opText as (typeof OPS)[number],
      negated,
      value,
      valueVar,
    });
  },
  byte_jump: (c, v, k) => {
    const p = commaList(needValue(v, k));
    if (p.length < 2) throw new RuleError('needs bytes and offset', undefined, k);
    const o = options(
      p.slice(2),
      k,
      [...READ_FLAGS, 'align', 'from_beginning', 'from_end'],
      ['multiplier', 'post_offset', 'bitmask'],
    );
    if (o.set.has('from_beginning') && o.set.has('from_end'))
      throw new RuleError("both 'from_beginning' and 'from_end'", undefined, k);
    const mult = o.values.get('multiplier');
    const post = o.values.get('post_offset');
    addMatch(c, {
      kind: 'byte_jump',
      ...numberRead(c, p[0], p[1], o, k),
      multiplier: mult === undefined ? 1 : numberOf(mult, k),
      postOffset: post === undefined ? 0 : numberOf(post, k),
      align: o.set.has('align'),
      fromBeginning: o.set.has('from_beginning'),
      fromEnd: o.set.has('from_end'),
    });
  },
  byte_extract: (c, v, k) => {
    const p = commaList(needValue(v, k));
    if (p.length < 3) throw new RuleError('needs bytes, offset and a variable name', undefined, k);
    const name = p[2];
    if (!/^[A-Za-z_][\w.-]*$/.test(name))
      throw new RuleError(`'${name}' is not a variable name`, undefined, k);
    const o = options(p.slice(3), k, READ_FLAGS, ['multiplier', 'align', 'bitmask']);
    const vars = (c.byteVars ??= new Map());
    let slot = vars.get(name);
    if (slot === undefined) {
      if (vars.size >= MAX_BYTE_VARS)
        throw new RuleError(`more than ${MAX_BYTE_VARS} variables in one rule`, undefined, k);
      slot = vars.size;
    }
    const alignText = o.values.get('align');
    const align = alignText === undefined ? 0 : numberOf(alignText, k);
    if (align !== 0 && align !== 2 && align !== 4)
      throw new RuleError(`align must be 2 or 4, got ${align}`, undefined, k);
    const mult = o.values.get('multiplier');
    // Read first (it may not name the variable it defines), then define it.
    const read = numberRead(c, p[0], p[1], o, k);
    vars.set(name, slot);
    addMatch(c, {
      kind: 'byte_extract',
      ...read,
      slot,
      multiplier: mult === undefined ? 1 : numberOf(mult, k),
      align,
    });
  },
};
