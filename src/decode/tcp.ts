/** TCP (RFC 9293): ports, flags, sequence numbers and window; options are skipped. */
import { TCP_HLEN_TOO_SMALL, TCP_INVALID_OPTLEN, TCP_PKT_TOO_SMALL, setAnomaly } from './anomalies.js';
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { L_DONE, L_ERROR } from './layers.js';
import { checkTcpOptions } from './tcp-options.js';

export function decodeTcp(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  const b = c.buf;
  const avail = c.end - off;
  pkt.payloadOff = off + avail;
  pkt.payloadLen = 0;
  if (avail < 20) {
    // The ports are still worth having when the capture kept them.
    if (avail >= 4) {
      pkt.srcPort = (b[off] << 8) | b[off + 1];
      pkt.dstPort = (b[off + 2] << 8) | b[off + 3];
    }
    return c.short(pkt, TCP_PKT_TOO_SMALL);
  }
  pkt.srcPort = (b[off] << 8) | b[off + 1];
  pkt.dstPort = (b[off + 2] << 8) | b[off + 3];
  pkt.tcpSeq = ((b[off + 4] << 24) | (b[off + 5] << 16) | (b[off + 6] << 8) | b[off + 7]) >>> 0;
  pkt.tcpAck = ((b[off + 8] << 24) | (b[off + 9] << 16) | (b[off + 10] << 8) | b[off + 11]) >>> 0;
  const hlen = (b[off + 12] >> 4) << 2;
  pkt.tcpFlags = b[off + 13];
  pkt.tcpWindow = (b[off + 14] << 8) | b[off + 15];
  // Suricata's names: a data offset under 5 words leaves an impossible option length (`invalid_optlen`); a
  // header longer than the segment is `hlen_too_small` (the segment is too small for its header).
  if (hlen < 20) {
    setAnomaly(pkt, TCP_INVALID_OPTLEN);
    return L_ERROR;
  }
  if (hlen > c.l4Claim) {
    setAnomaly(pkt, TCP_HLEN_TOO_SMALL);
    return L_ERROR;
  }
  if (hlen > avail) return c.short(pkt, TCP_HLEN_TOO_SMALL);
  if (hlen > 20) checkTcpOptions(b, off + 20, off + hlen, pkt);
  pkt.payloadOff = off + hlen;
  pkt.payloadLen = avail - hlen;
  return L_DONE;
}
