/** VXLAN (RFC 7348) on UDP 4789: an 8-byte header, then the inner Ethernet frame. */
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { L_DONE, L_ETHERNET } from './layers.js';

const VXLAN_FLAG_VNI = 0x08;

export function decodeVxlan(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  // Too short for a header plus a frame, or without the valid-VNI flag: an ordinary datagram to that port.
  if (c.end - off < 8 + 14 || (c.buf[off] & VXLAN_FLAG_VNI) === 0) return L_DONE;
  if (!c.enterTunnel(pkt)) return L_DONE;
  c.off = off + 8;
  return L_ETHERNET;
}
