/**
 * IP addresses as numbers: IPv4 as an unsigned 32-bit number, IPv6 as a 128-bit bigint. IPv4-mapped IPv6
 * (::ffff:a.b.c.d) folds to IPv4 so a feed listing 1.2.3.4 matches a flow seen over a dual-stack socket.
 * Parsing is strict: anything that is not a canonical-enough address returns null, never throws.
 */
export type IpAddress = { v: 4; n: number } | { v: 6; n: bigint };

export interface IpPrefix {
  v: 4 | 6;
  /** Network address, host bits cleared. */
  n: number | bigint;
  len: number;
}

export function parseIpv4(text: string): number | null {
  let value = 0;
  let octets = 0;
  let cur = -1;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46;
    if (c === 46) {
      if (cur < 0 || octets === 4) return null;
      value = value * 256 + cur;
      octets++;
      cur = -1;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      // A leading zero ('010') is ambiguous (octal in some parsers): refuse it.
      if (digits === 1 && cur === 0) return null;
      cur = cur < 0 ? c - 48 : cur * 10 + (c - 48);
      digits++;
      if (cur > 255) return null;
    } else return null;
  }
  return octets === 4 ? value : null;
}

export function parseIpv6(text: string): bigint | null {
  if (text.length < 2 || text.length > 45) return null;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const dbl = text.indexOf('::');
  if (dbl >= 0 && text.indexOf('::', dbl + 1) >= 0) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i];
      if (i === pieces.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (v4 === null) return null;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const head = parseGroups(text.slice(0, dbl));
    const tail = parseGroups(text.slice(dbl + 2));
    if (!head || !tail || head.length + tail.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const g = parseGroups(text);
    if (!g || g.length !== 8) return null;
    groups = g;
  }
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(g);
  return n;
}

const V4_MAPPED_PREFIX = 0xffffn << 32n;

export function parseIp(text: string): IpAddress | null {
  if (text.includes(':')) {
    const n = parseIpv6(text);
    if (n === null) return null;
    if (n >> 32n === 0xffffn) return { v: 4, n: Number(n & 0xffffffffn) };
    return { v: 6, n };
  }
  const n = parseIpv4(text);
  return n === null ? null : { v: 4, n };
}

/** Parses 'a.b.c.d/len', 'x::/len' or a bare address (as a /32 or /128). Host bits are cleared. */
export function parsePrefix(text: string): IpPrefix | null {
  const slash = text.indexOf('/');
  const addrText = slash >= 0 ? text.slice(0, slash) : text;
  const ip = parseIp(addrText);
  if (!ip) return null;
  const mappedV6 = ip.v === 4 && addrText.includes(':');
  const max = ip.v === 4 ? 32 : 128;
  let len = max;
  if (slash >= 0) {
    const l = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(l)) return null;
    len = Number(l);
    if (mappedV6) len -= 96;
    if (len < 0 || len > max) return null;
  }
  if (ip.v === 4) return { v: 4, n: maskV4(ip.n, len), len };
  return { v: 6, n: maskV6(ip.n, len), len };
}

export function maskV4(n: number, len: number): number {
  if (len === 0) return 0;
  return (n & (0xffffffff << (32 - len))) >>> 0;
}

const ALL128 = (1n << 128n) - 1n;
export function maskV6(n: bigint, len: number): bigint {
  if (len === 0) return 0n;
  return n & (ALL128 ^ ((1n << BigInt(128 - len)) - 1n));
}

export function formatIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function formatIpv6(n: bigint): string {
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  // Longest run of zero groups becomes '::' (RFC 5952).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function formatIp(ip: IpAddress): string {
  return ip.v === 4 ? formatIpv4(ip.n) : formatIpv6(ip.n);
}

export function formatPrefix(p: IpPrefix): string {
  const addr = p.v === 4 ? formatIpv4(p.n as number) : formatIpv6(p.n as bigint);
  return `${addr}/${p.len}`;
}

/** The /24 (IPv4) or /48 (IPv6) that holds an address: the neighbourhood used for density and splits. */
export function neighbourhoodKey(ip: IpAddress): string {
  return ip.v === 4 ? `4:${ip.n >>> 8}` : `6:${(ip.n >> 80n).toString(16)}`;
}

export { V4_MAPPED_PREFIX };
