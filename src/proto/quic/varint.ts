/** QUIC variable-length integers (RFC 9000 §16): the two top bits of the first byte give the length. */

/** Reads the varint at buf[off]; false when it runs past `end`. Values above 2^53 are not needed here. */
export function readVarint(
  buf: Buffer,
  off: number,
  end: number,
  out: { value: number; next: number },
): boolean {
  if (off >= end) return false;
  const len = 1 << (buf[off] >> 6);
  if (off + len > end) return false;
  let v = buf[off] & 0x3f;
  for (let i = 1; i < len; i++) v = v * 256 + buf[off + i];
  out.value = v;
  out.next = off + len;
  return true;
}
