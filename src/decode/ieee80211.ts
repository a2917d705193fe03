/**
 * 802.11 data frames (LINKTYPE_IEEE802_11 105, radiotap 127, and Aruba's GRE encapsulation of them). Only
 * unprotected data frames carry readable IP, behind an LLC/SNAP header; management, control, null-data and
 * encrypted frames are not IP.
 */
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { L_IEEE80211, L_LLC, L_NOT_IP } from './layers.js';

const TYPE_DATA = 2;
const FC1_PROTECTED = 0x40;
const FC1_ORDER = 0x80;

export function decodeIeee80211(c: DecodeCursor, _pkt: DecodedPacket): number {
  const off = c.off;
  const b = c.buf;
  if (c.end - off < 24) return L_NOT_IP;
  const fc0 = b[off];
  const fc1 = b[off + 1];
  const subtype = fc0 >> 4;
  if (((fc0 >> 2) & 3) !== TYPE_DATA || (fc1 & FC1_PROTECTED) !== 0 || (subtype & 4) !== 0) return L_NOT_IP;
  let hlen = 24;
  if ((fc1 & 3) === 3) hlen += 6; // four-address (WDS) frame
  if ((subtype & 8) !== 0) {
    hlen += 2; // QoS control
    if ((fc1 & FC1_ORDER) !== 0) hlen += 4; // HT control
  }
  if (c.end - off < hlen) return L_NOT_IP;
  c.off = off + hlen;
  return L_LLC;
}

/** Radiotap: a little-endian header length at bytes 2..3, then the 802.11 frame. */
export function decodeRadiotap(c: DecodeCursor, _pkt: DecodedPacket): number {
  const off = c.off;
  if (c.end - off < 4) return L_NOT_IP;
  const len = c.buf[off + 2] | (c.buf[off + 3] << 8);
  if (len < 8 || c.end - off < len) return L_NOT_IP;
  c.off = off + len;
  return L_IEEE80211;
}
