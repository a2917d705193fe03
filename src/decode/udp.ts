/**
 * UDP (RFC 768). Datagrams to the tunnel ports are decoded into their inner packet: VXLAN 4789 (RFC 7348),
 * Geneve 6081 (RFC 8926), GRE-in-UDP 4754 (RFC 8086), Teredo 3544 (RFC 4380), AYIYA 5072,
 * GTP-U 2152, CAPWAP data 5247 (RFC 5415).
 */
import { UDP_LEN_INVALID, UDP_HLEN_TOO_SMALL, UDP_PKT_TOO_SMALL, setAnomaly } from './anomalies.js';
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { L_AYIYA, L_CAPWAP, L_DONE, L_GTPU, L_ERROR, L_GENEVE, L_GRE, L_TEREDO, L_VXLAN } from './layers.js';

export const PORT_VXLAN = 4789;
export const PORT_GENEVE = 6081;
export const PORT_GRE_IN_UDP = 4754;
export const PORT_TEREDO = 3544;
export const PORT_AYIYA = 5072;
export const PORT_GTPU = 2152;
export const PORT_CAPWAP_DATA = 5247;

export function decodeUdp(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  const b = c.buf;
  const avail = c.end - off;
  pkt.payloadOff = off + avail;
  pkt.payloadLen = 0;
  if (avail < 8) {
    if (avail >= 4) {
      pkt.srcPort = (b[off] << 8) | b[off + 1];
      pkt.dstPort = (b[off + 2] << 8) | b[off + 3];
    }
    return c.short(pkt, UDP_HLEN_TOO_SMALL);
  }
  const sp = (b[off] << 8) | b[off + 1];
  const dp = (b[off + 2] << 8) | b[off + 3];
  pkt.srcPort = sp;
  pkt.dstPort = dp;
  let len = (b[off + 4] << 8) | b[off + 5];
  // Length 0 over IPv6 means a jumbogram (RFC 2675); offloaded captures show it too: the IP length stands.
  if (len === 0) len = c.l4Claim;
  // Suricata 8's names: fewer than 8 bytes is `hlen_too_small` (above), a length field under the header's
  // size `len_invalid`, a length past the IP payload `pkt_too_small`.
  if (len < 8) {
    setAnomaly(pkt, UDP_LEN_INVALID);
    return L_ERROR;
  }
  if (len > c.l4Claim) {
    setAnomaly(pkt, UDP_PKT_TOO_SMALL);
    return L_ERROR;
  }
  let end = off + len;
  if (end > c.end) end = c.end;
  const payOff = off + 8;
  pkt.payloadOff = payOff;
  pkt.payloadLen = end - payOff;
  c.off = payOff;
  c.end = end;
  // The tunnel layers check their header and fall back to this datagram when it is not theirs.
  // Either port, as Wireshark does: replies and some encapsulators put the well-known port on the source side.
  if (dp === PORT_VXLAN || sp === PORT_VXLAN) return L_VXLAN;
  if (dp === PORT_GENEVE || sp === PORT_GENEVE) return L_GENEVE;
  if (dp === PORT_GRE_IN_UDP) return L_GRE;
  if (dp === PORT_TEREDO || sp === PORT_TEREDO) return L_TEREDO;
  if (dp === PORT_AYIYA || sp === PORT_AYIYA) return L_AYIYA;
  if (dp === PORT_GTPU || sp === PORT_GTPU) return L_GTPU;
  if (dp === PORT_CAPWAP_DATA || sp === PORT_CAPWAP_DATA) return L_CAPWAP;
  return L_DONE;
}
