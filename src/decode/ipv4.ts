/**
 * IPv4 (RFC 791). The header checksum is not verified (captures from offloading NICs carry zeros); options are
 * skipped. Fragments go to the reassembler; a completed datagram is decoded again from its reassembly buffer.
 */
import {
  IPV4_HLEN_TOO_SMALL,
  IPV4_IPLEN_SMALLER_THAN_HLEN,
  IPV4_PKT_TOO_SMALL,
  IPV4_TRUNC_PKT,
  IPV4_WRONG_IP_VER,
  setAnomaly,
} from './anomalies.js';
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { FRAG_HELD } from './ip-reassembly.js';
import { nextForIpProto } from './ip-proto.js';
import { L_DONE, L_ERROR, L_HELD, L_IPV4 } from './layers.js';

export function decodeIpv4(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  const b = c.buf;
  const avail = c.end - off;
  if (avail < 20) return c.short(pkt, IPV4_PKT_TOO_SMALL);
  const vhl = b[off];
  if (vhl >> 4 !== 4) {
    setAnomaly(pkt, IPV4_WRONG_IP_VER);
    return L_ERROR;
  }
  const hlen = (vhl & 15) << 2;
  if (hlen < 20) {
    setAnomaly(pkt, IPV4_HLEN_TOO_SMALL);
    return L_ERROR;
  }
  let totalLen = (b[off + 2] << 8) | b[off + 3];
  // Total length 0 is what TCP segmentation offload leaves in captures taken on the sending host: the
  // captured length is the real one (Wireshark does the same).
  if (totalLen === 0) totalLen = avail;
  if (totalLen < hlen) {
    setAnomaly(pkt, IPV4_IPLEN_SMALLER_THAN_HLEN);
    return L_ERROR;
  }
  // Fewer bytes than the header announces, and not because the capture's snap length cut them: the packet is
  // invalid at the IP layer (Suricata decodes no further and keeps no addresses).
  if (totalLen > avail && !c.capCut && !pkt.truncated) {
    setAnomaly(pkt, IPV4_TRUNC_PKT);
    return L_ERROR;
  }
  pkt.ipVersion = 4;
  pkt.ipId = (b[off + 4] << 8) | b[off + 5];
  pkt.ttl = b[off + 8];
  const proto = b[off + 9];
  pkt.proto = proto;
  const src = pkt.src;
  src[0] = 0;
  src[1] = 0;
  src[2] = 0xffff;
  src[3] = ((b[off + 12] << 24) | (b[off + 13] << 16) | (b[off + 14] << 8) | b[off + 15]) >>> 0;
  const dst = pkt.dst;
  dst[0] = 0;
  dst[1] = 0;
  dst[2] = 0xffff;
  dst[3] = ((b[off + 16] << 24) | (b[off + 17] << 16) | (b[off + 18] << 8) | b[off + 19]) >>> 0;
  pkt.buf = b;
  pkt.l3Off = off;
  pkt.srcPort = 0;
  pkt.dstPort = 0;
  pkt.tcpFlags = 0;
  pkt.icmpType = 0;
  pkt.icmpCode = 0;
  c.ipDepth = pkt.tunnelDepth;

  let dataEnd = off + totalLen;
  if (dataEnd > c.end) {
    // Fewer bytes than the header announces: decode what is there.
    if (!c.capCut) setAnomaly(pkt, IPV4_TRUNC_PKT);
    pkt.truncated = true;
    dataEnd = c.end;
  }
  const dataOff = off + hlen;
  if (dataOff > dataEnd) {
    pkt.payloadOff = dataEnd;
    pkt.payloadLen = 0;
    if (!c.capCut) setAnomaly(pkt, IPV4_TRUNC_PKT);
    pkt.truncated = true;
    return L_DONE;
  }
  pkt.payloadOff = dataOff;
  pkt.payloadLen = dataEnd - dataOff;

  const fragField = (b[off + 6] << 8) | b[off + 7];
  const more = (fragField & 0x2000) !== 0;
  const fragOffset = (fragField & 0x1fff) << 3;
  if (more || fragOffset !== 0) {
    // A truncated fragment cannot be reassembled; it stands alone at the IP layer.
    if (pkt.truncated) return L_DONE;
    const n = c.reassembler.addIpv4(b, off, hlen, dataOff, dataEnd, fragOffset, more, pkt, c.outIndex);
    if (n === FRAG_HELD) return L_HELD;
    if (n < 0) return L_ERROR;
    c.outIndex++;
    c.buf = c.reassembler.output;
    c.off = 0;
    c.end = n;
    return L_IPV4;
  }

  c.off = dataOff;
  c.end = dataEnd;
  c.l4Claim = totalLen - hlen;
  return nextForIpProto(c, pkt, proto);
}
