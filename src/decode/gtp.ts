/**
 * GTP-U (3GPP TS 29.281) on UDP 2152: mobile-core user traffic. Only G-PDU messages (type 0xFF) of version 1
 * carry a user IP packet; the optional sequence/N-PDU/extension fields and extension header chain are skipped.
 */
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { L_DONE, L_IPV4, L_IPV6 } from './layers.js';

const MSG_G_PDU = 0xff;
const MAX_EXT_HEADERS = 8;

export function decodeGtpu(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  const b = c.buf;
  const end = c.end;
  if (end - off < 8) return L_DONE;
  const flags = b[off];
  if (flags >> 5 !== 1 || (flags & 0x10) === 0 || b[off + 1] !== MSG_G_PDU) return L_DONE;
  let p = off + 8;
  if ((flags & 0x07) !== 0) {
    if (end - p < 4) return L_DONE;
    let nextExt = b[p + 3];
    p += 4;
    for (let n = 0; nextExt !== 0; n++) {
      if (n >= MAX_EXT_HEADERS || end - p < 1) return L_DONE;
      const len = b[p] << 2;
      if (len === 0 || end - p < len) return L_DONE;
      nextExt = b[p + len - 1];
      p += len;
    }
  }
  if (end - p < 20) return L_DONE;
  const v = b[p] >> 4;
  if (v !== 4 && v !== 6) return L_DONE;
  if (!c.enterTunnel(pkt)) return L_DONE;
  c.off = p;
  return v === 4 ? L_IPV4 : L_IPV6;
}
