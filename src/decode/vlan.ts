/**
 * 802.1Q / 802.1ad tags. Up to three are kept in pkt.vlan, as Suricata does (QinQ and one more); a fourth is
 * decoded through and flagged, and a stack deeper than any real network uses is malformed.
 */
import { setAnomaly, VLAN_HEADER_TOO_SMALL, VLAN_TOO_MANY_LAYERS } from './anomalies.js';
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { nextForEthertype } from './ethertype.js';
import { L_ERROR } from './layers.js';

/** Tags decoded per packet (over all Ethernet layers) before the stack is called malformed. */
const MAX_TAGS = 8;

export function decodeVlan(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  if (c.end - off < 4) return c.short(pkt, VLAN_HEADER_TOO_SMALL);
  const b = c.buf;
  const id = ((b[off] << 8) | b[off + 1]) & 0x0fff;
  if (++c.vlanTags > MAX_TAGS) {
    setAnomaly(pkt, VLAN_TOO_MANY_LAYERS);
    return L_ERROR;
  }
  if (pkt.vlanCount < 3) pkt.vlan[pkt.vlanCount++] = id;
  else setAnomaly(pkt, VLAN_TOO_MANY_LAYERS);
  c.off = off + 4;
  return nextForEthertype((b[off + 2] << 8) | b[off + 3]);
}
