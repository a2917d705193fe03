/** Ethernet II (and 802.3 with an LLC/SNAP header carrying an ethertype). */
import { ETHERNET_PKT_TOO_SMALL, ETHERNET_UNKNOWN_ETHERTYPE, setAnomaly } from './anomalies.js';
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { isKnownEthertype, nextForEthertype } from './ethertype.js';
import { L_LLC, L_NOT_IP } from './layers.js';

const ETHERNET_HEADER_LEN = 14;

export function decodeEthernet(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  if (c.end - off < ETHERNET_HEADER_LEN) return c.short(pkt, ETHERNET_PKT_TOO_SMALL);
  const b = c.buf;
  const type = (b[off + 12] << 8) | b[off + 13];
  c.off = off + ETHERNET_HEADER_LEN;
  // Values up to 1500 are an 802.3 length, not a type: an LLC header follows.
  if (type <= 1500) {
    // The 802.3 length bounds the frame (the rest is padding).
    const lim = c.off + type;
    if (lim < c.end) c.end = lim;
    return L_LLC;
  }
  const next = nextForEthertype(type);
  if (next === L_NOT_IP && !isKnownEthertype(type)) setAnomaly(pkt, ETHERNET_UNKNOWN_ETHERTYPE);
  return next;
}
