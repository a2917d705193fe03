/**
 * The JavaScript RegExp form of a parsed pattern, for patterns V8 runs with PCRE's meaning and without the risk of
 * catastrophic backtracking. Every character class is written out as explicit byte ranges (case folding, \s, `.`
 * included), anchors as lookarounds, so no JavaScript flag changes the meaning: the subject is the buffer read as
 * Latin-1, one character per byte.
 */
import { CharSet } from './charset.js';
import { fixedLength } from './parse.js';
import type { Node, Pattern } from './ast.js';

const hex = (c: number): string => `\\x${c.toString(16).padStart(2, '0')}`;

function ranges(set: CharSet, want: boolean): string {
  let out = '';
  for (let c = 0; c < 256; c++) {
    if (set.has(c) !== want) continue;
    let d = c;
    while (d + 1 < 256 && set.has(d + 1) === want) d++;
    out += d === c ? hex(c) : d === c + 1 ? hex(c) + hex(d) : `${hex(c)}-${hex(d)}`;
    c = d;
  }
  return out;
}

function setSource(set: CharSet): string {
  const n = set.size();
  if (n === 256) return '[\\s\\S]';
  if (n === 0) return '[]';
  if (n === 1) return hex(set.single());
  const pos = ranges(set, true);
  const neg = ranges(set, false);
  return neg.length < pos.length ? `[^${neg}]` : `[${pos}]`;
}

/** Why V8 should not run this pattern (it cannot express it, or its backtracking is unbounded), or undefined. */
export function v8Problem(p: Pattern): string | undefined {
  return problem(p.root);
}

function problem(n: Node): string | undefined {
  switch (n.t) {
    case 'backref':
      // PCRE fails a reference to an unset group where JavaScript matches the empty string.
      return 'back-reference';
    case 'atomic':
      return 'atomic group';
    case 'repeat': {
      if (n.possessive) return 'possessive quantifier';
      const fixed = fixedLength(n.body);
      // A repeated body that can match one text in several ways (variable length, or overlapping alternatives)
      // makes backtracking exponential in the number of repetitions.
      if (n.max > 1 && n.body.t !== 'set' && (n.max === Infinity || n.max > 16) && fixed === undefined)
        return 'nested quantifiers';
      if (n.max > 1 && ambiguousAlternation(n.body)) return 'repeated overlapping alternatives';
      return problem(n.body);
    }
    case 'seq':
      for (const x of n.items) {
        const w = problem(x);
        if (w) return w;
      }
      return undefined;
    case 'alt':
      for (const x of n.alts) {
        const w = problem(x);
        if (w) return w;
      }
      return undefined;
    case 'group':
    case 'look':
      return problem(n.body);
    default:
      return undefined;
  }
}

/** An alternation inside `n` whose alternatives can start with the same byte. */
function ambiguousAlternation(n: Node): boolean {
  switch (n.t) {
    case 'alt': {
      const firsts = n.alts.map(firstSet);
      for (let i = 0; i < firsts.length; i++)
        for (let j = i + 1; j < firsts.length; j++) {
          const a = firsts[i];
          const b = firsts[j];
          if (a === 'any' || b === 'any' || a.intersects(b)) return true;
        }
      return n.alts.some(ambiguousAlternation);
    }
    case 'seq':
      return n.items.some(ambiguousAlternation);
    case 'group':
    case 'atomic':
    case 'look':
    case 'repeat':
      return ambiguousAlternation(n.body);
    default:
      return false;
  }
}

/** The bytes a match of `n` can start with; 'any' when it can be empty or starts with an assertion. */
export function firstSet(n: Node): CharSet | 'any' {
  switch (n.t) {
    case 'set':
      return n.set;
    case 'group':
    case 'atomic':
      return firstSet(n.body);
    case 'repeat':
      return n.min === 0 ? 'any' : firstSet(n.body);
    case 'seq':
      return n.items.length === 0 ? 'any' : firstSet(n.items[0]);
    case 'alt': {
      const sets = n.alts.map(firstSet);
      if (sets.some((s) => s === 'any')) return 'any';
      const out = new CharSet();
      for (const s of sets) out.addSet(s as CharSet);
      return out;
    }
    default:
      return 'any';
  }
}

/** The RegExp source (no flags needed) matching what PCRE matches; call only when v8Problem() is undefined. */
export function toJsSource(p: Pattern): string {
  const body = emit(p.root);
  return p.anchored ? `^(?:${body})` : body;
}

function emit(n: Node): string {
  switch (n.t) {
    case 'set':
      return setSource(n.set);
    case 'seq':
      return n.items.map((x) => (x.t === 'alt' ? `(?:${emit(x)})` : emit(x))).join('');
    case 'alt':
      return n.alts.map(emit).join('|');
    case 'group':
      return n.index > 0 ? `(${emit(n.body)})` : `(?:${emit(n.body)})`;
    case 'look':
      return `(?${n.behind ? '<' : ''}${n.negated ? '!' : '='}${emit(n.body)})`;
    case 'repeat': {
      const b = n.body;
      const atom = b.t === 'set' || b.t === 'group' ? emit(b) : `(?:${emit(b)})`;
      const q =
        n.min === 0 && n.max === Infinity
          ? '*'
          : n.min === 1 && n.max === Infinity
            ? '+'
            : n.min === 0 && n.max === 1
              ? '?'
              : n.max === Infinity
                ? `{${n.min},}`
                : n.min === n.max
                  ? `{${n.min}}`
                  : `{${n.min},${n.max}}`;
      return atom + q + (n.greedy ? '' : '?');
    }
    case 'assert':
      switch (n.kind) {
        case 'start':
          return '^';
        case 'line-start':
          return '(?:^|(?<=\\n)(?!$))';
        case 'end-or-final-newline':
          return '(?=\\n?$)';
        case 'end':
          return '$';
        case 'line-end':
          return '(?=\\n|$)';
        case 'word-boundary':
          return '\\b';
        case 'not-word-boundary':
          return '\\B';
      }
    // falls through (unreachable: every assertion returns)
    case 'backref':
    case 'atomic':
      throw new Error(`${n.t} has no RegExp form here`);
  }
}
