/**
 * base64_decode:[bytes N][, offset N][, relative] and base64_data: the matches after base64_data look at the text
 * base64_decode decoded (RFC 4648: decoding stops at the first character outside the alphabet).
 */
import { RuleError, type Base64Match } from '../rule.js';
import { commaList, intValue } from '../parse/options.js';
import { addMatch, noValue, type KeywordHandler } from './context.js';

export const BASE64_KEYWORDS: Record<string, KeywordHandler> = {
  base64_decode: (c, v, k) => {
    const m: Base64Match = { kind: 'base64_decode', offset: 0, relative: false, data: [] };
    for (const part of commaList(v ?? '')) {
      const [name, val, extra] = part.split(/\s+/);
      if (name === 'relative' && val === undefined) m.relative = true;
      else if (name === 'bytes' && extra === undefined) m.bytes = intValue(val, `${k} bytes`, 1);
      else if (name === 'offset' && extra === undefined) m.offset = intValue(val, `${k} offset`, 0);
      else throw new RuleError(`unknown option '${part}'`, undefined, k);
    }
    if (m.relative && !c.last) throw new RuleError("'relative' needs a match before it", undefined, k);
    addMatch(c, m);
    c.base64 = undefined;
  },
  base64_data: (c, v, k) => {
    noValue(v, k);
    const list = c.rule.buffers.get(c.buffer) ?? [];
    const last = [...list].reverse().find((m): m is Base64Match => m.kind === 'base64_decode');
    if (!last) throw new RuleError('needs a base64_decode before it in the same buffer', undefined, k);
    c.base64 = last;
    c.last = undefined;
    c.lastContent = undefined;
  },
};
