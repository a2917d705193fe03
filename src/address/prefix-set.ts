/**
 * Longest-prefix match over IPv4 and IPv6 prefixes. One hash map per prefix length present, probed from the
 * longest length down: a lookup costs one probe per distinct length (feeds use a handful: /32 for IP lists,
 * /8…/24 for DROP). Keys are numbers taken from the words — no strings, no bigints, nothing allocated on
 * the lookup path (`get`). IPv6 keys longer than one word nest one map per word.
 */
import { MASKS, type Cidr } from './cidr.js';
import { isIpv4Words, type IpWords } from './types.js';

export interface PrefixMatch<T> {
  value: T;
  /** Length of the matching prefix within its family. */
  length: number;
}

/** Maps nested per 32-bit word of the key; the last level holds the values. */
type Level = Map<number, unknown>;

export class PrefixSet<T> {
  private readonly v4 = new Map<number, Map<number, T>>();
  /** v4 maps and masks in descending length order, so a lookup walks arrays. */
  private v4Lengths: number[] = [];
  private v4Maps: Map<number, T>[] = [];
  private v4Masks = new Uint32Array(0);
  private readonly v6 = new Map<number, Level>();
  private v6Lengths: number[] = [];
  private v6Roots: Level[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds a prefix; an existing value for the same prefix is passed to `merge` (default: replaced). */
  add(prefix: Cidr, value: T, merge?: (old: T, value: T) => T): void {
    if (prefix.version === 4) {
      let m = this.v4.get(prefix.length);
      if (!m) {
        m = new Map();
        this.v4.set(prefix.length, m);
        this.v4Lengths = [...this.v4.keys()].sort((a, b) => b - a);
        this.v4Maps = this.v4Lengths.map((l) => this.v4.get(l)!);
        this.v4Masks = Uint32Array.from(this.v4Lengths, (l) => MASKS[l]);
      }
      const key = prefix.words[3] >>> 0;
      const old = m.get(key);
      if (old === undefined) this.count++;
      m.set(key, old !== undefined && merge ? merge(old, value) : value);
      return;
    }
    const len = prefix.bits;
    let root = this.v6.get(len);
    if (!root) {
      root = new Map();
      this.v6.set(len, root);
      this.v6Lengths = [...this.v6.keys()].sort((a, b) => b - a);
      this.v6Roots = this.v6Lengths.map((l) => this.v6.get(l)!);
    }
    const depth = len === 0 ? 1 : (len + 31) >>> 5;
    let level = root;
    for (let i = 0; i < depth - 1; i++) {
      const key = prefix.words[i] >>> 0;
      let next = level.get(key) as Level | undefined;
      if (!next) {
        next = new Map();
        level.set(key, next);
      }
      level = next;
    }
    const key = prefix.words[depth - 1] >>> 0;
    const old = level.get(key) as T | undefined;
    if (old === undefined) this.count++;
    level.set(key, old !== undefined && merge ? merge(old, value) : value);
  }

  /** The value of the longest prefix holding the address; undefined when none. Allocates nothing. */
  get(w: IpWords): T | undefined {
    return this.probe(w, false);
  }

  /** The longest prefix holding the address: its value and length. */
  match(w: IpWords): PrefixMatch<T> | undefined {
    const value = this.probe(w, false);
    return value === undefined ? undefined : { value, length: this.hitLength };
  }

  /** Like match, but skips host entries (/32, /128): "is a network around it listed?". */
  matchNetwork(w: IpWords): PrefixMatch<T> | undefined {
    const value = this.probe(w, true);
    return value === undefined ? undefined : { value, length: this.hitLength };
  }

  /** Length (within the family) of the prefix the last successful probe found. */
  private hitLength = 0;

  private probe(w: IpWords, networksOnly: boolean): T | undefined {
    if (isIpv4Words(w)) {
      const maps = this.v4Maps;
      const masks = this.v4Masks;
      const a = w[3];
      for (let i = networksOnly && this.v4Lengths[0] === 32 ? 1 : 0; i < maps.length; i++) {
        const v = maps[i].get((a & masks[i]) >>> 0);
        if (v !== undefined) {
          this.hitLength = this.v4Lengths[i];
          return v;
        }
      }
      return undefined;
    }
    for (let i = networksOnly && this.v6Lengths[0] === 128 ? 1 : 0; i < this.v6Roots.length; i++) {
      const v = this.v6Value(i, w);
      if (v !== undefined) {
        this.hitLength = this.v6Lengths[i];
        return v;
      }
    }
    return undefined;
  }

  private v6Value(i: number, w: IpWords): T | undefined {
    const len = this.v6Lengths[i];
    const full = len >>> 5;
    const rest = len & 31;
    const depth = len === 0 ? 1 : rest ? full + 1 : full;
    let level: Level = this.v6Roots[i];
    for (let d = 0; d < depth; d++) {
      const key = d < full ? w[d] >>> 0 : (w[d] & MASKS[rest]) >>> 0;
      const next = level.get(key);
      if (next === undefined) return undefined;
      if (d === depth - 1) return next as T;
      level = next as Level;
    }
    return undefined;
  }
}
