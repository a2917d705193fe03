/**
 * Sets of byte values (0–255) for the PCRE front-end. PCRE without UTF mode matches code units 0–255 and folds case
 * for ASCII letters only (its default C-locale tables); every class, escape and case rule becomes one of these sets,
 * so both engines see exactly PCRE's meaning.
 */
/** Lookup tables by set: patterns repeat the same classes (\s, [0-9a-f], one letter both cases …). */
const TABLES = new Map<string, Uint8Array>();

export class CharSet {
  readonly bits = new Uint32Array(8);

  static of(...codes: number[]): CharSet {
    const s = new CharSet();
    for (const c of codes) s.add(c);
    return s;
  }

  static range(lo: number, hi: number): CharSet {
    return new CharSet().addRange(lo, hi);
  }

  add(c: number): this {
    this.bits[c >>> 5] |= 1 << (c & 31);
    return this;
  }

  addRange(lo: number, hi: number): this {
    for (let c = lo; c <= hi; c++) this.add(c);
    return this;
  }

  addSet(o: CharSet): this {
    for (let i = 0; i < 8; i++) this.bits[i] |= o.bits[i];
    return this;
  }

  has(c: number): boolean {
    return (this.bits[c >>> 5] & (1 << (c & 31))) !== 0;
  }

  negate(): CharSet {
    const s = new CharSet();
    for (let i = 0; i < 8; i++) s.bits[i] = ~this.bits[i];
    return s;
  }

  intersects(o: CharSet): boolean {
    for (let i = 0; i < 8; i++) if ((this.bits[i] & o.bits[i]) !== 0) return true;
    return false;
  }

  /** The set with both cases of every ASCII letter in it (PCRE's caseless matching without UTF). */
  caseless(): CharSet {
    const s = new CharSet().addSet(this);
    for (let c = 0x41; c <= 0x5a; c++) {
      if (this.has(c) || this.has(c + 0x20)) s.add(c).add(c + 0x20);
    }
    return s;
  }

  size(): number {
    let n = 0;
    for (let i = 0; i < 8; i++) {
      let v = this.bits[i];
      while (v !== 0) {
        v &= v - 1;
        n++;
      }
    }
    return n;
  }

  /** The single member, or -1. */
  single(): number {
    if (this.size() !== 1) return -1;
    for (let c = 0; c < 256; c++) if (this.has(c)) return c;
    return -1;
  }

  /** A 256-entry lookup table (the backtracking engine's hot test); equal sets share one. */
  table(): Uint8Array {
    const key = this.bits.join(',');
    let t = TABLES.get(key);
    if (!t) {
      t = new Uint8Array(256);
      for (let c = 0; c < 256; c++) t[c] = this.has(c) ? 1 : 0;
      TABLES.set(key, t);
    }
    return t;
  }
}

const DIGIT = CharSet.range(0x30, 0x39);
const WORD = CharSet.range(0x30, 0x39).addRange(0x41, 0x5a).addRange(0x61, 0x7a).add(0x5f);
/** \s: HT, LF, VT, FF, CR and space (PCRE2 includes VT, as Perl 5.18 does). */
const SPACE = CharSet.of(0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20);
/** \h in 8-bit non-UTF mode: HT, space, NBSP. */
const HSPACE = CharSet.of(0x09, 0x20, 0xa0);
/** \v in 8-bit non-UTF mode: LF, VT, FF, CR, NEL. */
const VSPACE = CharSet.of(0x0a, 0x0b, 0x0c, 0x0d, 0x85);

// The negated classes made once: patterns are parsed at every rule load, and parsed sets are never changed.
const NOT_DIGIT = DIGIT.negate();
const NOT_WORD = WORD.negate();
const NOT_SPACE = SPACE.negate();
const NOT_HSPACE = HSPACE.negate();
const NOT_VSPACE = VSPACE.negate();
const NOT_NEWLINE = CharSet.of(0x0a).negate();

/** The class escapes \d \D \w \W \s \S \h \H \v \V \N, or undefined for another letter. */
export function escapeClass(letter: string): CharSet | undefined {
  switch (letter) {
    case 'd':
      return DIGIT;
    case 'D':
      return NOT_DIGIT;
    case 'w':
      return WORD;
    case 'W':
      return NOT_WORD;
    case 's':
      return SPACE;
    case 'S':
      return NOT_SPACE;
    case 'h':
      return HSPACE;
    case 'H':
      return NOT_HSPACE;
    case 'v':
      return VSPACE;
    case 'V':
      return NOT_VSPACE;
    case 'N':
      return NOT_NEWLINE;
    default:
      return undefined;
  }
}

export const WORD_CHARS = WORD;

/** POSIX classes inside brackets ([:alpha:]), in the C locale. */
export function posixClass(name: string): CharSet | undefined {
  const r = (lo: string, hi: string): CharSet => CharSet.range(lo.charCodeAt(0), hi.charCodeAt(0));
  switch (name) {
    case 'alpha':
      return r('a', 'z').addSet(r('A', 'Z'));
    case 'digit':
      return DIGIT;
    case 'alnum':
      return r('a', 'z').addSet(r('A', 'Z')).addSet(DIGIT);
    case 'upper':
      return r('A', 'Z');
    case 'lower':
      return r('a', 'z');
    case 'space':
      return SPACE;
    case 'blank':
      return CharSet.of(0x09, 0x20);
    case 'punct': {
      const s = new CharSet();
      for (let c = 0x21; c <= 0x7e; c++) if (!WORD.has(c) || c === 0x5f) s.add(c);
      return s;
    }
    case 'xdigit':
      return DIGIT.caseless().addSet(r('a', 'f')).addSet(r('A', 'F'));
    case 'word':
      return WORD;
    case 'cntrl':
      return CharSet.range(0, 0x1f).add(0x7f);
    case 'print':
      return CharSet.range(0x20, 0x7e);
    case 'graph':
      return CharSet.range(0x21, 0x7e);
    case 'ascii':
      return CharSet.range(0, 0x7f);
    default:
      return undefined;
  }
}
