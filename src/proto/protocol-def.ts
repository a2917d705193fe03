/**
 * How a protocol module tells the flow layer it exists: a content probe and a parser factory. The flow layer
 * (`flow/`) asks the probes of `proto/registry.ts` in order, on the first payload bytes of a flow, and keeps
 * the first match — detection by content, never by port alone (a port only breaks ties).
 */
import type { AppContext, AppProto, DatagramParser, Direction, StreamParser } from './app-layer.js';

/** The probe needs more bytes before it can say (a TCP segment cut a header short). */
export const PROBE_NEED_MORE = 0;
/** These bytes are this protocol. */
export const PROBE_MATCH = 1;
/** These bytes are not this protocol. */
export const PROBE_NO = -1;
export type ProbeResult = -1 | 0 | 1;

export interface StreamProtocolDef {
  readonly proto: AppProto;
  /**
   * Looks at the first bytes of one direction of a TCP flow (`dir` says which; a server may speak first).
   * Must not allocate on the common path and must not keep `buf`.
   */
  probe(dir: Direction, buf: Buffer, off: number, len: number, srcPort: number, dstPort: number): ProbeResult;
  create(ctx: AppContext): StreamParser;
}

export interface DatagramProtocolDef {
  readonly proto: AppProto;
  probe(dir: Direction, buf: Buffer, off: number, len: number, srcPort: number, dstPort: number): ProbeResult;
  create(ctx: AppContext): DatagramParser;
}
