/**
 * pcre:"/regex/flags" translated to a JavaScript RegExp. Patterns that JavaScript cannot express or that invite
 * catastrophic backtracking (nested quantifiers, back-references) are refused — inputs are also length-bounded at
 * match time — so one hostile rule cannot stall the packet path.
 */
import { RuleError, type BufferName } from '../rule.js';
import { addMatch, needValue, type KeywordHandler } from './context.js';

/** pcre modifiers that pick a buffer, as Suricata defines them. */
const BUFFER_FLAGS: Record<string, BufferName> = {
  U: 'http.uri',
  I: 'http.uri',
  H: 'http.header',
  D: 'http.header',
  M: 'http.method',
  W: 'http.host',
  V: 'http.user_agent',
  S: 'http.stat_code',
};

const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)[+*{]/;

export const PCRE: KeywordHandler = (c, v, k) => {
  let raw = needValue(v, k).trim();
  let negated = false;
  if (raw.startsWith('!')) {
    negated = true;
    raw = raw.slice(1).trim();
  }
  // Suricata also accepts the pattern unquoted.
  const quoted = raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2;
  const body = (quoted ? raw.slice(1, -1) : raw).replace(/\\([";])/g, '$1');
  const m = /^\/(.*)\/([a-zA-Z]*)$/s.exec(body);
  if (!m) throw new RuleError(`'${body}' is not /regex/flags`, undefined, k);
  const [, pattern, flags] = m;
  let js = '';
  let relative = false;
  let buffer: BufferName | undefined;
  for (const f of flags) {
    if (f === 'i' || f === 's' || f === 'm') js += f;
    else if (f === 'R') relative = true;
    else if (f === 'B' || f === 'O' || f === 'P' || f === 'Q')
      continue; // raw bytes / match-limit hints: no effect here
    else if (f === 'x') throw new RuleError("flag 'x' (extended) is not supported", undefined, k);
    else if (BUFFER_FLAGS[f]) buffer = BUFFER_FLAGS[f];
    else throw new RuleError(`unknown pcre flag '${f}'`, undefined, k);
  }
  if (NESTED_QUANTIFIER.test(pattern))
    throw new RuleError(`'${pattern}' nests quantifiers (catastrophic backtracking risk)`, undefined, k);
  if (/\\[1-9]/.test(pattern)) throw new RuleError(`'${pattern}' uses back-references`, undefined, k);
  let regex: RegExp;
  try {
    // Latin-1 view of the bytes: \xNN escapes match single bytes as in PCRE without UTF mode.
    regex = new RegExp(pattern, js + 'g');
  } catch (err) {
    throw new RuleError(
      `invalid regular expression: ${err instanceof Error ? err.message : String(err)}`,
      undefined,
      k,
    );
  }
  addMatch(c, { kind: 'pcre', regex, negated, relative, source: body }, buffer ?? c.buffer);
};
