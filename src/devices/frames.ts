/**
 * The few header fields discovery and sampling need, read in place from Ethernet frames (zone interfaces) and
 * NFLOG records (the kernel's samples) into one reused object: no allocation per packet.
 */

export interface PacketFields {
  /** Ethernet source (frames only), as 12 hex digits read lazily by macOf. */
  macOffset: number;
  src: number;
  dst: number;
  proto: number;
  srcPort: number;
  dstPort: number;
  tcpFlags: number;
  /** Transport payload start and end in the buffer. */
  payload: number;
  end: number;
  ipLength: number;
}

export const newFields = (): PacketFields => ({
  macOffset: -1,
  src: 0,
  dst: 0,
  proto: 0,
  srcPort: 0,
  dstPort: 0,
  tcpFlags: 0,
  payload: 0,
  end: 0,
  ipLength: 0,
});

/** An IPv4 packet at `off` (up to `end`) into `f`; false when it is not one or is cut short. */
export function readIpv4(b: Uint8Array, off: number, end: number, f: PacketFields): boolean {
  if (end - off < 20 || b[off] >> 4 !== 4) return false;
  const ihl = (b[off] & 15) * 4;
  if (ihl < 20 || off + ihl > end) return false;
  f.ipLength = (b[off + 2] << 8) | b[off + 3];
  f.proto = b[off + 9];
  f.src = ((b[off + 12] << 24) | (b[off + 13] << 16) | (b[off + 14] << 8) | b[off + 15]) >>> 0;
  f.dst = ((b[off + 16] << 24) | (b[off + 17] << 16) | (b[off + 18] << 8) | b[off + 19]) >>> 0;
  f.end = Math.min(end, off + Math.max(f.ipLength, ihl));
  f.srcPort = f.dstPort = f.tcpFlags = 0;
  const t = off + ihl;
  f.payload = t;
  // Later fragments carry no transport header.
  if (((b[off + 6] & 0x1f) << 8) | b[off + 7]) return true;
  if (f.proto === 6 && t + 20 <= f.end) {
    f.srcPort = (b[t] << 8) | b[t + 1];
    f.dstPort = (b[t + 2] << 8) | b[t + 3];
    f.tcpFlags = b[t + 13];
    f.payload = Math.min(f.end, t + (b[t + 12] >> 4) * 4);
  } else if (f.proto === 17 && t + 8 <= f.end) {
    f.srcPort = (b[t] << 8) | b[t + 1];
    f.dstPort = (b[t + 2] << 8) | b[t + 3];
    f.payload = t + 8;
  }
  return true;
}

/** An Ethernet II frame (one 802.1Q tag allowed) carrying IPv4. */
export function readEthernet(b: Uint8Array, len: number, f: PacketFields): boolean {
  if (len < 14) return false;
  let type = (b[12] << 8) | b[13];
  let off = 14;
  if (type === 0x8100 && len >= 18) {
    type = (b[16] << 8) | b[17];
    off = 18;
  }
  if (type !== 0x0800) return false;
  f.macOffset = 6;
  return readIpv4(b, off, len, f);
}

export function macOf(b: Uint8Array, off: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += (i ? ':' : '') + b[off + i].toString(16).padStart(2, '0');
  return s;
}

export const ipv4Text = (n: number): string =>
  `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

/** NFLOG (linktype 239): the IPv4 packet and the log prefix of one record; false when absent. */
export function readNflog(b: Uint8Array, len: number, f: PacketFields, prefix: { value: string }): boolean {
  if (len < 4 || b[0] !== 2) return false; // AF_INET
  let o = 4;
  let found = false;
  prefix.value = '';
  while (o + 4 <= len) {
    const tl = b[o] | (b[o + 1] << 8);
    const type = b[o + 2] | (b[o + 3] << 8);
    if (tl < 4 || o + tl > len) return false;
    if (type === 10) {
      let s = '';
      for (let i = o + 4; i < o + tl && b[i] !== 0 && s.length < 32; i++) s += String.fromCharCode(b[i]);
      prefix.value = s;
    } else if (type === 9) {
      found = readIpv4(b, o + 4, o + tl, f);
    }
    o += (tl + 3) & ~3;
  }
  return found;
}
