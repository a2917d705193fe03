/** 802.1Q / 802.1ad tags. Two tags (QinQ) are kept in pkt.vlan; deeper stacks are decoded through and flagged. */
import { setAnomaly, VLAN_HEADER_TOO_SMALL, VLAN_TOO_MANY_LAYERS } from './anomalies.js';
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { nextForEthertype } from './ethertype.js';

export function decodeVlan(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  if (c.end - off < 4) return c.short(pkt, VLAN_HEADER_TOO_SMALL);
  const b = c.buf;
  const id = ((b[off] << 8) | b[off + 1]) & 0x0fff;
  if (pkt.vlanCount < 2) pkt.vlan[pkt.vlanCount++] = id;
  else setAnomaly(pkt, VLAN_TOO_MANY_LAYERS);
  c.off = off + 4;
  return nextForEthertype((b[off + 2] << 8) | b[off + 3]);
}
