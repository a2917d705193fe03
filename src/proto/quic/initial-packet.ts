/**
 * One QUIC long-header packet (RFC 9000 §17.2, RFC 9369 §3.2 for v2's type bits, and Google's Q050/T05x, which
 * use the same layout): header fields; for an Initial, header protection removed (RFC 9001 §5.4, AES-128-ECB mask
 * over a 16-byte sample) and the payload opened (AES-128-GCM, nonce = IV xor packet number, the unprotected header
 * as associated data). Damage gives a reason string, never a throw.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { InitialKeys } from './initial-keys.js';
import { readVarint } from './varint.js';
import { PT_INITIAL, PT_RETRY, versionInfo } from './versions.js';

export interface InitialHeader {
  /** Offset just past this packet (coalesced packets may follow in the datagram). */
  end: number;
  /** An Initial of a version moat opens; other long-header packets are only skipped. */
  initial: boolean;
  version: number;
  dcid: Buffer;
  /** Offset of the (protected) packet number. */
  pnOffset: number;
}

const vi = { value: 0, next: 0 };

/**
 * Reads the long header at buf[off]; undefined when it is not a long header of a version moat knows, has no
 * length to skip by (Retry, version negotiation), or is cut short.
 */
export function readLongHeader(buf: Buffer, off: number, end: number): InitialHeader | undefined {
  if (end - off < 7 || (buf[off] & 0xc0) !== 0xc0) return undefined;
  const version = buf.readUInt32BE(off + 1);
  const info = versionInfo(version);
  if (!info) return undefined;
  let p = off + 5;
  const dcidLen = buf[p++];
  if (dcidLen > 20 || p + dcidLen >= end) return undefined;
  const dcid = buf.subarray(p, p + dcidLen);
  p += dcidLen;
  const scidLen = buf[p++];
  if (scidLen > 20 || p + scidLen > end) return undefined;
  p += scidLen;
  const type = info.types[(buf[off] >> 4) & 3];
  if (type === PT_RETRY) return undefined;
  if (type === PT_INITIAL) {
    if (!readVarint(buf, p, end, vi)) return undefined;
    p = vi.next + vi.value; // token
  }
  if (!readVarint(buf, p, end, vi)) return undefined;
  const pnOffset = vi.next;
  const pktEnd = pnOffset + vi.value;
  if (pktEnd > end || vi.value < 20) return undefined;
  return { end: pktEnd, initial: type === PT_INITIAL, version, dcid, pnOffset };
}

/** Opens an Initial packet; returns the plaintext frames or a reason it could not. */
export function openInitial(
  buf: Buffer,
  off: number,
  h: InitialHeader,
  keys: InitialKeys,
): { ok: true; payload: Buffer } | { ok: false; error: string } {
  const sampleAt = h.pnOffset + 4;
  if (sampleAt + 16 > h.end) return { ok: false, error: 'packet too short for the header protection sample' };
  const ecb = createCipheriv('aes-128-ecb', keys.hp, null);
  ecb.setAutoPadding(false);
  const mask = ecb.update(buf.subarray(sampleAt, sampleAt + 16));
  const first = buf[off] ^ (mask[0] & 0x0f);
  const pnLen = (first & 3) + 1;
  const header = Buffer.from(buf.subarray(off, h.pnOffset + pnLen));
  header[0] = first;
  let pn = 0;
  for (let i = 0; i < pnLen; i++) {
    const b = buf[h.pnOffset + i] ^ mask[1 + i];
    header[h.pnOffset - off + i] = b;
    pn = pn * 256 + b;
  }
  const nonce = Buffer.from(keys.iv);
  for (let i = 0; i < 4; i++) nonce[11 - i] ^= (pn >>> (8 * i)) & 0xff;
  const ctStart = h.pnOffset + pnLen;
  const tagAt = h.end - 16;
  if (tagAt < ctStart) return { ok: false, error: 'packet shorter than its authentication tag' };
  try {
    const gcm = createDecipheriv('aes-128-gcm', keys.key, nonce);
    gcm.setAAD(header);
    gcm.setAuthTag(buf.subarray(tagAt, h.end));
    const payload = Buffer.concat([gcm.update(buf.subarray(ctStart, tagAt)), gcm.final()]);
    return { ok: true, payload };
  } catch {
    return { ok: false, error: `Initial packet ${pn} failed authentication` };
  }
}
