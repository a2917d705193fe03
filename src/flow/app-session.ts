/**
 * Application-layer detection and parsing for one flow: the content probes of the protocols given are asked on the
 * first payload bytes of each direction (never the port alone), the first match creates the parser, and the
 * parser's records go to the sink. A parser that throws is switched off for its flow and reported as an
 * anomaly, so one malformed stream cannot stop the pipeline.
 */
import {
  PROBE_MATCH,
  PROBE_NEED_MORE,
  PROBE_NO,
  type AppAnomalyRecord,
  type AppContext,
  type AppProtoName,
  type AppRecordBase,
  type DatagramParser,
  type DatagramProtocolDef,
  type Direction,
  type Framer,
  type ProbeResult,
  type StreamParser,
  type StreamProtocolDef,
} from './app-contract.js';
import type { Flow } from './flow.js';
import type { FlowSink } from './types.js';
import type { StreamConsumer } from './tcp-reassembly.js';

/** The stream events the engine raises on packets (Suricata's names), for `stream-event` rules. */
export const STREAM_OVERLAP_DIFFERENT = 'stream.reassembly_overlap_different_data';
export const STREAM_SEQ_GAP = 'stream.reassembly_seq_gap';
export const STREAM_DEPTH_REACHED = 'stream.reassembly_depth_reached';
export const STREAM_EVENT_NAMES: readonly string[] = [
  STREAM_OVERLAP_DIFFERENT,
  STREAM_SEQ_GAP,
  STREAM_DEPTH_REACHED,
];

/** Bytes a direction may accumulate while a probe still needs more; past this the direction is 'unknown'. */
export const PROBE_BUFFER_MAX = 4096;
/** Datagrams (either direction) probed before a UDP flow is given up as 'unknown'. */
export const DATAGRAM_PROBE_MAX = 4;

export const DETECT_PENDING = 0;
export const DETECT_PARSER = 1;
export const DETECT_UNKNOWN = 2;

/** A probe that throws on hostile bytes counts as "not this protocol" instead of stopping the pipeline. */
function safeProbe(
  def: StreamProtocolDef | DatagramProtocolDef,
  dir: Direction,
  buf: Buffer,
  off: number,
  len: number,
  sp: number,
  dp: number,
): ProbeResult {
  try {
    return def.probe(dir, buf, off, len, sp, dp);
  } catch {
    return PROBE_NO;
  }
}

/** Where stream-level events go (the engine ties them to the packet being processed). */
export interface StreamAnomalyReporter {
  streamAnomaly(flow: Flow, event: string, tsUs: number): void;
  /** An event on the packet being processed, for `stream-event` rules only (no anomaly record). */
  streamEvent(event: string): void;
}

/** Shared by TCP and UDP sessions: the record path to the sink and the parser-failure policy. */
abstract class AppSessionBase implements AppContext {
  detect = DETECT_PENDING;
  proto: AppProtoName = 'unknown';

  constructor(
    protected readonly flow: Flow,
    protected readonly sink: FlowSink,
  ) {}

  emit(record: AppRecordBase | AppAnomalyRecord, tsUs: number): void {
    this.deliver(record, tsUs);
  }

  /** A record to the sink; the TLS handshake's record marks the flow's payload as ciphertext from here on. */
  protected deliver(record: AppRecordBase | AppAnomalyRecord, tsUs: number): void {
    if (record.type === 'tls') this.flow.tlsDone = true;
    this.sink.onAppRecord(this.flow, record, tsUs);
  }

  changeProto(proto: AppProtoName): void {
    if (this.flow.appProto === proto) return;
    this.flow.appProtoOrig ??= this.flow.appProto;
    this.flow.appProto = proto;
  }

  get keepBodies(): boolean {
    return this.sink.wantsAppBodies !== false;
  }

  protected parserFailed(err: unknown, tsUs: number): void {
    this.detect = DETECT_UNKNOWN;
    const detail = err instanceof Error ? err.message : String(err);
    this.emit({ type: 'anomaly', anomaly: { event: `${this.proto}.parser_error`, detail } }, tsUs);
  }
}

/** A record a parser produced from data its peer has not acknowledged yet. */
interface HeldRecord {
  dir: Direction;
  /** The direction's stream offset the record needs acknowledged (the end of the data that produced it). */
  end: number;
  record: AppRecordBase | AppAnomalyRecord;
}

/**
 * TCP: records are handed on when the peer acknowledges the data that produced them, as Suricata's IDS mode runs
 * its app layer on acknowledged data only — so an event names the packet that carried the ACK (`pcap_cnt`, time),
 * e.g. a TLS handshake event is the client's ACK of the server's certificate flight. The bytes are parsed on
 * arrival (no copy is held); only the few records wait. RST, the end of the session or of the flow hands on
 * whatever still waits.
 */
export class TcpAppSession extends AppSessionBase implements StreamConsumer {
  parser: StreamParser | null = null;
  /** The protocol's framer when frames are wanted: fed every byte, also after the parser has what it wants. */
  framer: Framer | null = null;
  /** Stream bytes (data and gaps) delivered per direction: the offsets acknowledgments are compared with. */
  private delivered0 = 0;
  private delivered1 = 0;
  /** The direction whose data is being parsed (records from it wait for its ACK), -1 outside. */
  private curDir = -1;
  private curEnd = 0;
  /** Records waiting for an acknowledgment, in the order they were made. */
  private held: HeldRecord[] | null = null;

  /**
   * Directions whose data came on their SYN (TCP Fast Open, bit 0 initiator, bit 1 responder): the peer has sent
   * nothing yet, but its SYN/ACK is on the way, so this is no one-sided capture and the records wait.
   */
  synData = 0;

  /** No record waits for an acknowledgment. */
  get idle(): boolean {
    return this.held === null && this.protoDir < 0;
  }

  override emit(record: AppRecordBase | AppAnomalyRecord, tsUs: number): void {
    // A peer that has sent nothing (a one-sided capture or tap) will never acknowledge: no waiting then.
    if (this.curDir < 0 || this.peerSilent()) {
      this.deliver(record, tsUs);
      return;
    }
    (this.held ??= []).push({ dir: this.curDir as Direction, end: this.curEnd, record });
  }

  /**
   * The peer acknowledged direction `dir`'s stream up to `ackedTo` (a stream offset, past the end when the ACK
   * also covers a FIN): its records made from data before that go on, with the acknowledging packet's time.
   */
  acknowledged(dir: Direction, ackedTo: number, tsUs: number): void {
    if (this.protoDir === dir && this.protoEnd <= ackedTo) this.applyProto();
    const held = this.held;
    if (held === null) return;
    let kept = 0;
    let ready: HeldRecord[] | null = null;
    for (const h of held) {
      if (h.dir === dir && h.end <= ackedTo) (ready ??= []).push(h);
      else held[kept++] = h;
    }
    if (ready === null) return;
    held.length = kept;
    if (kept === 0) this.held = null;
    for (const h of ready) this.deliver(h.record, tsUs);
  }

  /** Hands on every waiting record (RST, session or flow end). */
  releaseHeld(tsUs: number): void {
    this.applyProto();
    const held = this.held;
    if (held === null) return;
    this.held = null;
    for (const h of held) this.deliver(h.record, tsUs);
  }

  /**
   * The protocol detected on data the peer has not acknowledged yet: the flow's app_proto is set when it is, as
   * Suricata's IDS mode detects the protocol on acknowledged data (a rule on `http` does not match the request's
   * own packet, only the packets from its ACK on). -1: none waits.
   */
  private protoDir = -1;
  private protoEnd = 0;

  private applyProto(): void {
    if (this.protoDir < 0) return;
    this.protoDir = -1;
    if (this.flow.appProto === 'unknown') this.flow.appProto = this.proto;
  }

  override changeProto(proto: AppProtoName): void {
    this.applyProto();
    super.changeProto(proto);
  }

  /** Parses with the records of `dir`'s data waiting for its acknowledgment up to `end`. */
  private within(dir: Direction, end: number): void {
    this.curDir = dir;
    this.curEnd = end;
  }
  /** Bytes of a direction a probe asked more of; per direction, no arrays per flow. */
  private pending0: Buffer | null = null;
  private pending1: Buffer | null = null;
  /** Directions whose probes all said no (bit 0 initiator, bit 1 responder). */
  private given = 0;

  constructor(
    flow: Flow,
    sink: FlowSink,
    private readonly defs: readonly StreamProtocolDef[],
    private readonly anomalies: StreamAnomalyReporter,
    /**
     * stream.async-oneside=false: data is parsed on the peer's acknowledgment only, even when the peer is never
     * seen (its records then go at the end of the session), as Suricata's IDS mode without async streams.
     */
    private readonly alwaysWait = false,
  ) {
    super(flow, sink);
    if (defs.length === 0) this.detect = DETECT_UNKNOWN;
  }

  /**
   * The direction being parsed has a peer that has sent nothing: it will never acknowledge (a one-sided capture or
   * tap) — unless the data came on a SYN, whose SYN/ACK is on the way.
   */
  private peerSilent(): boolean {
    const d = this.curDir;
    return (
      !this.alwaysWait &&
      (d === 0 ? this.flow.pkts1 : this.flow.pkts0) === 0 &&
      (this.synData & (1 << d)) === 0
    );
  }

  /** Directions (bit per direction) whose remaining bytes go to stream inspection only (see `onAppLayerCut`). */
  private appCut = 0;

  onAppLayerCut(dir: Direction): void {
    this.appCut |= 1 << dir;
  }

  onStreamData(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void {
    const end = dir === 0 ? (this.delivered0 += len) : (this.delivered1 += len);
    if (this.sink.wantsStream === true)
      this.sink.onStreamData?.(this.flow, dir, buf.subarray(off, off + len), tsUs);
    if (this.appCut & (1 << dir)) return;
    this.feed(dir, buf, off, len, tsUs, end);
  }

  /** Data to the parser, or to the probes while undecided; records wait for `dir`'s ACK up to `end`. */
  private feed(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number, end: number): void {
    if (this.framer !== null && this.detect === DETECT_PARSER) {
      this.within(dir, end);
      try {
        this.framer.onData(dir, buf, off, len, tsUs);
      } catch (err) {
        this.framer = null;
        this.parserFailed(err, tsUs);
      }
      this.curDir = -1;
    }
    // Kept reassembling for stream inspection: a parser that has what it wants is not fed more.
    if (this.parser?.finished === true) return;
    if (this.detect === DETECT_PARSER) {
      this.within(dir, end);
      try {
        this.parser!.onData(dir, buf, off, len, tsUs);
      } catch (err) {
        this.parserFailed(err, tsUs);
      }
      this.curDir = -1;
      return;
    }
    if (this.detect !== DETECT_PENDING || this.given & (1 << dir)) return;
    let pb = dir === 0 ? this.pending0 : this.pending1;
    this.within(dir, end);
    if (pb !== null) {
      // A probe asked for more: probe the accumulated bytes.
      const room = PROBE_BUFFER_MAX - pb.length;
      pb = Buffer.concat([pb, buf.subarray(off, off + (len < room ? len : room))]);
      this.setPending(dir, pb);
      this.probe(dir, pb, 0, pb.length, tsUs, pb.length >= PROBE_BUFFER_MAX);
    } else {
      this.probe(dir, buf, off, len, tsUs, len >= PROBE_BUFFER_MAX);
    }
    this.curDir = -1;
  }

  onStreamGap(dir: Direction, len: number, tsUs: number, acked: boolean): void {
    const end = dir === 0 ? (this.delivered0 += len) : (this.delivered1 += len);
    // Suricata's STREAM_REASSEMBLY_SEQ_GAP: the packet whose ACK passes a hole hands the app layer a gap. A hole
    // flushed at RST or the end (never acknowledged) is not one.
    if (acked) this.anomalies.streamEvent(STREAM_SEQ_GAP);
    if (this.sink.wantsStream === true) this.sink.onStreamGap?.(this.flow, dir, len, tsUs);
    if (this.appCut & (1 << dir)) return;
    if (this.framer !== null && this.detect === DETECT_PARSER) this.framer.onGap(dir, len, tsUs);
    if (this.parser?.finished === true) return;
    if (this.detect === DETECT_PARSER) {
      this.within(dir, end);
      try {
        this.parser!.onGap(dir, len, tsUs);
      } catch (err) {
        this.parserFailed(err, tsUs);
      }
      this.curDir = -1;
    } else if (this.detect === DETECT_PENDING) {
      // Bytes after a hole cannot be probed as the start of the stream.
      this.giveUp(dir);
    }
  }

  onStreamDepthReached(_dir: Direction, tsUs: number): void {
    this.anomalies.streamAnomaly(this.flow, STREAM_DEPTH_REACHED, tsUs);
  }

  onStreamOverlapDifferent(_dir: Direction, tsUs: number): void {
    this.anomalies.streamAnomaly(this.flow, STREAM_OVERLAP_DIFFERENT, tsUs);
  }

  end(tsUs: number): void {
    this.releaseHeld(tsUs);
    if (this.detect !== DETECT_PARSER) return;
    try {
      this.parser!.onEnd(tsUs);
    } catch (err) {
      this.parserFailed(err, tsUs);
    }
  }

  private probe(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number, full: boolean): void {
    const f = this.flow;
    const sp = dir === 0 ? f.srcPort : f.dstPort;
    const dp = dir === 0 ? f.dstPort : f.srcPort;
    let needMore = false;
    for (const def of this.defs) {
      const r = safeProbe(def, dir, buf, off, len, sp, dp);
      if (r === PROBE_MATCH) {
        this.start(def, dir, buf, off, len, tsUs);
        return;
      }
      if (r === PROBE_NEED_MORE) needMore = true;
    }
    if (needMore && !full) {
      if ((dir === 0 ? this.pending0 : this.pending1) === null) {
        this.setPending(dir, Buffer.from(buf.subarray(off, off + len)));
      }
      return;
    }
    this.giveUp(dir);
  }

  private giveUp(dir: Direction): void {
    this.given |= 1 << dir;
    this.setPending(dir, null);
    if (this.given === 3) this.detect = DETECT_UNKNOWN;
  }

  private setPending(dir: Direction, b: Buffer | null): void {
    if (dir === 0) this.pending0 = b;
    else this.pending1 = b;
  }

  private start(
    def: StreamProtocolDef,
    dir: Direction,
    buf: Buffer,
    off: number,
    len: number,
    tsUs: number,
  ): void {
    this.proto = def.proto;
    try {
      this.parser = def.create(this);
    } catch (err) {
      this.parserFailed(err, tsUs);
      return;
    }
    this.detect = DETECT_PARSER;
    if (this.sink.wantsFrames === true && def.framer) this.framer = def.framer(this);
    // A peer that has sent nothing will not acknowledge (a one-sided capture): known at once then.
    if (this.curDir < 0 || this.peerSilent()) this.flow.appProto = def.proto;
    else {
      this.protoDir = this.curDir;
      this.protoEnd = this.curEnd;
    }
    // Bytes the other direction sent while undecided come first (they were earlier in time).
    const other = (1 - dir) as Direction;
    const ob = other === 0 ? this.pending0 : this.pending1;
    this.pending0 = this.pending1 = null;
    if (ob !== null)
      this.feed(other, ob, 0, ob.length, tsUs, other === 0 ? this.delivered0 : this.delivered1);
    if (this.detect === DETECT_PARSER)
      this.feed(dir, buf, off, len, tsUs, dir === 0 ? this.delivered0 : this.delivered1);
  }
}

export class UdpAppSession extends AppSessionBase {
  parser: DatagramParser | null = null;
  private framer: Framer | null = null;
  private tries = 0;

  constructor(
    flow: Flow,
    sink: FlowSink,
    private readonly defs: readonly DatagramProtocolDef[],
  ) {
    super(flow, sink);
    if (defs.length === 0) this.detect = DETECT_UNKNOWN;
  }

  datagram(
    dir: Direction,
    buf: Buffer,
    off: number,
    len: number,
    sp: number,
    dp: number,
    tsUs: number,
  ): void {
    if (this.detect === DETECT_PENDING) {
      let def: DatagramProtocolDef | undefined;
      for (const d of this.defs) {
        if (safeProbe(d, dir, buf, off, len, sp, dp) === PROBE_MATCH) {
          def = d;
          break;
        }
      }
      if (def === undefined) {
        if (++this.tries >= DATAGRAM_PROBE_MAX) this.detect = DETECT_UNKNOWN;
        return;
      }
      this.proto = def.proto;
      try {
        this.parser = def.create(this);
      } catch (err) {
        this.parserFailed(err, tsUs);
        return;
      }
      this.detect = DETECT_PARSER;
      this.flow.appProto = def.proto;
      if (this.sink.wantsFrames === true && def.framer) this.framer = def.framer(this);
    }
    if (this.detect !== DETECT_PARSER) return;
    if (this.framer !== null) {
      try {
        this.framer.onData(dir, buf, off, len, tsUs);
      } catch (err) {
        this.framer = null;
        this.parserFailed(err, tsUs);
        return;
      }
    }
    try {
      this.parser!.onDatagram(dir, buf, off, len, tsUs);
    } catch (err) {
      this.parserFailed(err, tsUs);
    }
  }

  end(tsUs: number): void {
    if (this.detect !== DETECT_PARSER) return;
    try {
      this.parser!.onEnd(tsUs);
    } catch (err) {
      this.parserFailed(err, tsUs);
    }
  }
}
