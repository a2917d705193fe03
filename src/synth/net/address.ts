/** Textual IPv4/IPv6 addresses to bytes, and per-host MAC addresses, for the synthetic hosts. */
import { ipBytes, parseIp } from '../../address/index.js';

export interface Host {
  /** 4 bytes (IPv4) or 16 bytes (IPv6). */
  ip: Buffer;
  mac: Buffer;
  /** Initial TTL / hop limit the host's stack uses (64 Linux, 128 Windows, 255 network gear). */
  ttl: number;
  /** Text form, for the manifest. */
  text: string;
}

/** The 4 bytes of dotted IPv4 text; throws AddressError naming bad text. */
export function ipv4(text: string): Buffer {
  if (text.includes(':')) throw new Error(`synth: '${text}' is not an IPv4 address`);
  return ipBytes(parseIp(text).words, 4);
}

/** The 16 bytes of IPv6 text; throws AddressError naming bad text. */
export function ipv6(text: string): Buffer {
  if (!text.includes(':')) throw new Error(`synth: '${text}' is not an IPv6 address`);
  return ipBytes(parseIp(text).words, 6);
}

/** A locally administered unicast MAC derived from the address, so each host keeps one MAC. */
function macFor(ip: Buffer): Buffer {
  const mac = Buffer.from([0x02, 0x00, 0, 0, 0, 0]);
  for (let i = 0; i < ip.length; i++) mac[2 + (i % 4)] ^= ip[i];
  return mac;
}

/** The router's MAC: every off-link host appears behind it, as on a real gateway's LAN side. */
export const GATEWAY_MAC = Buffer.from([0x02, 0x00, 0x5e, 0x10, 0x00, 0x01]);

export function host(text: string, ttl = 64): Host {
  const ip = text.includes(':') ? ipv6(text) : ipv4(text);
  return { ip, mac: macFor(ip), ttl, text };
}

/** A server seen from the client's LAN: its frames carry the gateway MAC and a TTL already decremented. */
export function remoteHost(text: string, ttl: number, hops: number): Host {
  const h = host(text, ttl - hops);
  return { ...h, mac: GATEWAY_MAC };
}
