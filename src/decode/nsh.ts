/**
 * NSH, the Network Service Header (RFC 8300) on ethertype 0x894F: an 8-byte base and service-path header, the
 * MD type 1 fixed context (16 bytes) or MD type 2 variable metadata, then the packet named by Next Protocol.
 * Checks and events follow Suricata's decoder, so `decode-event:nsh.*` rules match the same packets.
 */
import {
  NSH_BAD_HEADER_LENGTH,
  NSH_HEADER_TOO_SMALL,
  NSH_RESERVED_TYPE,
  NSH_UNKNOWN_PAYLOAD,
  NSH_UNSUPPORTED_TYPE,
  NSH_UNSUPPORTED_VERSION,
  setAnomaly,
} from './anomalies.js';
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { L_ERROR, L_ETHERNET, L_IPV4, L_IPV6, L_MPLS, L_NOT_IP } from './layers.js';

const NSH_BASE_LEN = 8;
/** MD type 1 carries a fixed 16-byte context: the whole header is 24 bytes. */
const NSH_MD1_LEN = 24;
const NEXT_IPV4 = 1;
const NEXT_IPV6 = 2;
const NEXT_ETHERNET = 3;
const NEXT_MPLS = 5;

export function decodeNsh(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  const avail = c.end - off;
  if (avail < NSH_BASE_LEN) return c.short(pkt, NSH_HEADER_TOO_SMALL);
  const b = c.buf;
  if (b[off] >> 6 !== 0) {
    setAnomaly(pkt, NSH_UNSUPPORTED_VERSION);
    return L_NOT_IP;
  }
  // The length field counts 4-byte words; the header must leave room for the packet it carries.
  const len = (b[off + 1] & 0x3f) * 4;
  if (len >= avail) {
    setAnomaly(pkt, NSH_BAD_HEADER_LENGTH);
    return L_ERROR;
  }
  // The whole byte, as Suricata compares it: set reserved bits make the type unsupported too.
  const mdType = b[off + 2];
  if (mdType === 0 || mdType === 0x0f) {
    setAnomaly(pkt, NSH_RESERVED_TYPE);
    return L_NOT_IP;
  }
  if (mdType === 1) {
    if (len !== NSH_MD1_LEN) {
      setAnomaly(pkt, NSH_BAD_HEADER_LENGTH);
      return L_ERROR;
    }
  } else if (mdType !== 2) {
    setAnomaly(pkt, NSH_UNSUPPORTED_TYPE);
    return L_NOT_IP;
  }
  c.off = off + len;
  switch (b[off + 3]) {
    case NEXT_IPV4:
      return L_IPV4;
    case NEXT_IPV6:
      return L_IPV6;
    case NEXT_ETHERNET:
      return L_ETHERNET;
    case NEXT_MPLS:
      return L_MPLS;
    default:
      // NSH in NSH (4) included, as Suricata: the service path is not followed further.
      setAnomaly(pkt, NSH_UNKNOWN_PAYLOAD);
      return L_NOT_IP;
  }
}
