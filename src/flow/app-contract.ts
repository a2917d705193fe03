/**
 * The contract between the flow layer and application-protocol parsers. The flow layer owns it and names no
 * protocol: `proto/` implements it (its definitions and its record types) and the pipeline hands the flow
 * tracker the list of definitions to probe.
 *
 * The flow layer detects a flow's protocol by content (never by port alone): it asks each definition's probe, in
 * order, on the first payload bytes of a flow and keeps the first match; a port only breaks ties. It creates one
 * parser per flow that needs one and feeds it in-order stream bytes (TCP, after reassembly) or datagrams (UDP).
 * Parsers only extract facts into typed records and hand them to `AppContext.emit`; they never format logs and
 * never judge. The flow layer passes records on to its sink without looking into them.
 */

/** Direction of bytes within a flow: from the initiator (client) or from the responder (server). */
export const TO_SERVER = 0;
export const TO_CLIENT = 1;
export type Direction = 0 | 1;

/** A protocol's name as EVE's `app_proto` writes it ('tls', 'http' …); 'unknown' until one is detected. */
export type AppProtoName = string;

/** What every record a parser hands on has: its kind, which the stages after the flow layer switch on. */
export interface AppRecordBase {
  readonly type: string;
}

/** A protocol anomaly (malformed record, oversize field, a parser that failed); becomes an EVE `anomaly`. */
export interface AppAnomaly {
  /** Protocol-qualified event name, e.g. `tls.invalid_record_length`, `x509.malformed_certificate`. */
  event: string;
  /** Human-readable detail naming the value seen. */
  detail?: string;
  /** The direction of the data that raised it (0 to the server), when the parser knows it. */
  dir?: 0 | 1;
  /** The transaction it belongs to (Suricata's `tx_id`), when the parser knows it. */
  txId?: number;
}

/** The one record kind the flow layer emits itself (stream events, parser failures); parsers may emit it too. */
export interface AppAnomalyRecord {
  readonly type: 'anomaly';
  readonly anomaly: AppAnomaly;
}

export interface AppContext<R extends AppRecordBase = AppRecordBase> {
  /** Hands a finished record on; `tsUs` is the packet time the record became complete. */
  emit(record: R | AppAnomalyRecord, tsUs: number): void;
  /** Whether message bodies are kept for inspection (unset: kept); their lengths are counted either way. */
  readonly keepBodies?: boolean;
  /**
   * The connection now carries another protocol (TLS in an accepted CONNECT tunnel): the flow's app_proto becomes
   * `proto` and the first one is kept as app_proto_orig, as Suricata names a protocol change.
   */
  changeProto?(proto: AppProtoName): void;
}

/** A parser for one TCP flow: receives each direction's bytes in order, exactly once. */
export interface StreamParser {
  readonly proto: AppProtoName;
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

/**
 * Marks a protocol's data units in one flow (Suricata's frames: a TLS record, a DNS message …) for `frame` rules and
 * EVE `frame` records, beside the parser and independent of it. TCP: each direction's bytes in order, and holes;
 * UDP: each datagram whole. Created only when something uses frames, so it costs nothing otherwise.
 */
export interface Framer {
  onData(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void;
  onGap(dir: Direction, len: number, tsUs: number): void;
}

/** A parser for one UDP flow: receives whole datagrams. */
export interface DatagramParser {
  readonly proto: AppProtoName;
  onDatagram(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void;
  onEnd(tsUs: number): void;
}

/** The probe needs more bytes before it can say (a TCP segment cut a header short). */
export const PROBE_NEED_MORE = 0;
/** These bytes are this protocol. */
export const PROBE_MATCH = 1;
/** These bytes are not this protocol. */
export const PROBE_NO = -1;
export type ProbeResult = -1 | 0 | 1;

/** How a protocol module tells the flow layer it exists: a content probe and a parser factory. */
/**
 * A protocol's recognizer on the first bytes of one direction. Must not allocate on the common path and must not
 * keep `buf`. `portHint`: the flow is on a port the configuration names for this protocol
 * (FlowTrackerOptions.detectionPorts).
 */
export type AppProbe = (
  dir: Direction,
  buf: Buffer,
  off: number,
  len: number,
  srcPort: number,
  dstPort: number,
  portHint?: boolean,
) => ProbeResult;

export interface StreamProtocolDef<R extends AppRecordBase = AppRecordBase> {
  readonly proto: AppProtoName;
  /** Looks at the first bytes of one direction of a TCP flow (`dir` says which; a server may speak first). */
  probe: AppProbe;
  create(ctx: AppContext<R>): StreamParser;
  /** The protocol's framer, when it marks frames. */
  framer?(ctx: AppContext<R>): Framer;
}

export interface DatagramProtocolDef<R extends AppRecordBase = AppRecordBase> {
  readonly proto: AppProtoName;
  probe: AppProbe;
  create(ctx: AppContext<R>): DatagramParser;
  framer?(ctx: AppContext<R>): Framer;
}

/** The protocols a flow tracker detects, in probe order: TCP and UDP. Empty lists: flows only, nothing parsed. */
export interface AppProtocols<R extends AppRecordBase = AppRecordBase> {
  readonly stream: readonly StreamProtocolDef<R>[];
  readonly datagram: readonly DatagramProtocolDef<R>[];
}

/**
 * The definitions with the configured detection ports applied: a protocol that has some probes with `portHint`
 * true on them. The others are returned as they are.
 */
export function withDetectionPorts<D extends StreamProtocolDef | DatagramProtocolDef>(
  defs: readonly D[],
  ports: Record<string, number[]> | undefined,
): readonly D[] {
  if (!ports) return defs;
  return defs.map((def) => {
    const list = ports[def.proto];
    if (!list || list.length === 0) return def;
    const set = new Set(list);
    const wrapped = Object.create(def) as D;
    wrapped.probe = (dir, buf, off, len, sp, dp) =>
      def.probe(dir, buf, off, len, sp, dp, set.has(sp) || set.has(dp));
    return wrapped;
  });
}

/** No protocols: the flow tracker keeps flows and parses nothing. */
export const NO_PROTOCOLS: AppProtocols = { stream: [], datagram: [] };
