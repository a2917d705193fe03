/** Cisco HDLC (LINKTYPE_C_HDLC 104): address, control, then an ethertype. */
import { CHDLC_PKT_TOO_SMALL } from './anomalies.js';
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { nextForEthertype } from './ethertype.js';

export function decodeChdlc(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  if (c.end - off < 4) return c.short(pkt, CHDLC_PKT_TOO_SMALL);
  c.off = off + 4;
  return nextForEthertype((c.buf[off + 2] << 8) | c.buf[off + 3]);
}
