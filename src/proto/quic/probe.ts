/** Detects a QUIC v1 client Initial by content: long header, fixed bit, type Initial, version 1, ≥1200 bytes. */
import { PROBE_MATCH, PROBE_NO, type Direction, type ProbeResult } from '../../flow/index.js';

export function probeQuic(dir: Direction, buf: Buffer, off: number, len: number): ProbeResult {
  // RFC 9000 §14.1: a client's datagram carrying an Initial is padded to at least 1200 bytes.
  if (dir !== 0 || len < 1200) return PROBE_NO;
  if ((buf[off] & 0xf0) !== 0xc0) return PROBE_NO;
  if (buf.readUInt32BE(off + 1) !== 1) return PROBE_NO;
  return buf[off + 5] <= 20 ? PROBE_MATCH : PROBE_NO;
}
