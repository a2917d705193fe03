/**
 * The records moat's protocol parsers hand the flow layer, and the flow layer's parser contract
 * (`flow/app-contract.ts`) bound to them. Parsers only extract facts into these records; they never format logs
 * (the EVE writers in `output/eve/` do) and never judge (inspectors in `detect/`, `tlsmon/`, `security/` do).
 */
import type {
  AppAnomalyRecord,
  AppContext as FlowAppContext,
  AppProtocols as FlowAppProtocols,
  DatagramProtocolDef as FlowDatagramProtocolDef,
  StreamProtocolDef as FlowStreamProtocolDef,
} from '../flow/index.js';
import type { TlsHandshake } from './tls/types.js';
import type { HttpTransaction } from './http/types.js';
import type { DnsMessage } from './dns/types.js';
import type { QuicRecord } from './quic/types.js';
import type { AppFrame } from './frames/index.js';

/** Every record a parser emits, by `type`. */
export type AppRecord =
  | { type: 'tls'; tls: TlsHandshake }
  | { type: 'http'; http: HttpTransaction }
  | { type: 'dns'; dns: DnsMessage }
  | { type: 'quic'; quic: QuicRecord }
  | { type: 'frame'; frame: AppFrame }
  | AppAnomalyRecord;

/** What moat's parsers are given: records go out through `emit`. */
export type AppContext = FlowAppContext<AppRecord>;
export type StreamProtocolDef = FlowStreamProtocolDef<AppRecord>;
export type DatagramProtocolDef = FlowDatagramProtocolDef<AppRecord>;
export type AppProtocols = FlowAppProtocols<AppRecord>;
