/** Detects HTTP/2 with prior knowledge: the client's first bytes are the connection preface (RFC 9113 §3.4). */
import {
  PROBE_MATCH,
  PROBE_NEED_MORE,
  PROBE_NO,
  type Direction,
  type ProbeResult,
} from '../../flow/index.js';
import { PREFACE } from './frames.js';

export function probeHttp2(dir: Direction, buf: Buffer, off: number, len: number): ProbeResult {
  if (dir !== 0) return PROBE_NO;
  const n = Math.min(len, PREFACE.length);
  if (buf.compare(PREFACE, 0, n, off, off + n) !== 0) return PROBE_NO;
  // "PRI * HTTP/2.0" alone is already unmistakable (and must win over HTTP/1's probe on a short segment).
  return n >= 14 ? PROBE_MATCH : PROBE_NEED_MORE;
}
