/**
 * pcre:"/regex/flags" with PCRE2's meaning (see ../pcre): PCRE syntax JavaScript lacks ((?P<n>…), (?i:…),
 * possessive quantifiers, atomic groups, POSIX classes …) is understood, and patterns that could backtrack without
 * bound run on a step-bounded matcher instead of being refused. Suricata's flags pick the buffer (U, H, P, Q …),
 * make the match relative (R), or change PCRE options (i, s, m, x, A, E, G).
 */
import { RuleError, type BufferName } from '../rule.js';
import { addMatch, needValue, type KeywordHandler } from './context.js';
import { lazyPcre, PcreSyntaxError, type PcreOptions } from '../pcre/index.js';
import { ownCopy } from '../parse/strings.js';

/** pcre modifiers that pick a buffer, as Suricata defines them (moat keeps one buffer for raw and normalized). */
const BUFFER_FLAGS: Record<string, BufferName> = {
  U: 'http.uri',
  I: 'http.uri',
  P: 'http.request_body',
  Q: 'http.response_body',
  H: 'http.header',
  D: 'http.header',
  M: 'http.method',
  C: 'http.cookie',
  K: 'http.cookie',
  S: 'http.stat_code',
  Y: 'http.stat_msg',
  V: 'http.user_agent',
  W: 'http.host',
  Z: 'http.host',
};

export const PCRE: KeywordHandler = (c, v, k) => {
  let raw = needValue(v, k).trim();
  let negated = false;
  if (raw.startsWith('!')) {
    negated = true;
    raw = raw.slice(1).trim();
  }
  // Suricata also accepts the pattern unquoted.
  const quoted = raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2;
  // A copy (the pattern is cut from it too): slices of the rule's text would keep all of it alive.
  const body = ownCopy((quoted ? raw.slice(1, -1) : raw).replace(/\\([";])/g, '$1'));
  const m = /^\/(.*)\/([a-zA-Z]*)$/s.exec(body);
  if (!m) throw new RuleError(`'${body}' is not /regex/flags`, undefined, k);
  const [, pattern, flags] = m;
  const opts: PcreOptions = {};
  let relative = false;
  let buffer: BufferName | undefined;
  for (const f of flags) {
    if (f === 'i') opts.caseless = true;
    else if (f === 's') opts.dotall = true;
    else if (f === 'm') opts.multiline = true;
    else if (f === 'x') opts.extended = true;
    else if (f === 'A') opts.anchored = true;
    else if (f === 'E') opts.dollarEndOnly = true;
    else if (f === 'G') opts.ungreedy = true;
    else if (f === 'R') relative = true;
    // B: accepted for compatibility only; O: lifts the match limit, which moat keeps for safety.
    else if (f === 'B' || f === 'O') continue;
    else if (BUFFER_FLAGS[f]) {
      if (buffer !== undefined && buffer !== BUFFER_FLAGS[f])
        throw new RuleError(`flags name two buffers (${flags})`, undefined, k);
      buffer = BUFFER_FLAGS[f];
    } else throw new RuleError(`unknown pcre flag '${f}'`, undefined, k);
  }
  let regex;
  try {
    regex = lazyPcre(pattern, opts);
  } catch (err) {
    if (!(err instanceof PcreSyntaxError)) throw err;
    throw new RuleError(`'${pattern}': ${err.message}`, undefined, k);
  }
  addMatch(c, { kind: 'pcre', regex, negated, relative, source: body }, buffer ?? c.buffer);
};
