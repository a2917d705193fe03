/**
 * ERSPAN (Cisco's encapsulated remote SPAN, carried in GRE): type II has an 8-byte header (version 1), type III a
 * 12-byte header (version 2) plus an 8-byte platform sub-header when the O flag is set. The mirrored Ethernet
 * frame follows. Type II's VLAN field (the mirrored frame's VLAN) is kept as a VLAN of the inner packet, as
 * Suricata does; type III's is not (Suricata does not decode type III).
 */
import { ERSPAN_HEADER_TOO_SMALL, ERSPAN_UNSUPPORTED_VERSION, setAnomaly } from './anomalies.js';
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { L_ERROR, L_ETHERNET } from './layers.js';

export function decodeErspan2(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  if (c.end - off < 8) return c.short(pkt, ERSPAN_HEADER_TOO_SMALL);
  if (c.buf[off] >> 4 !== 1) {
    setAnomaly(pkt, ERSPAN_UNSUPPORTED_VERSION);
    return L_ERROR;
  }
  // The mirrored frame's VLAN, when the switch removed its tag: a VLAN layer of the inner packet, as Suricata
  // adds it.
  const vlan = ((c.buf[off] & 0x0f) << 8) | c.buf[off + 1];
  if (vlan !== 0 && pkt.vlanCount < 3) pkt.vlan[pkt.vlanCount++] = vlan;
  c.off = off + 8;
  return L_ETHERNET;
}

export function decodeErspan3(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  if (c.end - off < 12) return c.short(pkt, ERSPAN_HEADER_TOO_SMALL);
  const b = c.buf;
  if (b[off] >> 4 !== 2) {
    setAnomaly(pkt, ERSPAN_UNSUPPORTED_VERSION);
    return L_ERROR;
  }
  let hlen = 12;
  if ((b[off + 11] & 1) !== 0) hlen += 8;
  if (c.end - off < hlen) return c.short(pkt, ERSPAN_HEADER_TOO_SMALL);
  c.off = off + hlen;
  return L_ETHERNET;
}
