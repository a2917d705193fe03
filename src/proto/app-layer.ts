/**
 * The contract between the flow layer and application-protocol parsers.
 *
 * The flow layer detects a flow's protocol by content (never by port alone), creates one parser per flow
 * that needs one, and feeds it in-order stream bytes (TCP, after reassembly) or datagrams (UDP). Parsers
 * only extract facts into typed records and hand them to `AppContext.emit`; they never format logs (the
 * EVE loggers in `output/eve/` do) and never judge (inspectors in `detect/`, `tlsmon/` do).
 */
import type { TlsHandshake } from './tls/types.js';
import type { HttpTransaction } from './http/types.js';
import type { DnsMessage } from './dns/types.js';

/** Direction of bytes within a flow: from the initiator (client) or from the responder (server). */
export const TO_SERVER = 0;
export const TO_CLIENT = 1;
export type Direction = 0 | 1;

export type AppProto = 'tls' | 'http' | 'dns' | 'ssh' | 'quic' | 'unknown';

/** A protocol anomaly a parser noticed (malformed record, oversize field); becomes an EVE `anomaly`. */
export interface AppAnomaly {
  /** Protocol-qualified event name, e.g. `tls.invalid_record_length`, `x509.malformed_certificate`. */
  event: string;
  /** Human-readable detail naming the value seen. */
  detail?: string;
}

export type AppRecord =
  | { type: 'tls'; tls: TlsHandshake }
  | { type: 'http'; http: HttpTransaction }
  | { type: 'dns'; dns: DnsMessage }
  | { type: 'anomaly'; anomaly: AppAnomaly };

export interface AppContext {
  /** Hands a finished record on; `tsUs` is the packet time the record became complete. */
  emit(record: AppRecord, tsUs: number): void;
  /** Whether message bodies are kept for inspection (unset: kept); their lengths are counted either way. */
  readonly keepBodies?: boolean;
}

/** A parser for one TCP flow: receives each direction's bytes in order, exactly once. */
export interface StreamParser {
  readonly proto: AppProto;
  /**
   * The parser has all it wants from this flow (a TLS handshake is over; the rest is ciphertext): the flow layer stops
   * reassembling and feeding it, which is what keeps bulk transfer cheap. onEnd is still called once.
   */
  readonly finished?: boolean;
  onData(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void;
  /** `len` bytes are missing in `dir` (capture loss); the parser resynchronises or gives up. */
  onGap(dir: Direction, len: number, tsUs: number): void;
  /** The flow ended (FIN/RST, timeout, end of capture): emit whatever is pending. */
  onEnd(tsUs: number): void;
}

/** A parser for one UDP flow: receives whole datagrams. */
export interface DatagramParser {
  readonly proto: AppProto;
  onDatagram(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void;
  onEnd(tsUs: number): void;
}
