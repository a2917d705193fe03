/** Detects TLS by content on any port: a handshake record carrying a hello, or an SSLv2-format ClientHello. */
import {
  PROBE_MATCH,
  PROBE_NEED_MORE,
  PROBE_NO,
  type Direction,
  type ProbeResult,
} from '../../flow/index.js';

export function probeTls(dir: Direction, buf: Buffer, off: number, len: number): ProbeResult {
  if (len < 1) return PROBE_NEED_MORE;
  const b0 = buf[off];
  if (b0 === 22) {
    if (len < 3) return PROBE_NEED_MORE;
    if (buf[off + 1] !== 3 || buf[off + 2] > 4) return PROBE_NO;
    if (len < 6) return PROBE_NEED_MORE;
    const rlen = (buf[off + 3] << 8) | buf[off + 4];
    if (rlen < 4 || rlen > 16384 + 2048) return PROBE_NO;
    const hs = buf[off + 5];
    // A client opens with ClientHello; a server speaking first (mid-stream pickup) shows its ServerHello.
    return hs === 1 || (hs === 2 && dir === 1) ? PROBE_MATCH : PROBE_NO;
  }
  if (b0 & 0x80 && dir === 0) {
    if (len < 5) return PROBE_NEED_MORE;
    const major = buf[off + 3];
    return buf[off + 2] === 1 && (major === 0 || major === 2 || major === 3) ? PROBE_MATCH : PROBE_NO;
  }
  return PROBE_NO;
}
