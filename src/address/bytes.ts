/** Addresses as network-order bytes (packets, DNS rdata, certificates) and as integers. */
import { ipFamily, type IpVersion, type IpWords } from './types.js';

/**
 * Reads 4 (IPv4) or 16 (IPv6) network-order bytes at `off` into `out`: the version as the bytes give it
 * (16 bytes are IPv6, IPv4-mapped or not, as a packet header's are), or 0 when `len` is neither. IPv4
 * lands IPv4-mapped, as the decoder stores it.
 */
export function readIpBytes(buf: Uint8Array, off: number, len: number, out: Uint32Array): IpVersion | 0 {
  if (len === 4) {
    out[0] = 0;
    out[1] = 0;
    out[2] = 0xffff;
    out[3] = ((buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]) >>> 0;
    return 4;
  }
  if (len !== 16) return 0;
  for (let i = 0; i < 4; i++) {
    const p = off + 4 * i;
    out[i] = ((buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]) >>> 0;
  }
  return 6;
}

/** Writes the address at `off` as 4 bytes (IPv4) or 16 bytes (IPv6) in network order; the offset after it. */
export function writeIpBytes(w: IpWords, version: IpVersion, out: Buffer, off: number): number {
  for (let i = version === 4 ? 3 : 0; i < 4; i++) {
    out.writeUInt32BE(w[i] >>> 0, off);
    off += 4;
  }
  return off;
}

/** The address as 4 bytes (IPv4) or 16 bytes (IPv6) in network order. */
export function ipBytes(w: IpWords, version: IpVersion = ipFamily(w)): Buffer {
  const b = Buffer.alloc(version === 4 ? 4 : 16);
  writeIpBytes(w, version, b, 0);
  return b;
}

/** The address as an integer: 32 bits for IPv4, 128 bits for IPv6. */
export function ipToBigInt(w: IpWords, version: IpVersion = ipFamily(w)): bigint {
  if (version === 4) return BigInt(w[3] >>> 0);
  let n = 0n;
  for (let i = 0; i < 4; i++) n = (n << 32n) | BigInt(w[i] >>> 0);
  return n;
}

/** The words of a 32-bit (IPv4) or 128-bit (IPv6) integer address. */
export function ipFromBigInt(n: bigint, version: IpVersion): Uint32Array {
  const out = new Uint32Array(4);
  if (version === 4) {
    out[2] = 0xffff;
    out[3] = Number(n & 0xffffffffn);
    return out;
  }
  for (let i = 3; i >= 0; i--) {
    out[i] = Number(n & 0xffffffffn);
    n >>= 32n;
  }
  return out;
}
