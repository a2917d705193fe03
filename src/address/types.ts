/**
 * The one address representation of moat: four unsigned 32-bit words, most significant first, with IPv4
 * stored IPv4-mapped (0, 0, 0xffff, a.b.c.d — RFC 4291 §2.5.5.2). The decoder writes packets' addresses in
 * this form into reused Uint32Arrays, so every function here works on the words in place and none needs an
 * object per address.
 */

export type IpVersion = 4 | 6;

/** Four uint32 words, most significant first; IPv4 as ::ffff:a.b.c.d. Usually a Uint32Array(4). */
export type IpWords = ArrayLike<number>;

/** A parsed address: its family and its words. IPv4-mapped IPv6 text parses as IPv4 (the node it names). */
export interface Ip {
  readonly version: IpVersion;
  readonly words: Uint32Array;
}

/** Text that is not an address or prefix; `text` is what was given, `reason` what is wrong with it. */
export class AddressError extends Error {
  constructor(
    readonly text: string,
    readonly reason: string,
    what = 'an IP address',
  ) {
    super(`'${text.length > 80 ? `${text.slice(0, 80)}…` : text}' is not ${what}: ${reason}`);
    this.name = 'AddressError';
  }
}

/** True when the words are an IPv4 address (the ::ffff:0:0/96 range). */
export function isIpv4Words(w: IpWords): boolean {
  return w[2] === 0xffff && w[1] === 0 && w[0] === 0;
}

/** The family the words belong to: 4 inside ::ffff:0:0/96, else 6. */
export function ipFamily(w: IpWords): IpVersion {
  return isIpv4Words(w) ? 4 : 6;
}

/** Words of an IPv4 address given as a uint32. */
export function ipv4Words(n: number, out: Uint32Array = new Uint32Array(4)): Uint32Array {
  out[0] = 0;
  out[1] = 0;
  out[2] = 0xffff;
  out[3] = n >>> 0;
  return out;
}
