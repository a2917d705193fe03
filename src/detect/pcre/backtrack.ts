/**
 * A backtracking matcher for the patterns V8 should not run: back-references (with PCRE's meaning: a reference to
 * an unset group fails), atomic groups, possessive quantifiers, and nested or overlapping repetition that can
 * backtrack exponentially. It bounds its own work the way Suricata bounds PCRE (pcre match-limit and
 * match-limit-recursion): past a step or nesting budget the match attempt fails, so one hostile payload costs at
 * most a fixed amount of time.
 *
 * The pattern is compiled once into closures, each node knowing its continuation; only a repeated group recurses
 * per repetition (bounded by MAX_DEPTH), single-byte repeats are loops.
 */
import type { Node, Pattern } from './ast.js';
import { firstSet } from './to-js.js';

/** Steps one start position may take (PCRE counts per start position too; Suricata's default limit is 3500). */
export const MATCH_LIMIT = 20_000;
/** Steps one whole search may take, over every start position. */
export const TOTAL_LIMIT = 1_000_000;
/** Repetitions of a group nested on the stack (Suricata's match-limit-recursion default is 1500). */
export const MAX_DEPTH = 1500;

type M = (p: number) => number;

const isWord = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
const fold = (c: number): number => (c >= 0x41 && c <= 0x5a ? c | 0x20 : c);

export class BoundedMatcher {
  private buf: Uint8Array = new Uint8Array(0);
  private start = 0;
  private end = 0;
  private readonly caps: Int32Array;
  private steps = 0;
  private total = 0;
  private depth = 0;
  private aborted = false;
  private readonly entry: M;
  private readonly anchored: boolean;
  private readonly first: Uint8Array | undefined;
  /** Set when the last search gave up on its budget (for tests and statistics). */
  gaveUp = false;

  constructor(p: Pattern) {
    this.caps = new Int32Array(2 * (p.groups + 1)).fill(-1);
    this.entry = this.compile(p.root, (q) => q);
    this.anchored = p.anchored || startsAnchored(p.root);
    const f = firstSet(p.root);
    this.first = f === 'any' ? undefined : f.table();
  }

  /** End of the first match in buf[start, end) (absolute index), or -1 (no match, or the budget ran out). */
  exec(buf: Uint8Array, start: number, end: number): number {
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.total = 0;
    this.aborted = false;
    this.gaveUp = false;
    const first = this.first;
    for (let p = start; p <= end; p++) {
      if (first !== undefined && (p >= end || first[buf[p]] === 0)) {
        if (this.anchored) break;
        continue;
      }
      this.caps.fill(-1);
      this.steps = 0;
      this.depth = 0;
      const r = this.entry(p);
      this.total += this.steps;
      if (r >= 0) return r;
      if (this.aborted || this.total > TOTAL_LIMIT) {
        this.gaveUp = true;
        return -1;
      }
      if (this.anchored) break;
    }
    return -1;
  }

  /** Counts a step; false once the budget is spent (every node then fails at once, unwinding quickly). */
  private tick(): boolean {
    if (++this.steps > MATCH_LIMIT) this.aborted = true;
    return !this.aborted;
  }

  private compile(n: Node, next: M): M {
    switch (n.t) {
      case 'set': {
        const t = n.set.table();
        return (p) => (this.tick() && p < this.end && t[this.buf[p]] === 1 ? next(p + 1) : -1);
      }
      case 'seq': {
        let k = next;
        for (let i = n.items.length - 1; i >= 0; i--) {
          // A run of single bytes is compared in one step.
          let j = i;
          while (j > 0 && n.items[j - 1].t === 'set' && n.items[i].t === 'set') j--;
          if (i - j >= 1) {
            const tables = n.items
              .slice(j, i + 1)
              .map((x) => (x as { set: { table(): Uint8Array } }).set.table());
            k = this.run(tables, k);
            i = j;
          } else k = this.compile(n.items[i], k);
        }
        return k;
      }
      case 'alt': {
        const ms = n.alts.map((a) => this.compile(a, next));
        return (p) => {
          for (const m of ms) {
            const r = m(p);
            if (r >= 0) return r;
            if (this.aborted) return -1;
          }
          return -1;
        };
      }
      case 'group':
        return n.index === 0 ? this.compile(n.body, next) : this.capture(n.index, n.body, next);
      case 'look': {
        if (n.behind) return this.lookbehind(n.body, n.negated, next);
        const body = this.compile(n.body, (q) => q);
        return (p) => {
          const r = body(p);
          if (this.aborted) return -1;
          return r >= 0 !== n.negated ? next(p) : -1;
        };
      }
      case 'atomic': {
        const body = this.compile(n.body, (q) => q);
        return (p) => {
          const r = body(p);
          return r >= 0 ? next(r) : -1;
        };
      }
      case 'repeat':
        if (n.body.t === 'set') return this.byteRepeat([n.body.set.table()], n, next);
        {
          // A repeated run of bytes without captures, such as (?:%3C){1000}, loops like a single byte.
          const unit = byteRun(n.body);
          if (unit) return this.byteRepeat(unit, n, next);
        }
        if (n.possessive) {
          const inner = this.compile({ ...n, possessive: false }, (q) => q);
          return (p) => {
            const r = inner(p);
            return r >= 0 ? next(r) : -1;
          };
        }
        return this.groupRepeat(n, next);
      case 'backref': {
        const i = 2 * n.index;
        return (p) => {
          if (!this.tick()) return -1;
          const s = this.caps[i];
          const e = this.caps[i + 1];
          if (s < 0 || e < 0) return -1;
          const len = e - s;
          if (p + len > this.end) return -1;
          const b = this.buf;
          for (let j = 0; j < len; j++) {
            const x = b[s + j];
            const y = b[p + j];
            if (x !== y && !(n.caseless && fold(x) === fold(y))) return -1;
          }
          return next(p + len);
        };
      }
      case 'assert':
        return this.assertion(n.kind, next);
    }
  }

  private run(tables: Uint8Array[], next: M): M {
    const n = tables.length;
    return (p) => {
      if (!this.tick() || p + n > this.end) return -1;
      const b = this.buf;
      for (let j = 0; j < n; j++) if (tables[j][b[p + j]] === 0) return -1;
      return next(p + n);
    };
  }

  private capture(index: number, body: Node, next: M): M {
    const i = 2 * index;
    let pending = -1;
    const close: M = (p) => {
      const os = this.caps[i];
      const oe = this.caps[i + 1];
      this.caps[i] = pending;
      this.caps[i + 1] = p;
      const r = next(p);
      if (r < 0) {
        this.caps[i] = os;
        this.caps[i + 1] = oe;
      }
      return r;
    };
    const inner = this.compile(body, close);
    return (p) => {
      const saved = pending;
      pending = p;
      const r = inner(p);
      pending = saved;
      return r;
    };
  }

  private lookbehind(body: Node, negated: boolean, next: M): M {
    const alts = body.t === 'alt' ? body.alts : [body];
    let target = -1;
    const parts = alts.map((a) => ({
      len: fixedLen(a),
      m: this.compile(a, (q) => (q === target ? q : -1)),
    }));
    return (p) => {
      let found = false;
      const saved = target;
      target = p;
      for (const { len, m } of parts) {
        if (p - len < this.start) continue;
        if (m(p - len) >= 0) {
          found = true;
          break;
        }
        if (this.aborted) break;
      }
      target = saved;
      if (this.aborted) return -1;
      return found !== negated ? next(p) : -1;
    };
  }

  /** A repeated unit of `unit.length` bytes (one table per byte): loops, no recursion per repetition. */
  private byteRepeat(
    unit: Uint8Array[],
    n: { min: number; max: number; greedy: boolean; possessive: boolean },
    next: M,
  ): M {
    const { min, max, greedy, possessive } = n;
    const w = unit.length;
    /** Whether the unit matches at q. */
    const one = (q: number): boolean => {
      if (q + w > this.end) return false;
      const b = this.buf;
      for (let j = 0; j < w; j++) if (unit[j][b[q + j]] === 0) return false;
      return true;
    };
    if (greedy) {
      return (p) => {
        if (!this.tick()) return -1;
        let k = 0;
        while (k < max && one(p + k * w)) k++;
        if (k < min) return -1;
        if (possessive) return next(p + k * w);
        for (; k >= min; k--) {
          const r = next(p + k * w);
          if (r >= 0) return r;
          if (this.aborted || !this.tick()) return -1;
        }
        return -1;
      };
    }
    return (p) => {
      if (!this.tick()) return -1;
      let k = 0;
      for (; k < min; k++) if (!one(p + k * w)) return -1;
      for (;;) {
        const r = next(p + k * w);
        if (r >= 0) return r;
        if (this.aborted || !this.tick()) return -1;
        if (k >= max || !one(p + k * w)) return -1;
        k++;
      }
    };
  }

  /** A repeated group: each repetition recurses (the continuation of the body is the next repetition). */
  private groupRepeat(n: { body: Node; min: number; max: number; greedy: boolean }, next: M): M {
    const { min, max, greedy } = n;
    let count = 0;
    let iterStart = -1;
    const again = (p: number): number => {
      // An empty repetition ends the loop (as PCRE does), once the minimum is reached.
      if (p === iterStart && count >= min) return -1;
      const sc = count;
      const ss = iterStart;
      count++;
      const r = tryMore(p);
      count = sc;
      iterStart = ss;
      return r;
    };
    const body = this.compile(n.body, again);
    const iterate = (p: number): number => {
      if (++this.depth > MAX_DEPTH) {
        this.aborted = true;
        this.depth--;
        return -1;
      }
      const ss = iterStart;
      iterStart = p;
      const r = body(p);
      iterStart = ss;
      this.depth--;
      return r;
    };
    const tryMore = (p: number): number => {
      if (!this.tick()) return -1;
      if (count < min) return iterate(p);
      if (greedy) {
        if (count < max) {
          const r = iterate(p);
          if (r >= 0 || this.aborted) return r;
        }
        return next(p);
      }
      const r = next(p);
      if (r >= 0 || this.aborted) return r;
      return count < max ? iterate(p) : -1;
    };
    return (p) => {
      const sc = count;
      const ss = iterStart;
      count = 0;
      iterStart = -1;
      const r = tryMore(p);
      count = sc;
      iterStart = ss;
      return r;
    };
  }

  private assertion(kind: string, next: M): M {
    const at =
      (test: (p: number) => boolean): M =>
      (p) =>
        test(p) ? next(p) : -1;
    const nl = 0x0a;
    switch (kind) {
      case 'start':
        return at((p) => p === this.start);
      case 'line-start':
        return at((p) => p === this.start || (this.buf[p - 1] === nl && p < this.end));
      case 'end':
        return at((p) => p === this.end);
      case 'end-or-final-newline':
        return at((p) => p === this.end || (p === this.end - 1 && this.buf[p] === nl));
      case 'line-end':
        return at((p) => p === this.end || this.buf[p] === nl);
      default: {
        const want = kind === 'word-boundary';
        return at((p) => {
          const before = p > this.start && isWord(this.buf[p - 1]);
          const after = p < this.end && isWord(this.buf[p]);
          return (before !== after) === want;
        });
      }
    }
  }
}

/** The byte tables of a body that is only a run of single bytes (no captures, no alternatives), or undefined. */
function byteRun(n: Node): Uint8Array[] | undefined {
  if (n.t === 'set') return [n.set.table()];
  if (n.t === 'group' && n.index === 0) return byteRun(n.body);
  if (n.t !== 'seq' || n.items.length === 0) return undefined;
  const out: Uint8Array[] = [];
  for (const x of n.items) {
    const r = byteRun(x);
    if (!r) return undefined;
    out.push(...r);
  }
  return out;
}

function fixedLen(n: Node): number {
  switch (n.t) {
    case 'set':
      return 1;
    case 'seq':
      return n.items.reduce((s, x) => s + fixedLen(x), 0);
    case 'alt':
      return fixedLen(n.alts[0]);
    case 'group':
    case 'atomic':
      return fixedLen(n.body);
    case 'repeat':
      return n.min * fixedLen(n.body);
    default:
      return 0;
  }
}

/** Whether every match must start at the subject's start (a leading ^ without multiline, \A). */
function startsAnchored(n: Node): boolean {
  switch (n.t) {
    case 'assert':
      return n.kind === 'start';
    case 'seq':
      return n.items.length > 0 && startsAnchored(n.items[0]);
    case 'alt':
      return n.alts.every(startsAnchored);
    case 'group':
    case 'atomic':
      return startsAnchored(n.body);
    default:
      return false;
  }
}
