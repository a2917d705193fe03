/**
 * GRE (RFC 2784/2890, RFC 1701 routing) and the PPTP variant (version 1, RFC 2637). Optional checksum, key
 * and sequence fields are skipped; the protocol type picks the inner layer: IPv4/IPv6, transparent Ethernet
 * bridging (0x6558), ERSPAN type I/II (0x88BE) and III (0x22EB), PPP (0x880B), Aruba 802.11 (0x8200).
 */
import {
  GRE_PKT_TOO_SMALL,
  GRE_VERSION0_HDR_TOO_BIG,
  GRE_VERSION0_MALFORMED_SRE_HDR,
  GRE_VERSION1_HDR_TOO_BIG,
  GRE_VERSION1_NO_KEY,
  GRE_VERSION1_WRONG_PROTOCOL,
  GRE_WRONG_VERSION,
  setAnomaly,
} from './anomalies.js';
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { nextForEthertype } from './ethertype.js';
import { L_DONE, L_ERROR, L_ERSPAN2, L_ERSPAN3, L_ETHERNET, L_IEEE80211, L_PPP } from './layers.js';

export const GRE_PROTO_ERSPAN2 = 0x88be;
export const GRE_PROTO_ERSPAN3 = 0x22eb;
export const GRE_PROTO_PPP = 0x880b;
/** Aruba access points tunnel 802.11 frames to their controller with these GRE types. */
export const GRE_PROTO_ARUBA_WLAN = 0x8200;
export const GRE_PROTO_ARUBA_WLAN_ALT = 0x8300;

const F_CHECKSUM = 0x8000;
const F_ROUTING = 0x4000;
const F_KEY = 0x2000;
const F_SEQ = 0x1000;
const F_ACK = 0x0080;
const MAX_SRE = 32;

function fail(pkt: DecodedPacket, anomaly: string): number {
  setAnomaly(pkt, anomaly);
  return L_ERROR;
}

export function decodeGre(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  const b = c.buf;
  const avail = c.end - off;
  if (avail < 4) return c.short(pkt, GRE_PKT_TOO_SMALL);
  const flags = (b[off] << 8) | b[off + 1];
  const proto = (b[off + 2] << 8) | b[off + 3];
  const version = flags & 7;
  let hlen = 4;
  let next: number;
  if (version === 0) {
    if ((flags & (F_CHECKSUM | F_ROUTING)) !== 0) hlen += 4;
    if ((flags & F_KEY) !== 0) hlen += 4;
    if ((flags & F_SEQ) !== 0) hlen += 4;
    if (hlen > avail) return c.short(pkt, GRE_VERSION0_HDR_TOO_BIG);
    if ((flags & F_ROUTING) !== 0) {
      // RFC 1701 source route entries, up to a null entry (family 0, length 0).
      let n = 0;
      for (;;) {
        if (hlen + 4 > avail || n++ >= MAX_SRE) return c.short(pkt, GRE_VERSION0_MALFORMED_SRE_HDR);
        const af = (b[off + hlen] << 8) | b[off + hlen + 1];
        const len = b[off + hlen + 3];
        hlen += 4 + len;
        if (af === 0 && len === 0) break;
      }
      if (hlen > avail) return c.short(pkt, GRE_VERSION0_MALFORMED_SRE_HDR);
    }
    if (proto === GRE_PROTO_ERSPAN2) {
      // Without a sequence number this is ERSPAN type I: the mirrored frame follows directly.
      next = (flags & F_SEQ) !== 0 ? L_ERSPAN2 : L_ETHERNET;
    } else if (proto === GRE_PROTO_ERSPAN3) {
      next = L_ERSPAN3;
    } else if (proto === GRE_PROTO_ARUBA_WLAN || proto === GRE_PROTO_ARUBA_WLAN_ALT) {
      next = L_IEEE80211;
    } else {
      next = nextForEthertype(proto);
    }
  } else if (version === 1) {
    if ((flags & F_KEY) === 0) return fail(pkt, GRE_VERSION1_NO_KEY);
    if (proto !== GRE_PROTO_PPP) return fail(pkt, GRE_VERSION1_WRONG_PROTOCOL);
    hlen = 8;
    if ((flags & F_SEQ) !== 0) hlen += 4;
    if ((flags & F_ACK) !== 0) hlen += 4;
    if (hlen > avail) return c.short(pkt, GRE_VERSION1_HDR_TOO_BIG);
    next = L_PPP;
  } else {
    return fail(pkt, GRE_WRONG_VERSION);
  }
  if (!c.enterTunnel(pkt)) return L_DONE;
  c.off = off + hlen;
  return next;
}
