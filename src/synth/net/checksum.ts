/** RFC 1071 Internet checksum helpers for IPv4 headers and the TCP/UDP pseudo-header sums. */

/** Adds the 16-bit big-endian words of buf[off, off+len) to `sum` (not folded). */
export function sum16(buf: Buffer, off: number, len: number, sum = 0): number {
  const end = off + len;
  let i = off;
  for (; i + 1 < end; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (i < end) sum += buf[i] << 8;
  return sum;
}

/** Folds the carries and complements: the value to store in a checksum field. */
export function finish(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}
