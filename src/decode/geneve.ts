/** Geneve (RFC 8926) on UDP 6081: 8 bytes + variable options, then a frame of the announced ethertype. */
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { nextForEthertype } from './ethertype.js';
import { L_DONE } from './layers.js';

export function decodeGeneve(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  const b = c.buf;
  if (c.end - off < 8) return L_DONE;
  // Version 0 is the only one defined; anything else is not Geneve.
  if (b[off] >> 6 !== 0) return L_DONE;
  const hlen = 8 + ((b[off] & 0x3f) << 2);
  if (c.end - off < hlen) return L_DONE;
  if (!c.enterTunnel(pkt)) return L_DONE;
  c.off = off + hlen;
  return nextForEthertype((b[off + 2] << 8) | b[off + 3]);
}
