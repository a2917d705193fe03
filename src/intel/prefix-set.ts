/**
 * Longest-prefix match over IPv4 and IPv6 prefixes. One hash map per prefix length present, probed from
 * the longest length down: a lookup costs one masked-key probe per distinct length (feeds use a handful:
 * /32 for IP lists, /8…/24 for DROP), with numeric keys only — no strings on the lookup path.
 */
import { maskV4, maskV6, type IpAddress, type IpPrefix } from './address.js';

export class PrefixSet<T> {
  private readonly v4 = new Map<number, Map<number, T>>();
  private readonly v6 = new Map<number, Map<bigint, T>>();
  private v4Lengths: number[] = [];
  private v6Lengths: number[] = [];
  /** The maps in v4Lengths order, so a lookup walks arrays, not the outer map. */
  private v4ByLength: Map<number, T>[] = [];
  private v4Masks = new Uint32Array(0);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds a prefix; an existing value for the same prefix is passed to `merge` (default: replaced). */
  add(prefix: IpPrefix, value: T, merge?: (old: T, value: T) => T): void {
    if (prefix.v === 4) {
      let m = this.v4.get(prefix.len);
      if (!m) {
        m = new Map();
        this.v4.set(prefix.len, m);
        this.v4Lengths = [...this.v4.keys()].sort((a, b) => b - a);
        this.v4ByLength = this.v4Lengths.map((l) => this.v4.get(l)!);
        this.v4Masks = Uint32Array.from(this.v4Lengths, (l) =>
          l === 0 ? 0 : (0xffffffff << (32 - l)) >>> 0,
        );
      }
      const key = prefix.n as number;
      const old = m.get(key);
      if (old === undefined) this.count++;
      m.set(key, old !== undefined && merge ? merge(old, value) : value);
    } else {
      let m = this.v6.get(prefix.len);
      if (!m) {
        m = new Map();
        this.v6.set(prefix.len, m);
        this.v6Lengths = [...this.v6.keys()].sort((a, b) => b - a);
      }
      const key = prefix.n as bigint;
      const old = m.get(key);
      if (old === undefined) this.count++;
      m.set(key, old !== undefined && merge ? merge(old, value) : value);
    }
  }

  /** The value of the longest prefix holding `ip`, with that prefix's length; undefined when none. */
  lookup(ip: IpAddress): { value: T; len: number } | undefined {
    if (ip.v === 4) {
      const maps = this.v4ByLength;
      const masks = this.v4Masks;
      for (let i = 0; i < maps.length; i++) {
        const v = maps[i].get((ip.n & masks[i]) >>> 0);
        if (v !== undefined) return { value: v, len: this.v4Lengths[i] };
      }
      return undefined;
    }
    for (const len of this.v6Lengths) {
      const v = this.v6.get(len)!.get(maskV6(ip.n, len));
      if (v !== undefined) return { value: v, len };
    }
    return undefined;
  }

  /** Like lookup but ignores exact host entries (/32, /128): "is the network around it listed?". */
  lookupNetwork(ip: IpAddress): { value: T; len: number } | undefined {
    const lengths = ip.v === 4 ? this.v4Lengths : this.v6Lengths;
    const max = ip.v === 4 ? 32 : 128;
    for (const len of lengths) {
      if (len === max) continue;
      const v =
        ip.v === 4 ? this.v4.get(len)!.get(maskV4(ip.n, len)) : this.v6.get(len)!.get(maskV6(ip.n, len));
      if (v !== undefined) return { value: v, len };
    }
    return undefined;
  }
}
