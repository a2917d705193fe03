/**
 * Detects a DTLS client hello by content: a handshake record (type 22) of a DTLS version (1.0 0xfeff, 1.2 0xfefd,
 * 1.3 0xfefc) in epoch 0, whose first message is a ClientHello fragment.
 */
import { PROBE_MATCH, PROBE_NO, type Direction, type ProbeResult } from '../../flow/index.js';

export function isDtlsVersion(v: number): boolean {
  return v === 0xfeff || v === 0xfefd || v === 0xfefc;
}

export function probeDtls(dir: Direction, buf: Buffer, off: number, len: number): ProbeResult {
  if (dir !== 0 || len < 13 + 12) return PROBE_NO;
  if (buf[off] !== 22 || !isDtlsVersion(buf.readUInt16BE(off + 1))) return PROBE_NO;
  if (buf.readUInt16BE(off + 3) !== 0) return PROBE_NO; // epoch 0: in clear
  const recLen = buf.readUInt16BE(off + 11);
  if (recLen < 12 || recLen > len - 13) return PROBE_NO;
  return buf[off + 13] === 1 ? PROBE_MATCH : PROBE_NO;
}
