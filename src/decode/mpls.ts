/**
 * MPLS label stacks (RFC 3032) up to the bottom-of-stack label; the payload type is guessed as routers do:
 * explicit-null labels or the version nibble for IP, a zero nibble for an Ethernet pseudowire control word.
 */
import { MPLS_HEADER_TOO_SMALL, MPLS_UNKNOWN_PAYLOAD_TYPE, setAnomaly } from './anomalies.js';
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { L_ETHERNET, L_IPV4, L_IPV6, L_NOT_IP } from './layers.js';

const MAX_LABELS = 16;
const LABEL_IPV4_NULL = 0;
const LABEL_IPV6_NULL = 2;

export function decodeMpls(c: DecodeCursor, pkt: DecodedPacket): number {
  const b = c.buf;
  let p = c.off;
  let label: number;
  for (let n = 0; ; n++) {
    if (c.end - p < 4) return c.short(pkt, MPLS_HEADER_TOO_SMALL);
    if (n >= MAX_LABELS) {
      setAnomaly(pkt, MPLS_HEADER_TOO_SMALL);
      return L_NOT_IP;
    }
    label = (b[p] << 12) | (b[p + 1] << 4) | (b[p + 2] >> 4);
    const bottom = (b[p + 2] & 1) !== 0;
    p += 4;
    if (bottom) break;
  }
  c.off = p;
  if (label === LABEL_IPV4_NULL) return L_IPV4;
  if (label === LABEL_IPV6_NULL) return L_IPV6;
  if (c.end - p < 1) return c.short(pkt, MPLS_HEADER_TOO_SMALL);
  const nibble = b[p] >> 4;
  if (nibble === 4) return L_IPV4;
  if (nibble === 6) return L_IPV6;
  if (nibble === 0) {
    c.off = p + 4;
    return L_ETHERNET;
  }
  setAnomaly(pkt, MPLS_UNKNOWN_PAYLOAD_TYPE);
  return L_NOT_IP;
}
