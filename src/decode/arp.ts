/**
 * ARP (RFC 826) for Ethernet and IPv4, the only kind Suricata logs: the header is checked as Suricata's decoder
 * checks it (its `decoder.arp.*` events name what was wrong) and its place kept for the EVE `arp` record. ARP ends
 * the packet: it is not IP.
 */
import {
  ARP_INVALID_HARDWARE_SIZE,
  ARP_INVALID_PKT,
  ARP_INVALID_PROTOCOL_SIZE,
  ARP_PKT_TOO_SMALL,
  ARP_UNSUPPORTED_HARDWARE,
  ARP_UNSUPPORTED_OPCODE,
  ARP_UNSUPPORTED_PROTOCOL,
  setAnomaly,
} from './anomalies.js';
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { L_NOT_IP } from './layers.js';

/** Hardware type, protocol type, sizes and opcode: what any ARP packet has. */
const ARP_MIN_LEN = 8;
/** With Ethernet (6-byte) and IPv4 (4-byte) addresses. */
export const ARP_LEN = 28;

export function decodeArp(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  const len = c.end - off;
  const b = c.buf;
  let problem = '';
  if (len < ARP_MIN_LEN) problem = ARP_PKT_TOO_SMALL;
  else if (((b[off] << 8) | b[off + 1]) !== 1) problem = ARP_UNSUPPORTED_HARDWARE;
  else if (((b[off + 2] << 8) | b[off + 3]) !== 0x0800) problem = ARP_UNSUPPORTED_PROTOCOL;
  else if (len < ARP_LEN) problem = ARP_INVALID_PKT;
  else if (b[off + 4] !== 6) problem = ARP_INVALID_HARDWARE_SIZE;
  else if (b[off + 5] !== 4) problem = ARP_INVALID_PROTOCOL_SIZE;
  else {
    const op = (b[off + 6] << 8) | b[off + 7];
    if (op < 1 || op > 4) problem = ARP_UNSUPPORTED_OPCODE;
  }
  // A capture cut short of the header is truncation, not a malformed packet.
  if (problem !== '' && !(c.capCut && len < ARP_LEN)) setAnomaly(pkt, problem);
  else if (problem === '') {
    pkt.arpBuf = b;
    pkt.arpOff = off;
  }
  return L_NOT_IP;
}
