/**
 * Payload only: header bytes leak the label (addresses and ports name the capture a session came from), so the model
 * must never see them. USTC-TFC2016's "L7" images already hold application bytes only; its "all layers" images are
 * the session's pcap file (global header, then per packet a record header, Ethernet, IPv4/IPv6 and TCP/UDP). This
 * walks that layout and zeroes every byte that is not payload — record headers, MACs, IP headers with their
 * addresses, ports — so the same model serves both. An image that does not start like a capture or an IP packet is
 * taken as payload already and left as it is.
 */
import type { SessionSet } from './idx.js';

const PCAP_MAGICS = new Set([0xa1b2c3d4, 0xa1b23c4d]);

/** Length of the IP + transport headers of the packet at `off`, or -1 when it does not look like one. */
function ipHeadersLength(b: Uint8Array, off: number, end: number): number {
  if (off >= end) return -1;
  const v = b[off] >> 4;
  let proto: number;
  let l3: number;
  if (v === 4) {
    l3 = (b[off] & 0xf) * 4;
    if (l3 < 20 || off + 20 > end) return -1;
    proto = b[off + 9];
  } else if (v === 6) {
    l3 = 40;
    proto = b[off + 6];
  } else return -1;
  const t = off + l3;
  if (proto === 6) return t + 12 < end ? l3 + Math.max(20, (b[t + 12] >> 4) * 4) : end - off;
  if (proto === 17) return l3 + 8;
  return l3;
}

function zero(b: Uint8Array, from: number, to: number): void {
  b.fill(0, Math.max(0, from), Math.min(b.length, to));
}

/**
 * Zeroes the header bytes of one session image in place; returns how many bytes it zeroed (0 for payload-only
 * images). Bounded by the image: a record or header that claims to run past it is zeroed to the end.
 */
export function maskHeaders(img: Uint8Array): number {
  if (img.length < 24) return 0;
  const dv = new DataView(img.buffer, img.byteOffset, img.byteLength);
  const le = dv.getUint32(0, true);
  const be = dv.getUint32(0, false);
  let zeroed = 0;
  if (PCAP_MAGICS.has(le) || PCAP_MAGICS.has(be)) {
    const little = PCAP_MAGICS.has(le);
    const linktype = dv.getUint32(20, little);
    zero(img, 0, 24);
    zeroed += 24;
    let off = 24;
    while (off + 16 <= img.length) {
      const incl = dv.getUint32(off + 8, little);
      if (incl === 0) break; // zero padding after the last record
      zero(img, off, off + 16);
      zeroed += 16;
      const pkt = off + 16;
      const end = Math.min(img.length, pkt + incl);
      const l2 = linktype === 1 ? 14 : 0;
      const hl = ipHeadersLength(img, pkt + l2, end);
      const hdrEnd = hl < 0 ? end : pkt + l2 + hl;
      zero(img, pkt, hdrEnd);
      zeroed += Math.min(hdrEnd, img.length) - pkt;
      off = pkt + incl;
    }
    return zeroed;
  }
  // A bare IPv4 packet at the start (raw-IP images): only when its header checksum holds, since payload may start
  // with 0x45 ('E') by chance. The rest cannot be walked without record lengths.
  if (img[0] === 0x45 && (img[9] === 6 || img[9] === 17) && ipv4ChecksumOk(img)) {
    const hl = ipHeadersLength(img, 0, img.length);
    zero(img, 0, hl);
    return hl;
  }
  return 0;
}

function ipv4ChecksumOk(b: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (b[i] << 8) | b[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  return sum === 0xffff;
}

/** A copy of a session set with every image's headers masked, and how many images had any. */
export function maskSet(s: SessionSet): { set: SessionSet; masked: number } {
  const bytes = s.bytes.slice();
  let masked = 0;
  for (let i = 0; i < s.n; i++) if (maskHeaders(bytes.subarray(i * s.width, (i + 1) * s.width)) > 0) masked++;
  return { set: { ...s, bytes }, masked };
}
