/**
 * Detects a QUIC client hello by content: an Initial (long header, fixed bit) of a version whose Initials moat
 * opens, padded to ≥ 1200 bytes (RFC 9000 §14.1); or a Google QUIC Q043/Q046 packet carrying a CHLO in clear.
 */
import { PROBE_MATCH, PROBE_NO, type Direction, type ProbeResult } from '../../flow/index.js';
import { readGquicHello } from './gquic.js';
import { PT_INITIAL, versionInfo } from './versions.js';

export function probeQuic(dir: Direction, buf: Buffer, off: number, len: number): ProbeResult {
  if (dir !== 0 || len < 14) return PROBE_NO;
  const first = buf[off];
  if ((first & 0xc0) === 0xc0 && len >= 1200) {
    const info = versionInfo(buf.readUInt32BE(off + 1));
    if (info && info.types[(first >> 4) & 3] === PT_INITIAL && buf[off + 5] <= 20) return PROBE_MATCH;
  }
  const g = readGquicHello(buf, off, off + len);
  return g?.chlo ? PROBE_MATCH : PROBE_NO;
}
