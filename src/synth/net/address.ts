/** Textual IPv4/IPv6 addresses to bytes, and per-host MAC addresses, for the synthetic hosts. */

export interface Host {
  /** 4 bytes (IPv4) or 16 bytes (IPv6). */
  ip: Buffer;
  mac: Buffer;
  /** Initial TTL / hop limit the host's stack uses (64 Linux, 128 Windows, 255 network gear). */
  ttl: number;
  /** Text form, for the manifest. */
  text: string;
}

export function ipv4(text: string): Buffer {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`synth: bad IPv4 address "${text}"`);
  }
  return Buffer.from(parts);
}

export function ipv6(text: string): Buffer {
  const halves = text.split('::');
  if (halves.length > 2) throw new Error(`synth: bad IPv6 address "${text}"`);
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = 8 - head.length - tail.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) throw new Error(`synth: bad IPv6 address "${text}"`);
  const groups = [...head, ...new Array<string>(fill).fill('0'), ...tail];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
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
