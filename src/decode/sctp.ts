/** SCTP common header: only the ports (flows and Community ID key on them); chunks are not decoded. */
import { SCTP_PKT_TOO_SMALL } from './anomalies.js';
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { L_DONE } from './layers.js';

export function decodeSctp(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  const b = c.buf;
  const avail = c.end - off;
  pkt.payloadOff = off + avail;
  pkt.payloadLen = 0;
  if (avail < 12) return c.short(pkt, SCTP_PKT_TOO_SMALL);
  pkt.srcPort = (b[off] << 8) | b[off + 1];
  pkt.dstPort = (b[off + 2] << 8) | b[off + 3];
  pkt.payloadOff = off + 12;
  pkt.payloadLen = avail - 12;
  return L_DONE;
}
