/** The parsed form of a PCRE pattern (8-bit, non-UTF), which both matching engines are built from. */
import type { CharSet } from './charset.js';

export type Assertion =
  /** ^ without multiline, \A: the subject's start. */
  | 'start'
  /** ^ with multiline: the start, or after a newline that is not the subject's last character. */
  | 'line-start'
  /** $ without multiline: the end, or before a newline that ends the subject. Also \Z. */
  | 'end-or-final-newline'
  /** $ with dollar_endonly (/E), \z: the subject's end only. */
  | 'end'
  /** $ with multiline: the end, or before any newline. */
  | 'line-end'
  | 'word-boundary'
  | 'not-word-boundary';

export type Node =
  | { t: 'set'; set: CharSet }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; alts: Node[] }
  /** index: capture number (1-based), 0 for a non-capturing group. */
  | { t: 'group'; index: number; body: Node }
  | { t: 'look'; behind: boolean; negated: boolean; body: Node }
  | { t: 'atomic'; body: Node }
  | { t: 'repeat'; body: Node; min: number; max: number; greedy: boolean; possessive: boolean }
  | { t: 'backref'; index: number; caseless: boolean }
  | { t: 'assert'; kind: Assertion };

export interface Pattern {
  root: Node;
  /** Capture groups in the pattern. */
  groups: number;
  /** /A: anchored at the subject's start. */
  anchored: boolean;
}
