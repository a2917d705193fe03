/**
 * Linux NFLOG (LINKTYPE_NFLOG 239): a 4-byte header, then TLVs in host (little-endian) order; the packet is
 * the NFULA_PAYLOAD TLV. This is what the kernel sample path (nftables `log group`) delivers.
 */
import { LTNULL_PKT_TOO_SMALL } from './anomalies.js';
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { L_IPV4, L_IPV6, L_NOT_IP } from './layers.js';

const NFULA_PAYLOAD = 9;
const MAX_TLVS = 64;

export function decodeNflog(c: DecodeCursor, pkt: DecodedPacket): number {
  const b = c.buf;
  const off = c.off;
  if (c.end - off < 4) return c.short(pkt, LTNULL_PKT_TOO_SMALL);
  const family = b[off];
  let p = off + 4;
  for (let n = 0; n < MAX_TLVS && c.end - p >= 4; n++) {
    const len = b[p] | (b[p + 1] << 8);
    const type = (b[p + 2] | (b[p + 3] << 8)) & 0x7fff;
    if (len < 4) return L_NOT_IP;
    if (type === NFULA_PAYLOAD) {
      c.off = p + 4;
      if (p + len < c.end) c.end = p + len;
      if (family === 2) return L_IPV4;
      if (family === 10) return L_IPV6;
      return L_NOT_IP;
    }
    p += (len + 3) & ~3;
  }
  return c.short(pkt, LTNULL_PKT_TOO_SMALL);
}
