/**
 * The contract between the flow layer and the stages after it (EVE output, inspection).
 * `flow/` implements `FlowTracker`; the engine calls the sink as records become complete.
 */
import type { AppAnomalyRecord, AppProtoName, AppRecordBase } from './app-contract.js';
import type { DecodedPacket } from '../decode/index.js';

/** `bypassed`: a midstream policy took the flow out of tracking (stream.midstream-policy=bypass). */
export type FlowState = 'new' | 'established' | 'closed' | 'bypassed';
/** Why a flow record was written: idle/closed timeout, forced out by the memory cap, or end of input. */
export type FlowEndReason = 'timeout' | 'forced' | 'shutdown';

/** What the rest of the pipeline may read of a flow. Direction 0 is the initiator → responder. */
export interface FlowView {
  /** Unique within a run; fits in 52 bits so JSON keeps it exact. */
  readonly id: number;
  readonly ipVersion: number;
  /** Initiator (client) and responder (server) addresses, IPv4-mapped for IPv4 (see DecodedPacket). */
  readonly src: Uint32Array;
  readonly dst: Uint32Array;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly proto: number;
  readonly vlan: readonly number[];
  readonly startUs: number;
  readonly lastUs: number;
  /** [to server, to client] */
  readonly pkts: readonly [number, number] | Float64Array;
  readonly bytes: readonly [number, number] | Float64Array;
  readonly state: FlowState;
  readonly appProto: AppProtoName;
  /** ICMP flows: type and code of the first packet each way, -1 when that way has none. */
  readonly icmpType0?: number;
  readonly icmpCode0?: number;
  readonly icmpType1?: number;
  readonly icmpCode1?: number;
  /** The protocol the flow started with when it changed to `appProto` (CONNECT → TLS). */
  readonly appProtoOrig?: AppProtoName;
  /**
   * The IP TTL (hop limit) range each way, packed as min | max << 8 (EVE netflow's min_ttl/max_ttl); meaningful once
   * that direction has a packet.
   */
  readonly ttlRange0?: number;
  readonly ttlRange1?: number;
  /** TCP flags seen per direction, OR-ed. */
  readonly tcpFlags: readonly [number, number] | Uint8Array;
  /** Missing stream bytes recorded by reassembly, both directions. */
  readonly gapBytes: number;
  /** TCP only: the session state as Suricata's EVE `tcp.state` names it (syn_sent, established, closed …). */
  readonly tcpState?: string;
  /**
   * TCP sessions: the most disjoint regions each direction's reassembly held at once (Suricata's
   * `tcp.ts_max_regions`/`tc_max_regions`: 1 for a stream that never had a hole with data beyond it).
   */
  readonly tcpMaxRegions?: readonly [number, number];
  /** The exception policy applied to the flow as EVE names it (`ignore`, `pass_flow`, `bypass`), with its target. */
  readonly exceptionPolicy?: { target: string; policy: string };
  /** A policy passed the flow: parsed and logged, never inspected (EVE `flow.action: pass`). */
  readonly passed?: boolean;
  /** TLS encryption-handling=full: the ciphertext is content-matched too (options.ts `tlsEncryption`). */
  readonly cipherInspected?: boolean;
  /** Community ID v1 (seed 0), computed once on demand. */
  communityId(): string;
  /**
   * The output's cache of this flow's encoded EVE tuple (interface, VLANs, addresses, ports, protocol), the
   * same in every record about the flow: written once, copied into the flow's later records. Its characters
   * are the encoded bytes (latin1).
   */
  eveTuple?: string;
}

/**
 * Where the flow layer hands what it found. `R` is the parsers' record type (the flow layer does not look into it);
 * the sink also receives the anomaly records the flow layer raises itself.
 */
export interface FlowSink<R extends AppRecordBase = AppRecordBase> {
  onAppRecord(flow: FlowView, record: R | AppAnomalyRecord, tsUs: number): void;
  onFlowEnd(flow: FlowView, reason: FlowEndReason, tsUs: number): void;
  /** A packet-level anomaly (decoder or stream event) tied to a flow when one exists. */
  onPacketAnomaly?(flow: FlowView | null, event: string, pkt: DecodedPacket): void;
  /** Every packet after its flow was updated (`dir` 0: client → server) — packet rules; only set when wanted. */
  onPacket?(flow: FlowView, dir: number, pkt: DecodedPacket): void;
  /** false: onPacket exists but nothing listens now — the engine skips the call on the hot path. */
  readonly wantsPackets?: boolean;
  /**
   * Reassembled TCP bytes in order (`dir` 0: client → server), for stream inspection; `onStreamGap` marks bytes
   * that never arrived. Only called when `wantsStream` is true: reassembly then runs to the end of every TCP
   * flow, not just until its parser has what it needs.
   */
  onStreamData?(flow: FlowView, dir: number, data: Buffer, tsUs: number): void;
  onStreamGap?(flow: FlowView, dir: number, len: number, tsUs: number): void;
  readonly wantsStream?: boolean;
  /**
   * HTTP bodies (their first 32 KiB a direction) are kept on transactions for inspection (rules' file_data …);
   * false: only their lengths are counted, which spares a copy of every body when nothing looks at them.
   */
  readonly wantsAppBodies?: boolean;
  /** Frames are marked (protocol framers run) for frame rules or EVE frame records; false or unset: never. */
  readonly wantsFrames?: boolean;
}

export interface FlowStats {
  flows: number;
  activeFlows: number;
  /** Flows pushed out by the memory cap before their timeout. */
  evicted: number;
  tcpGaps: number;
  reassemblyOverflows: number;
}

export interface FlowTracker {
  /** One decoded packet (ipVersion ≠ 0). Times must not go backwards by more than the timeouts. */
  handle(pkt: DecodedPacket): void;
  /** Expire flows idle at `nowUs` (the engine calls this as packet time advances). */
  advanceTime(nowUs: number): void;
  /** End every flow with reason 'shutdown' (end of input). */
  finish(nowUs: number): void;
  readonly stats: FlowStats;
}
