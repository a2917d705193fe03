/**
 * Where each synthetic server name lives: a stable address per name in the documentation ranges
 * (RFC 5737 for IPv4, RFC 3849 for IPv6), shared by every scenario so the DNS answers for a name are
 * the addresses the TLS and HTTP clients then connect to. Hashed names land in .100–.249; fixed hosts
 * (resolver, scan target, telnet victim) sit below .100.
 */
import { remoteHost, type Host } from './address.js';

function nameHash(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 31) + name.charCodeAt(i)) >>> 0;
  return h;
}

export function serverAddress(name: string, v6: boolean): string {
  const h = nameHash(name.toLowerCase());
  if (v6)
    return `2001:db8:${(0x100 + (h & 0xeff)).toString(16)}::${(((h >>> 12) & 0xfffe) + 1).toString(16)}`;
  const net = ['203.0.113', '198.51.100', '192.0.2'][h % 3];
  return `${net}.${100 + ((h >>> 4) % 150)}`;
}

/** The server as a LAN capture sees it: behind the gateway, TTL lowered by the hops on the way. */
export function serverHost(name: string, v6: boolean): Host {
  const hops = 6 + (nameHash(name) % 10);
  return remoteHost(serverAddress(name, v6), 64, hops);
}
