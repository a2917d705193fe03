/**
 * Longest-prefix match over IPv4 and IPv6 prefixes. One hash map per prefix length present, probed from the
 * longest length down. Keys are numbers taken from the words — no strings, no bigints, nothing allocated on
 * the lookup path (`get`). IPv6 keys longer than one word nest one map per word.
 *
 * IPv4 adds a hint per /16 block: a bit for each prefix length that has an entry reaching into the block.
 * A lookup probes only those lengths — none for most addresses not listed — where probing every length
 * DROP uses (/10…/24, about fifteen) cost one hash probe each.
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
  /** IPv4 entries by prefix length (0…32), keyed by the network as a uint32. */
  private readonly v4: Array<Map<number, T> | undefined> = new Array<Map<number, T> | undefined>(33);
  /** Per /16 block, bit L−1 set when some /L (L ≥ 1) entry covers part of the block; allocated on first use. */
  private hint4: Uint32Array | undefined;
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
      const len = prefix.length;
      const key = prefix.words[3] >>> 0;
      let m = this.v4[len];
      if (!m) m = this.v4[len] = new Map();
      const old = m.get(key);
      if (old === undefined) {
        this.count++;
        if (len > 0) {
          const hint = (this.hint4 ??= new Uint32Array(65536));
          const first = key >>> 16;
          const blocks = len >= 16 ? 1 : 1 << (16 - len);
          for (let b = first; b < first + blocks; b++) hint[b] |= 1 << (len - 1);
        }
      }
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
      const a = w[3] >>> 0;
      let lengths = this.hint4 ? this.hint4[a >>> 16] : 0;
      if (networksOnly) lengths &= 0x7fffffff;
      while (lengths !== 0) {
        const len = 32 - Math.clz32(lengths);
        const v = this.v4[len]!.get((a & MASKS[len]) >>> 0);
        if (v !== undefined) {
          this.hitLength = len;
          return v;
        }
        lengths &= ~(1 << (len - 1));
      }
      const all = this.v4[0]?.get(0);
      if (all !== undefined) this.hitLength = 0;
      return all;
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
