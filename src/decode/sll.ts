/**
 * Linux "cooked" captures (tcpdump -i any): SLL v1 (16-byte header, protocol last) and SLL2 (20-byte
 * header, protocol first). https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and ..._SLL2.html
 */
import { SLL_PKT_TOO_SMALL } from './anomalies.js';
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { nextForEthertype } from './ethertype.js';
import { L_NOT_IP } from './layers.js';

/** ARPHRD values whose "protocol" field is not an ethertype (802.11 radiotap, netlink …) stop decoding. */
const ARPHRD_NETLINK = 824;
const ARPHRD_IEEE80211_RADIOTAP = 803;

function ifType(hatype: number, proto: number): number {
  if (hatype === ARPHRD_NETLINK || hatype === ARPHRD_IEEE80211_RADIOTAP) return L_NOT_IP;
  // Protocol values below 1536 are Linux's pseudo-types (802.3 without LLC, 802.2 …), not IP.
  return proto < 0x0600 ? L_NOT_IP : nextForEthertype(proto);
}

export function decodeSll(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  if (c.end - off < 16) return c.short(pkt, SLL_PKT_TOO_SMALL);
  const b = c.buf;
  const hatype = (b[off + 2] << 8) | b[off + 3];
  const proto = (b[off + 14] << 8) | b[off + 15];
  c.off = off + 16;
  return ifType(hatype, proto);
}

export function decodeSll2(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  if (c.end - off < 20) return c.short(pkt, SLL_PKT_TOO_SMALL);
  const b = c.buf;
  const proto = (b[off] << 8) | b[off + 1];
  const hatype = (b[off + 8] << 8) | b[off + 9];
  c.off = off + 20;
  return ifType(hatype, proto);
}
