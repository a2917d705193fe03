/** 802.2 LLC: only SNAP with the zero OUI carries an ethertype (RFC 1042); STP, NetBIOS and the rest are not IP. */
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { nextForEthertype } from './ethertype.js';
import { L_NOT_IP } from './layers.js';

export function decodeLlc(c: DecodeCursor, _pkt: DecodedPacket): number {
  const off = c.off;
  const b = c.buf;
  if (c.end - off < 8) return L_NOT_IP;
  if (b[off] !== 0xaa || b[off + 1] !== 0xaa || b[off + 2] !== 0x03) return L_NOT_IP;
  if (b[off + 3] !== 0 || b[off + 4] !== 0 || b[off + 5] !== 0) return L_NOT_IP;
  c.off = off + 8;
  return nextForEthertype((b[off + 6] << 8) | b[off + 7]);
}
