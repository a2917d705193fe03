/** Big-endian integers and length-prefixed vectors (RFC 8446 §3 presentation language) as Buffers. */

export function u8(n: number): Buffer {
  return Buffer.from([n & 0xff]);
}

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}

export function u24(n: number): Buffer {
  if (n > 0xffffff) throw new Error(`synth: ${n} does not fit a 24-bit length`);
  return Buffer.from([(n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}

export function cat(...parts: Buffer[]): Buffer {
  return Buffer.concat(parts);
}

/** <0..2^8-1> vector: one length byte, then the bytes. */
export function vec8(...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  if (body.length > 0xff) throw new Error(`synth: ${body.length} bytes do not fit an 8-bit vector`);
  return cat(u8(body.length), body);
}

export function vec16(...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  if (body.length > 0xffff) throw new Error(`synth: ${body.length} bytes do not fit a 16-bit vector`);
  return cat(u16(body.length), body);
}

export function vec24(...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return cat(u24(body.length), body);
}

/** A list of 16-bit values (cipher suites, groups, versions, signature schemes). */
export function u16list(values: readonly number[]): Buffer {
  return Buffer.concat(values.map(u16));
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}
