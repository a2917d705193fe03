/**
 * byte_math: bytes N, offset N, oper OP, rvalue N|var, result name [, relative] [, endian big|little] [, string
 * hex|dec|oct] [, bitmask HEX]. Reads a number, applies `+ - * / << >>` with the rvalue, masks the result and stores
 * it in a variable later keywords name like a byte_extract variable (the two share one namespace, as in Suricata).
 * Option checks follow Suricata's parser: 1–10 bytes (1–4 with a shift), offset within ±65535, a u32 rvalue, a
 * hexadecimal bitmask, each option at most once.
 */
import { MAX_BYTE_VARS, RuleError, type ByteMathMatch } from '../rule.js';
import { commaList } from '../parse/options.js';
import { addMatch, needValue, type KeywordHandler } from './context.js';
import { numberOrVar } from './bytes.js';

const OPERS = ['+', '-', '*', '/', '<<', '>>'] as const;
const NAME = /^[A-Za-z_][\w.-]*$/;

export const BYTE_MATH: KeywordHandler = (c, v, k) => {
  const opts = new Map<string, string>();
  for (const part of commaList(needValue(v, k))) {
    const sp = part.search(/\s/);
    const name = sp < 0 ? part : part.slice(0, sp);
    const value = sp < 0 ? '' : part.slice(sp + 1).trim();
    if (opts.has(name)) throw new RuleError(`'${name}' given twice`, undefined, k);
    opts.set(name, value);
  }
  for (const name of opts.keys())
    if (
      !['bytes', 'offset', 'oper', 'rvalue', 'result', 'relative', 'endian', 'string', 'bitmask'].includes(
        name,
      )
    )
      throw new RuleError(
        name === 'dce' ? "'dce' needs DCE/RPC decoding, which moat does not do" : `unknown option '${name}'`,
        undefined,
        k,
      );
  const need = (name: string): string => {
    const x = opts.get(name);
    if (x === undefined || x === '') throw new RuleError(`needs '${name}'`, undefined, k);
    return x;
  };
  const oper = need('oper') as (typeof OPERS)[number];
  if (!OPERS.includes(oper)) throw new RuleError(`unknown oper '${oper}'`, undefined, k);
  const bytesText = need('bytes');
  let bytes: number;
  let bytesVar: number | undefined;
  if (/^\d+$/.test(bytesText)) {
    bytes = Number(bytesText);
    if (bytes < 1 || bytes > 10) throw new RuleError(`bytes must be 1–10, got ${bytes}`, undefined, k);
    if ((oper === '<<' || oper === '>>') && bytes > 4)
      throw new RuleError(`bytes must be 1–4 with '${oper}', got ${bytes}`, undefined, k);
  } else [bytes, bytesVar] = numberOrVar(c, bytesText, k);
  const offsetText = need('offset');
  if (!/^-?\d+$/.test(offsetText))
    throw new RuleError(`offset '${offsetText}' is not a number`, undefined, k);
  const offset = Number(offsetText);
  if (Math.abs(offset) > 65535)
    throw new RuleError(`offset must be within ±65535, got ${offset}`, undefined, k);
  const rvText = need('rvalue');
  let rvalue: number;
  let rvalueVar: number | undefined;
  if (/^\d+$/.test(rvText)) {
    rvalue = Number(rvText);
    if (rvalue > 0xffffffff) throw new RuleError(`rvalue must fit 32 bits, got ${rvText}`, undefined, k);
  } else [rvalue, rvalueVar] = numberOrVar(c, rvText, k);
  const result = need('result');
  if (!NAME.test(result)) throw new RuleError(`'${result}' is not a variable name`, undefined, k);
  if (opts.has('relative') && opts.get('relative') !== '')
    throw new RuleError("'relative' takes no value", undefined, k);
  const endian = opts.get('endian');
  if (endian !== undefined && endian !== 'big' && endian !== 'little')
    throw new RuleError(
      endian === 'dce' ? "'endian dce' needs DCE/RPC decoding" : `unknown endian '${endian}'`,
      undefined,
      k,
    );
  const base = opts.get('string');
  if (base !== undefined && base !== 'hex' && base !== 'dec' && base !== 'oct')
    throw new RuleError(`unknown string base '${base}'`, undefined, k);
  const maskText = opts.get('bitmask');
  let mask: number | undefined;
  if (maskText !== undefined) {
    const hex = maskText.replace(/^0x/i, '');
    if (!/^[0-9a-f]{1,8}$/i.test(hex))
      throw new RuleError(`bitmask '${maskText}' is not 32-bit hex`, undefined, k);
    mask = parseInt(hex, 16);
  }
  const vars = (c.byteVars ??= new Map());
  let slot = vars.get(result);
  if (slot === undefined) {
    if (vars.size >= MAX_BYTE_VARS)
      throw new RuleError(`more than ${MAX_BYTE_VARS} variables in one rule`, undefined, k);
    slot = vars.size;
    vars.set(result, slot);
  }
  // In a sticky buffer, Suricata ties `relative` to a previous content or pcre of the rule and refuses it without one.
  if (
    opts.has('relative') &&
    c.buffer !== 'payload' &&
    ![...c.rule.buffers.values()].some((l) => l.some((x) => x.kind === 'content' || x.kind === 'pcre'))
  )
    throw new RuleError('relative specified without previous pattern match', undefined, k);
  const m: ByteMathMatch = {
    kind: 'byte_math',
    bytes,
    bytesVar,
    offset,
    relative: opts.has('relative'),
    bigEndian: endian !== 'little',
    string: base as ByteMathMatch['string'],
    oper,
    rvalue,
    rvalueVar,
    slot,
    mask,
  };
  addMatch(c, m);
};
