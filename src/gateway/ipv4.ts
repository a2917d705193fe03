/**
 * IPv4 prefixes as the gateway's configuration uses them (a zone's subnet, its gateway address, DHCP ranges).
 * Addresses are parsed by the engine's one address parser; the gateway only needs the 32-bit value to compare
 * and mask, so it keeps that number beside the canonical text.
 */
import { formatIp, tryParseIp } from '../address/index.js';

export interface Ipv4 {
  /** The address as an unsigned 32-bit number. */
  readonly n: number;
  readonly text: string;
}

export interface Ipv4Prefix {
  /** The host address written with the prefix (the gateway's own address in its zone). */
  readonly address: Ipv4;
  readonly prefix: number;
  /** Network address (host bits zero). */
  readonly network: Ipv4;
  readonly broadcast: Ipv4;
  /** Dotted netmask, e.g. 255.255.255.0 (dnsmasq's form). */
  readonly netmask: string;
  /** Network/prefix, e.g. 192.168.1.0/24. */
  readonly subnet: string;
}

function fromNumber(n: number): Ipv4 {
  const words = new Uint32Array([0, 0, 0xffff, n >>> 0]);
  return { n: n >>> 0, text: formatIp(words, 4) };
}

export function parseIpv4(text: string): Ipv4 | undefined {
  const ip = tryParseIp(text.trim());
  if (!ip || ip.version !== 4) return undefined;
  return fromNumber(ip.words[3]);
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** `a.b.c.d/len`; undefined when either part is malformed. */
export function parseIpv4Prefix(text: string): Ipv4Prefix | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m) return undefined;
  const address = parseIpv4(m[1]);
  const prefix = Number(m[2]);
  if (!address || prefix > 32) return undefined;
  const mask = maskOf(prefix);
  const network = fromNumber(address.n & mask);
  const broadcast = fromNumber((address.n | ~mask) >>> 0);
  return {
    address,
    prefix,
    network,
    broadcast,
    netmask: fromNumber(mask).text,
    subnet: `${network.text}/${prefix}`,
  };
}

export function prefixContains(p: Ipv4Prefix, ip: Ipv4): boolean {
  const mask = maskOf(p.prefix);
  return (ip.n & mask) >>> 0 === p.network.n;
}

export function prefixesOverlap(a: Ipv4Prefix, b: Ipv4Prefix): boolean {
  return prefixContains(a, b.network) || prefixContains(b, a.network);
}
