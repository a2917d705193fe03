/**
 * One QUIC v1 long-header Initial packet (RFC 9000 §17.2.2): header fields, header protection removed
 * (RFC 9001 §5.4, AES-128-ECB mask over a 16-byte sample) and the payload opened (AES-128-GCM, nonce = IV xor
 * packet number, the unprotected header as associated data). Damage gives a reason string, never a throw.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { InitialKeys } from './initial-keys.js';
import { readVarint } from './varint.js';

export const QUIC_V1 = 0x00000001;

export interface InitialHeader {
  /** Offset just past this packet (coalesced packets may follow in the datagram). */
  end: number;
  /** True for an Initial of version 1; other long-header packets are only skipped. */
  initialV1: boolean;
  dcid: Buffer;
  /** Offset of the (protected) packet number. */
  pnOffset: number;
}

const vi = { value: 0, next: 0 };

/** Reads the long header at buf[off]; undefined when it is not a long header or is cut short. */
export function readLongHeader(buf: Buffer, off: number, end: number): InitialHeader | undefined {
  if (end - off < 7 || (buf[off] & 0xc0) !== 0xc0) return undefined;
  const version = buf.readUInt32BE(off + 1);
  let p = off + 5;
  const dcidLen = buf[p++];
  if (dcidLen > 20 || p + dcidLen >= end) return undefined;
  const dcid = buf.subarray(p, p + dcidLen);
  p += dcidLen;
  const scidLen = buf[p++];
  if (scidLen > 20 || p + scidLen > end) return undefined;
  p += scidLen;
  const type = (buf[off] >> 4) & 3;
  const initialV1 = version === QUIC_V1 && type === 0;
  if (version === QUIC_V1 && type === 0) {
    if (!readVarint(buf, p, end, vi)) return undefined;
    p = vi.next + vi.value; // token
  } else if (version !== QUIC_V1 || type === 3) {
    return undefined; // Retry, version negotiation or another version: no length to skip by
  }
  if (!readVarint(buf, p, end, vi)) return undefined;
  const pnOffset = vi.next;
  const pktEnd = pnOffset + vi.value;
  if (pktEnd > end || vi.value < 20) return undefined;
  return { end: pktEnd, initialV1, dcid, pnOffset };
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
