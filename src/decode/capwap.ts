/**
 * CAPWAP data channel (RFC 5415 §4.3, UDP 5247, either port as Wireshark matches it): the header's HLEN (in 4-byte
 * words, the optional Radio MAC and Wireless Specific Information fields included) says where the payload starts.
 * With the T bit clear the payload is an IEEE 802.3 frame, decoded as the inner packet. Not decapsulated, the
 * datagram standing as it is: the DTLS-protected data channel (preamble type 1), keep-alives (K), fragments (F: moat
 * does not reassemble CAPWAP fragments) and native frames (T set, e.g. RFC 5416's 802.11). A header that claims
 * more than the datagram holds, or a datagram shorter than the fixed header, raises an event and leaves the
 * datagram as it is. Suricata has no CAPWAP decoder: the event names are moat's.
 */
import { CAPWAP_HEADER_TOO_SMALL, CAPWAP_HLEN_INVALID, setAnomaly } from './anomalies.js';
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { L_DONE, L_ETHERNET } from './layers.js';

/** The fixed part: preamble, HLEN/RID/WBID/flags, fragment id, fragment offset. */
const FIXED = 8;
const FLAG_F = 0x80;
const FLAG_K = 0x08;

export function decodeCapwap(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  const b = c.buf;
  const avail = c.end - off;
  // Preamble: version 0, type 0 (a CAPWAP header follows); type 1 is DTLS, anything else is not CAPWAP.
  if (avail === 0 || b[off] !== 0) return L_DONE;
  if (avail < FIXED) return bad(c, pkt, CAPWAP_HEADER_TOO_SMALL);
  const hlen = (b[off + 1] >> 3) * 4;
  if (hlen < FIXED || hlen > avail) return bad(c, pkt, CAPWAP_HLEN_INVALID);
  const native = (b[off + 2] & 0x01) !== 0;
  const flags = b[off + 3];
  if (native || (flags & (FLAG_F | FLAG_K)) !== 0 || avail === hlen) return L_DONE;
  if (!c.enterTunnel(pkt)) return L_DONE;
  c.off = off + hlen;
  return L_ETHERNET;
}

/** A cut capture is not a malformed header: only the latter is an event. */
function bad(c: DecodeCursor, pkt: DecodedPacket, event: string): number {
  if (c.capCut) pkt.truncated = true;
  else setAnomaly(pkt, event);
  return L_DONE;
}
