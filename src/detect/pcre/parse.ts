/**
 * A PCRE2 pattern parser for the 8-bit non-UTF mode Suricata uses: escapes, classes (POSIX names included), groups
 * (named: (?<n>…), (?'n'…), (?P<n>…)), lookaround, atomic groups, possessive and lazy quantifiers, back-references
 * (\1, \g{n}, \k<n>, (?P=n)), inline options ((?i), (?s:…), (?x)…), \Q…\E and comments. Constructs PCRE2 itself
 * rejects are errors here too; the few it accepts that moat does not run (recursion, conditionals, verbs, Unicode
 * properties) are errors naming the construct.
 */
import { CharSet, escapeClass, posixClass } from './charset.js';
import type { Assertion, Node, Pattern } from './ast.js';

export class PcreSyntaxError extends Error {}

export interface PcreOptions {
  caseless?: boolean;
  dotall?: boolean;
  multiline?: boolean;
  extended?: boolean;
  /** /E: $ matches only at the very end. */
  dollarEndOnly?: boolean;
  /** /G: quantifiers are lazy unless followed by '?'. */
  ungreedy?: boolean;
  /** /A */
  anchored?: boolean;
}

interface Flags {
  i: boolean;
  s: boolean;
  m: boolean;
  x: boolean;
  U: boolean;
}

const NEWLINE = 0x0a;

/**
 * The set of one byte, and of one byte in both cases, made once per byte: a pattern is mostly literals, and every
 * pcre is parsed at load (its errors are the rule's). Parsed patterns share them; no set is changed once made.
 */
const LITERAL: Array<CharSet | undefined> = Array.from({ length: 256 }, () => undefined);
const LITERAL_CASELESS: Array<CharSet | undefined> = Array.from({ length: 256 }, () => undefined);
const ANY_BYTE = CharSet.range(0, 255);
const NOT_NEWLINE = CharSet.of(NEWLINE).negate();

const ASSERTIONS: Readonly<Record<string, Assertion | undefined>> = {
  b: 'word-boundary',
  B: 'not-word-boundary',
  A: 'start',
  Z: 'end-or-final-newline',
  z: 'end',
};
const SIMPLE_ESCAPES: Readonly<Record<string, number | undefined>> = {
  n: 10,
  r: 13,
  t: 9,
  f: 12,
  e: 27,
  a: 7,
};

export function parsePcre(src: string, opts: PcreOptions = {}): Pattern {
  return new Parser(src, opts).parse();
}

class Parser {
  private i = 0;
  private groups = 0;
  private readonly names = new Map<string, number>();
  /** Back-references by name, resolved once every group is known (a reference may come before its group). */
  private readonly pendingNames: Array<{ node: { index: number }; name: string }> = [];
  private readonly numbered: Array<{ index: number }> = [];
  private readonly totalGroups: number;

  constructor(
    private readonly src: string,
    private readonly opts: PcreOptions,
  ) {
    this.totalGroups = countGroups(src);
  }

  parse(): Pattern {
    const flags: Flags = {
      i: !!this.opts.caseless,
      s: !!this.opts.dotall,
      m: !!this.opts.multiline,
      x: !!this.opts.extended,
      U: !!this.opts.ungreedy,
    };
    const root = this.alternation(flags);
    if (this.i < this.src.length) throw this.err(`unmatched ')'`);
    for (const p of this.pendingNames) {
      const n = this.names.get(p.name);
      if (n === undefined) throw new PcreSyntaxError(`reference to the undefined group '${p.name}'`);
      p.node.index = n;
    }
    for (const b of this.numbered)
      if (b.index > this.groups) throw new PcreSyntaxError(`reference to the missing group ${b.index}`);
    return { root, groups: this.groups, anchored: !!this.opts.anchored };
  }

  private err(what: string): PcreSyntaxError {
    return new PcreSyntaxError(`${what} at offset ${this.i}`);
  }

  private peek(o = 0): string {
    return this.src[this.i + o] ?? '';
  }

  private alternation(flags: Flags): Node {
    const alts: Node[] = [this.sequence(flags)];
    while (this.peek() === '|') {
      this.i++;
      alts.push(this.sequence(flags));
    }
    return alts.length === 1 ? alts[0] : { t: 'alt', alts };
  }

  /** Skips blanks and #-comments in extended mode. */
  private skipExtended(flags: Flags): void {
    if (!flags.x) return;
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') this.i++;
      else if (c === '#') {
        while (this.i < this.src.length && this.src[this.i] !== '\n') this.i++;
      } else return;
    }
  }

  private sequence(flags: Flags): Node {
    const items: Node[] = [];
    for (;;) {
      this.skipExtended(flags);
      const c = this.peek();
      if (c === '' || c === '|' || c === ')') break;
      // (?i) and friends change the options for the rest of the enclosing group.
      if (c === '(' && this.peek(1) === '?' && this.optionSetting(flags)) continue;
      if (c === '(' && this.peek(1) === '?' && this.peek(2) === '#') {
        const end = this.src.indexOf(')', this.i);
        if (end < 0) throw this.err('unterminated comment');
        this.i = end + 1;
        continue;
      }
      if (c === '\\' && this.peek(1) === 'Q') {
        this.i += 2;
        const end = this.src.indexOf('\\E', this.i);
        const text = end < 0 ? this.src.slice(this.i) : this.src.slice(this.i, end);
        this.i = end < 0 ? this.src.length : end + 2;
        for (const ch of text) items.push(this.literal(ch.charCodeAt(0), flags));
        continue;
      }
      if (c === '\\' && this.peek(1) === 'E') {
        this.i += 2;
        continue;
      }
      const atom = this.atom(flags);
      if (atom === undefined) continue;
      items.push(this.quantified(atom, flags));
    }
    return items.length === 1 ? items[0] : { t: 'seq', items };
  }

  /** "(?imsx-imsx)" alone: applies to the rest of the group. True when one was read. */
  private optionSetting(flags: Flags): boolean {
    const m = /^\(\?([imsxnUJ]*)(?:-([imsxnUJ]*))?\)/.exec(this.src.slice(this.i));
    if (!m || (m[1] === '' && m[2] === undefined)) return false;
    applyOptions(flags, m[1], m[2] ?? '', this.err.bind(this));
    this.i += m[0].length;
    return true;
  }

  private literal(code: number, flags: Flags): Node {
    const cache = flags.i ? LITERAL_CASELESS : LITERAL;
    let set = cache[code];
    if (set === undefined) {
      set = flags.i ? CharSet.of(code).caseless() : CharSet.of(code);
      cache[code] = set;
    }
    return { t: 'set', set };
  }

  private atom(flags: Flags): Node | undefined {
    const c = this.src[this.i];
    switch (c) {
      case '(':
        return this.group(flags);
      case '[':
        return { t: 'set', set: this.charClass(flags) };
      case '.':
        this.i++;
        return { t: 'set', set: flags.s ? ANY_BYTE : NOT_NEWLINE };
      case '^':
        this.i++;
        return { t: 'assert', kind: flags.m ? 'line-start' : 'start' };
      case '$':
        this.i++;
        return {
          t: 'assert',
          kind: flags.m ? 'line-end' : this.opts.dollarEndOnly ? 'end' : 'end-or-final-newline',
        };
      case '\\':
        return this.escape(flags);
      case '*':
      case '+':
      case '?':
        throw this.err(`quantifier '${c}' does not follow a repeatable item`);
      case '{':
        if (quantifierAt(this.src, this.i)) throw this.err('quantifier does not follow a repeatable item');
        break;
    }
    this.i++;
    const code = c.charCodeAt(0);
    if (code < 0x80) return this.literal(code, flags);
    // The rule file is UTF-8 and Suricata hands PCRE the pattern's bytes: a non-ASCII character is its UTF-8 bytes.
    return { t: 'seq', items: [...Buffer.from(c, 'utf8')].map((b) => this.literal(b, flags)) };
  }

  private quantified(atom: Node, flags: Flags): Node {
    this.skipExtended(flags);
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === '*') {
      min = 0;
      max = Infinity;
    } else if (c === '+') {
      min = 1;
      max = Infinity;
    } else if (c === '?') {
      min = 0;
      max = 1;
    } else if (c === '{') {
      const q = quantifierAt(this.src, this.i);
      if (!q) return atom;
      min = q.min;
      max = q.max;
      if (max < min) throw this.err('numbers out of order in {} quantifier');
      if (min > 65535 || (max !== Infinity && max > 65535)) throw this.err('number too big in {} quantifier');
      this.i += q.length - 1;
    } else return atom;
    this.i++;
    if (atom.t === 'assert') throw this.err('quantifier does not follow a repeatable item');
    let greedy = !flags.U;
    let possessive = false;
    if (this.peek() === '?') {
      greedy = !greedy;
      this.i++;
    } else if (this.peek() === '+') {
      possessive = true;
      greedy = true;
      this.i++;
    }
    // A repeated lookaround asserts at most once (PCRE2 treats it as {0,1}).
    if (atom.t === 'look') return min === 0 ? { t: 'seq', items: [] } : atom;
    return { t: 'repeat', body: atom, min, max, greedy, possessive };
  }

  private group(flags: Flags): Node {
    this.i++; // (
    const inner: Flags = { ...flags };
    let node: Node;
    if (this.peek() !== '?' && this.peek() !== '*') {
      const index = ++this.groups;
      node = { t: 'group', index, body: this.alternation(inner) };
    } else if (this.peek() === '*') {
      throw this.err('backtracking control verbs (*…) are not supported');
    } else {
      this.i++; // ?
      const rest = this.src.slice(this.i);
      let m: RegExpExecArray | null;
      if (rest.startsWith(':')) {
        this.i++;
        node = { t: 'group', index: 0, body: this.alternation(inner) };
      } else if (rest.startsWith('=') || rest.startsWith('!')) {
        this.i++;
        node = { t: 'look', behind: false, negated: rest[0] === '!', body: this.alternation(inner) };
      } else if (rest.startsWith('<=') || rest.startsWith('<!')) {
        this.i += 2;
        const body = this.alternation(inner);
        if (lookbehindLengths(body) === undefined) throw this.err('lookbehind assertion is not fixed length');
        node = { t: 'look', behind: true, negated: rest[1] === '!', body };
      } else if (rest.startsWith('>')) {
        this.i++;
        node = { t: 'atomic', body: this.alternation(inner) };
      } else if ((m = /^(?:P?<([A-Za-z_]\w{0,31})>|'([A-Za-z_]\w{0,31})')/.exec(rest))) {
        const name = m[1] ?? m[2];
        if (this.names.has(name)) throw this.err(`two groups named '${name}'`);
        const index = ++this.groups;
        this.names.set(name, index);
        this.i += m[0].length;
        node = { t: 'group', index, body: this.alternation(inner) };
      } else if ((m = /^P=([A-Za-z_]\w{0,31})\)/.exec(rest))) {
        this.i += m[0].length;
        const ref = { t: 'backref' as const, index: 0, caseless: flags.i };
        this.pendingNames.push({ node: ref, name: m[1] });
        return ref;
      } else if ((m = /^([imsxnUJ]*)(?:-([imsxnUJ]*))?:/.exec(rest))) {
        applyOptions(inner, m[1], m[2] ?? '', this.err.bind(this));
        this.i += m[0].length;
        node = { t: 'group', index: 0, body: this.alternation(inner) };
      } else if (rest.startsWith('|')) {
        throw this.err('branch reset groups (?|…) are not supported');
      } else if (rest.startsWith('(')) {
        throw this.err('conditional groups (?(…)…) are not supported');
      } else if (/^(?:R|[+-]?\d|&|P>)/.test(rest)) {
        throw this.err('recursion and subroutine calls are not supported');
      } else if (rest.startsWith('C')) {
        throw this.err('callouts are not supported');
      } else throw this.err(`unknown group type '(?${rest.slice(0, 2)}'`);
    }
    if (this.peek() !== ')') throw this.err("missing ')'");
    this.i++;
    return node;
  }

  /** A backslash sequence outside a class: a character, a class, an assertion or a back-reference. */
  private escape(flags: Flags): Node | undefined {
    this.i++; // backslash
    const c = this.peek();
    if (c === '') throw this.err('\\ at the end of the pattern');
    const cls = escapeClass(c);
    if (cls) {
      this.i++;
      return { t: 'set', set: cls };
    }
    const kind = ASSERTIONS[c];
    if (kind !== undefined) {
      this.i++;
      return { t: 'assert', kind };
    }
    if (c === 'G') {
      // \G is where this match attempt started: at the very start of the pattern it anchors it.
      this.i++;
      if (this.i !== 2) throw this.err('\\G is only supported at the start of the pattern');
      return { t: 'assert', kind: 'start' };
    }
    if (c === 'K') {
      // \K moves the reported start of the match; moat uses only where a match ends, which it does not change.
      this.i++;
      return undefined;
    }
    if (c === 'R') {
      this.i++;
      return {
        t: 'atomic',
        body: {
          t: 'alt',
          alts: [
            {
              t: 'seq',
              items: [
                { t: 'set', set: CharSet.of(0x0d) },
                { t: 'set', set: CharSet.of(0x0a) },
              ],
            },
            { t: 'set', set: CharSet.of(0x0a, 0x0b, 0x0c, 0x0d, 0x85) },
          ],
        },
      };
    }
    if (c === 'X' || c === 'p' || c === 'P' || c === 'C')
      throw this.err(`\\${c} (Unicode and code-unit escapes) is not supported`);
    if (c === 'g' || c === 'k') {
      const m =
        c === 'g'
          ? /^g(?:\{(-?\d+|[A-Za-z_]\w*)\}|(-?\d+))/.exec(this.src.slice(this.i))
          : /^k(?:<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)'|\{([A-Za-z_]\w*)\})/.exec(this.src.slice(this.i));
      if (!m) throw this.err(`malformed \\${c} reference`);
      this.i += m[0].length;
      const v = m[1] ?? m[2] ?? m[3];
      return this.backref(v, flags);
    }
    if (c >= '1' && c <= '9') {
      const m = /^\d+/.exec(this.src.slice(this.i))!;
      const n = Number(m[0]);
      if (n < 10 || c === '8' || c === '9' || n <= this.totalGroups) {
        this.i += m[0].length;
        return this.backref(String(n), flags);
      }
      // Otherwise up to three octal digits.
      const o = /^[0-7]{1,3}/.exec(this.src.slice(this.i))!;
      this.i += o[0].length;
      return this.literal(parseInt(o[0], 8) & 0xff, flags);
    }
    return this.literal(this.escapedChar(false), flags);
  }

  private backref(v: string, flags: Flags): Node {
    const node = { t: 'backref' as const, index: 0, caseless: flags.i };
    if (/^-?\d+$/.test(v)) {
      const n = Number(v);
      // \g{-1}: the most recently opened group before this point.
      node.index = n < 0 ? this.groups + 1 + n : n;
      if (node.index < 1) throw this.err(`reference to the missing group ${v}`);
      this.numbered.push(node);
    } else this.pendingNames.push({ node, name: v });
    return node;
  }

  /** A backslash sequence that stands for one character (this.i is on the letter). */
  private escapedChar(inClass: boolean): number {
    const c = this.src[this.i];
    if (inClass && c === 'b') {
      this.i++;
      return 8;
    }
    const simple = SIMPLE_ESCAPES[c];
    if (simple !== undefined) {
      this.i++;
      return simple;
    }
    if (c === 'x') {
      this.i++;
      if (this.peek() === '{') {
        const m = /^\{([0-9a-fA-F]+)\}/.exec(this.src.slice(this.i));
        if (!m) throw this.err('malformed \\x{…}');
        const v = parseInt(m[1], 16);
        if (v > 0xff) throw this.err('character code point value in \\x{} is too large');
        this.i += m[0].length;
        return v;
      }
      const m = /^[0-9a-fA-F]{0,2}/.exec(this.src.slice(this.i))!;
      this.i += m[0].length;
      return m[0] === '' ? 0 : parseInt(m[0], 16);
    }
    if (c === 'o') {
      const m = /^o\{([0-7]+)\}/.exec(this.src.slice(this.i));
      if (!m) throw this.err('malformed \\o{…}');
      const v = parseInt(m[1], 8);
      if (v > 0xff) throw this.err('octal value in \\o{} is too large');
      this.i += m[0].length;
      return v;
    }
    if (c === '0' || (inClass && c >= '1' && c <= '7')) {
      const m = /^[0-7]{1,3}/.exec(this.src.slice(this.i))!;
      this.i += m[0].length;
      return parseInt(m[0], 8) & 0xff;
    }
    if (c === 'c') {
      const x = this.src[this.i + 1];
      if (x === undefined || x.charCodeAt(0) > 0x7f)
        throw this.err('\\c must be followed by an ASCII character');
      this.i += 2;
      return x.toUpperCase().charCodeAt(0) ^ 0x40;
    }
    if (/[A-Za-z0-9]/.test(c)) throw this.err(`unrecognized escape '\\${c}'`);
    this.i++;
    return c.charCodeAt(0);
  }

  /** [...]: a set of bytes. */
  private charClass(flags: Flags): CharSet {
    this.i++; // [
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.i++;
    }
    const set = new CharSet();
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === '') throw this.err('missing terminating ] for character class');
      if (c === ']' && !first) {
        this.i++;
        break;
      }
      first = false;
      if (c === '[') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(this.src.slice(this.i));
        if (m) {
          const p = posixClass(m[2]);
          if (!p) throw this.err(`unknown POSIX class name '${m[2]}'`);
          set.addSet(m[1] ? p.negate() : p);
          this.i += m[0].length;
          continue;
        }
      }
      if (c === '\\' && this.peek(1) === 'Q') {
        this.i += 2;
        const end = this.src.indexOf('\\E', this.i);
        const text = end < 0 ? this.src.slice(this.i) : this.src.slice(this.i, end);
        this.i = end < 0 ? this.src.length : end + 2;
        for (const ch of text) set.add(ch.charCodeAt(0) & 0xff);
        continue;
      }
      if (c === '\\' && this.peek(1) === 'E') {
        this.i += 2;
        continue;
      }
      const lo = this.classAtom();
      if (lo instanceof CharSet) {
        if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== '')
          throw this.err('invalid range in character class');
        set.addSet(lo);
        continue;
      }
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== '') {
        this.i++;
        const save = this.i;
        if (this.peek() === '[' && /^\[:\^?[a-z]+:\]/.test(this.src.slice(this.i)))
          throw this.err('invalid range in character class');
        const hi = this.classAtom();
        if (hi instanceof CharSet) {
          this.i = save;
          throw this.err('invalid range in character class');
        }
        if (hi < lo) throw this.err('range out of order in character class');
        set.addRange(lo, hi);
        continue;
      }
      set.add(lo);
    }
    const s = flags.i ? set.caseless() : set;
    return negated ? s.negate() : s;
  }

  /** One member of a class: a byte, or a class escape (\d …). */
  private classAtom(): number | CharSet {
    const c = this.src[this.i];
    if (c !== '\\') {
      this.i++;
      const code = c.charCodeAt(0);
      if (code > 0xff) throw this.err('a character above 0xff in a non-UTF pattern');
      return code;
    }
    this.i++;
    const e = this.peek();
    if (e === '') throw this.err('\\ at the end of the pattern');
    const cls = escapeClass(e);
    if (cls && e !== 'N') {
      this.i++;
      return cls;
    }
    if (e === 'R' || e === 'X' || e === 'B' || e === 'N')
      throw this.err(`escape \\${e} is not allowed in a character class`);
    return this.escapedChar(true);
  }
}

/** Applies "imsx" on and "-imsx" off. */
function applyOptions(f: Flags, on: string, off: string, err: (w: string) => Error): void {
  for (const [letters, v] of [
    [on, true],
    [off, false],
  ] as const) {
    for (const l of letters) {
      if (l === 'i') f.i = v;
      else if (l === 's') f.s = v;
      else if (l === 'm') f.m = v;
      else if (l === 'x') f.x = v;
      else if (l === 'U') f.U = v;
      else if (l === 'J') continue;
      else throw err(`option (?${l}) is not supported`);
    }
  }
}

/** {n}, {n,}, {n,m} at `i` (PCRE2 before 10.43: anything else, "{,m}" included, is a literal brace). */
function quantifierAt(src: string, i: number): { min: number; max: number; length: number } | undefined {
  const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
  if (!m) return undefined;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
  return { min, max, length: m[0].length };
}

/** Capture groups in the whole pattern, for deciding whether \10 is a back-reference or an octal escape. */
function countGroups(src: string): number {
  let n = 0;
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      if (src[i + 1] === '^') i++;
      if (src[i + 1] === ']') i++;
      continue;
    }
    if (c !== '(') continue;
    if (src[i + 1] !== '?' && src[i + 1] !== '*') n++;
    else if (/^\(\?(?:P?<[A-Za-z_]|')/.test(src.slice(i))) n++;
  }
  return n;
}

/** The lengths a lookbehind's alternatives match (PCRE2 needs each to be fixed), or undefined when one is not. */
export function lookbehindLengths(n: Node): number[] | undefined {
  if (n.t === 'alt') {
    const out: number[] = [];
    for (const a of n.alts) {
      const l = fixedLength(a);
      if (l === undefined) return undefined;
      out.push(l);
    }
    return out;
  }
  const l = fixedLength(n);
  return l === undefined ? undefined : [l];
}

/** The one length every match of `n` has, or undefined. */
export function fixedLength(n: Node): number | undefined {
  switch (n.t) {
    case 'set':
      return 1;
    case 'assert':
    case 'look':
      return 0;
    case 'backref':
      return undefined;
    case 'group':
    case 'atomic':
      return fixedLength(n.body);
    case 'seq': {
      let sum = 0;
      for (const x of n.items) {
        const l = fixedLength(x);
        if (l === undefined) return undefined;
        sum += l;
      }
      return sum;
    }
    case 'alt': {
      const ls = n.alts.map(fixedLength);
      return ls.every((l) => l !== undefined && l === ls[0]) ? ls[0] : undefined;
    }
    case 'repeat': {
      if (n.min !== n.max) return undefined;
      const l = fixedLength(n.body);
      return l === undefined ? undefined : l * n.min;
    }
  }
}
