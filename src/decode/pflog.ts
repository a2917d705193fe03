/** OpenBSD pflog (LINKTYPE_PFLOG 117): a header whose first byte is its length, the address family second. */
import { LTNULL_PKT_TOO_SMALL } from './anomalies.js';
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { L_IPV4, L_IPV6, L_NOT_IP } from './layers.js';

export function decodePflog(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  if (c.end - off < 2) return c.short(pkt, LTNULL_PKT_TOO_SMALL);
  // The header is padded to a 4-byte boundary (BPF_WORDALIGN).
  const hlen = (c.buf[off] + 3) & ~3;
  const af = c.buf[off + 1];
  if (hlen < 4 || c.end - off < hlen) return c.short(pkt, LTNULL_PKT_TOO_SMALL);
  c.off = off + hlen;
  if (af === 2) return L_IPV4;
  if (af === 24 || af === 28 || af === 30 || af === 10) return L_IPV6;
  return L_NOT_IP;
}
