/** isdataat, byte_test, byte_jump: positional tests on the buffer (A-31 payload checks). */
import { RuleError } from '../rule.js';
import { commaList, intValue } from '../parse/options.js';
import { addMatch, needValue, type KeywordHandler } from './context.js';
import { parseNumberTest } from './header.js';

const OPS = ['<', '>', '=', '!', '&', '^', '<=', '>='] as const;

function numberOf(text: string, k: string): number {
  const t = text.trim();
  const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^-?\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(n)) throw new RuleError(`'${text}' is not a number`, undefined, k);
  return n;
}

function byteCount(text: string, k: string, isString: boolean): number {
  const n = intValue(text, k, 1);
  if (!isString && n > 8) throw new RuleError(`converts at most 8 bytes, got ${n}`, undefined, k);
  if (isString && n > 10)
    throw new RuleError(`string conversion of at most 10 bytes, got ${n}`, undefined, k);
  return n;
}

export const BYTE_KEYWORDS: Record<string, KeywordHandler> = {
  // bsize: the buffer's length, written as the absolute isdataat tests it amounts to.
  bsize: (c, v, k) => {
    const t = parseNumberTest(needValue(v, k), k);
    const has = (n: number, negated: boolean): void =>
      addMatch(c, { kind: 'isdataat', offset: n, relative: false, negated });
    const atLeast = (n: number): void => {
      if (n > 0) has(n - 1, false);
    };
    const atMost = (n: number): void => has(n, true);
    switch (t.op) {
      case '=':
        atLeast(t.a);
        atMost(t.a);
        break;
      case '<':
        if (t.a === 0) throw new RuleError('bsize:<0 can never match', undefined, k);
        atMost(t.a - 1);
        break;
      case '<=':
        atMost(t.a);
        break;
      case '>':
        atLeast(t.a + 1);
        break;
      case '>=':
        atLeast(t.a);
        break;
      case '<>':
        atLeast(t.a + 1);
        atMost((t.b ?? t.a) - 1);
        break;
      case '!=':
        throw new RuleError('bsize:!N is not supported', undefined, k);
    }
  },
  isdataat: (c, v, k) => {
    const parts = commaList(needValue(v, k));
    let first = parts[0];
    const negated = first.startsWith('!');
    if (negated) first = first.slice(1);
    addMatch(c, {
      kind: 'isdataat',
      offset: intValue(first, k, 0),
      relative: parts.includes('relative'),
      negated,
    });
  },
  byte_test: (c, v, k) => {
    const p = commaList(needValue(v, k));
    if (p.length < 4) throw new RuleError('needs bytes, operator, value, offset', undefined, k);
    let opText = p[1];
    const negated = opText.startsWith('!') && opText.length > 1;
    if (negated) opText = opText.slice(1);
    if (!(OPS as readonly string[]).includes(opText))
      throw new RuleError(`unknown operator '${p[1]}'`, undefined, k);
    const flags = p.slice(4);
    const str = flags.find((f) => f === 'hex' || f === 'dec' || f === 'oct') as
      'hex' | 'dec' | 'oct' | undefined;
    const isString = flags.includes('string');
    const bitmask = flags.find((f) => f.startsWith('bitmask'));
    addMatch(c, {
      kind: 'byte_test',
      bytes: byteCount(p[0], k, isString),
      op: opText as (typeof OPS)[number],
      negated,
      value: numberOf(p[2], k),
      offset: numberOf(p[3], k),
      relative: flags.includes('relative'),
      bigEndian: !flags.includes('little'),
      string: isString ? (str ?? 'dec') : undefined,
      bitmask: bitmask ? numberOf(bitmask.replace(/^bitmask\s+/, ''), k) : undefined,
    });
  },
  byte_jump: (c, v, k) => {
    const p = commaList(needValue(v, k));
    if (p.length < 2) throw new RuleError('needs bytes and offset', undefined, k);
    const flags = p.slice(2);
    const isString = flags.includes('string');
    const str = flags.find((f) => f === 'hex' || f === 'dec' || f === 'oct') as
      'hex' | 'dec' | 'oct' | undefined;
    const arg = (name: string): number | undefined => {
      const f = flags.find((x) => x.startsWith(name + ' '));
      return f ? numberOf(f.slice(name.length + 1), k) : undefined;
    };
    addMatch(c, {
      kind: 'byte_jump',
      bytes: byteCount(p[0], k, isString),
      offset: numberOf(p[1], k),
      relative: flags.includes('relative'),
      bigEndian: !flags.includes('little'),
      string: isString ? (str ?? 'dec') : undefined,
      multiplier: arg('multiplier') ?? 1,
      postOffset: arg('post_offset') ?? 0,
      align: flags.includes('align'),
      fromBeginning: flags.includes('from_beginning'),
    });
  },
};
