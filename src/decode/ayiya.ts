/**
 * AYIYA ("Anything In Anything", SixXS tunnels) on UDP 5072: an 8-byte header, an identity and a signature whose
 * sizes the header gives, then an IPv6 or IPv4 packet. Only forward (opcode 1) packets carry one.
 */
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { L_DONE, L_IPV4, L_IPV6 } from './layers.js';

const OPCODE_FORWARD = 1;

export function decodeAyiya(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  const b = c.buf;
  if (c.end - off < 8) return L_DONE;
  const idLen = 1 << (b[off] >> 4);
  const sigLen = (b[off + 1] >> 4) << 2;
  const opcode = b[off + 2] & 15;
  const nh = b[off + 3];
  const hlen = 8 + idLen + sigLen;
  if (opcode !== OPCODE_FORWARD || c.end - off < hlen + 20) return L_DONE;
  const v = b[off + hlen] >> 4;
  let next: number;
  if (nh === 41 && v === 6) next = L_IPV6;
  else if (nh === 4 && v === 4) next = L_IPV4;
  else return L_DONE;
  if (!c.enterTunnel(pkt)) return L_DONE;
  c.off = off + hlen;
  return next;
}
