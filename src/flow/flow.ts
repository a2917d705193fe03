/**
 * One flow: the record the table keeps per 5-tuple (+ VLAN ids) and the FlowView the later stages read.
 * Direction 0 is the initiator → responder. Counters are plain number fields (no arrays per flow), exposed
 * as pairs when a record is written; app-layer state exists only for flows that get a parser or are still
 * being detected.
 */
import type { AppProtoName } from './app-contract.js';
import { communityId } from './community-id.js';
import type { TcpAppSession, UdpAppSession } from './app-session.js';
import type { TcpReassembler } from './tcp-reassembly.js';
import { TCP_NONE, TCP_STATE_NAMES } from './tcp-state.js';
import type { FlowState, FlowView } from './types.js';

const NO_VLAN: readonly number[] = Object.freeze([]);
const STATE_NAMES: readonly FlowState[] = ['new', 'established', 'closed'];

/** Timeout class of a flow = index of the expiry list it sits in. */
export const CLASS_NEW = 0;
export const CLASS_ESTABLISHED = 1;
export const CLASS_CLOSED = 2;

export class Flow implements FlowView {
  /** Initiator and responder address words as int32 fields (compared on every lookup; no typed arrays per flow). */
  s0 = 0;
  s1 = 0;
  s2 = 0;
  s3 = 0;
  d0 = 0;
  d1 = 0;
  d2 = 0;
  d3 = 0;
  ipVersion = 0;
  srcPort = 0;
  dstPort = 0;
  proto = 0;
  vlan: readonly number[] = NO_VLAN;
  /** VLAN ids as one number for key comparison (see FlowTrackerImpl.handle). */
  vlanKey = 0;
  startUs = 0;
  lastUs = 0;
  /** Per-direction counters as plain fields (no per-flow arrays); FlowView reads them through getters. */
  pkts0 = 0;
  pkts1 = 0;
  bytes0 = 0;
  bytes1 = 0;
  flags0 = 0;
  flags1 = 0;
  /** TTL range per direction: min | max << 8 (one small integer field each). */
  ttlRange0 = 0;
  ttlRange1 = 0;
  /** ICMP: the first packet's type and code each way (-1 until one is seen), for EVE's icmp_type/response_icmp_type. */
  icmpType0 = -1;
  icmpCode0 = -1;
  icmpType1 = -1;
  icmpCode1 = -1;
  appProto: AppProtoName = 'unknown';
  appProtoOrig: AppProtoName | undefined = undefined;
  /** 0 new, 1 established, 2 closed (index into STATE_NAMES); also the timeout class. */
  stateCode = CLASS_NEW;
  /** TCP session state (tcp-state.ts). */
  tcpStateCode = TCP_NONE;
  /** Table slot while the flow is live. */
  slot = -1;
  tcp: TcpAppSession | null = null;
  udp: UdpAppSession | null = null;
  streams: [TcpReassembler, TcpReassembler] | null = null;
  /**
   * ISNs from SYNs seen before any payload (bit 0: initiator's, bit 1: responder's), as int32: a sequence number
   * past 2^31 stored as is would make the field a boxed double in every flow (16 bytes more each).
   */
  isn0 = 0;
  isn1 = 0;
  synSeen = 0;
  /** App-layer work is over for this flow (no parser found, or none configured): only count packets. */
  appDone = false;
  /** TCP picked up without a SYN while midstream pickup is off: counted, never a session (Suricata's default). */
  noSession = false;
  /** stream.midstream-policy (options.ts): applied policy, pass (no inspection), bypass (no tracking). */
  exceptionPolicy: { target: string; policy: string } | undefined = undefined;
  passed = false;
  bypassed = false;
  /** The TLS handshake is over (its record was handed on): what follows is ciphertext. */
  tlsDone = false;
  /** encryption-handling=full: TLS ciphertext is content-matched like any payload. */
  cipherInspected = false;
  /** Most disjoint held regions per direction of streams already released (1: never a hole with data past it). */
  releasedRegions0 = 1;
  releasedRegions1 = 1;
  private cid: string | undefined;
  eveTuple: string | undefined = undefined;

  constructor(readonly id: number) {}

  /**
   * Built on each read, not kept: two cached 4-word typed arrays cost ~370 bytes a flow (~18 MB over big.pcap's
   * 48k flows, all live at its end), and the readers are once-a-flow or once-a-record. The rule engine's per-packet
   * address checks read the words through `flowAddress` instead.
   */
  get src(): Uint32Array {
    return Uint32Array.of(this.s0, this.s1, this.s2, this.s3);
  }

  get dst(): Uint32Array {
    return Uint32Array.of(this.d0, this.d1, this.d2, this.d3);
  }

  get pkts(): readonly [number, number] {
    return [this.pkts0, this.pkts1];
  }

  get bytes(): readonly [number, number] {
    return [this.bytes0, this.bytes1];
  }

  get tcpFlags(): readonly [number, number] {
    return [this.flags0, this.flags1];
  }

  get state(): FlowState {
    return this.bypassed ? 'bypassed' : STATE_NAMES[this.stateCode];
  }

  get tcpMaxRegions(): readonly [number, number] | undefined {
    if (this.proto !== 6 || this.noSession) return undefined;
    const s = this.streams;
    if (s === null) return [this.releasedRegions0, this.releasedRegions1];
    return [
      Math.max(this.releasedRegions0, s[0].maxRegions),
      Math.max(this.releasedRegions1, s[1].maxRegions),
    ];
  }

  get tcpState(): string {
    return TCP_STATE_NAMES[this.tcpStateCode];
  }

  /** Gap bytes of streams already released (app layer finished at close). */
  releasedGapBytes = 0;

  get gapBytes(): number {
    const s = this.streams;
    return this.releasedGapBytes + (s === null ? 0 : s[0].gapBytes + s[1].gapBytes);
  }

  communityId(): string {
    if (this.cid === undefined) this.cid = communityId(this);
    return this.cid;
  }
}

/**
 * A flow's initiator (side 0) or responder (side 1) address words: written into `out` for the tracker's own flows
 * (no allocation, for per-packet checks), the view's `src`/`dst` for any other FlowView.
 */
export function flowAddress(flow: FlowView, side: number, out: Uint32Array): ArrayLike<number> {
  if (!(flow instanceof Flow)) return side === 0 ? flow.src : flow.dst;
  if (side === 0) {
    out[0] = flow.s0;
    out[1] = flow.s1;
    out[2] = flow.s2;
    out[3] = flow.s3;
  } else {
    out[0] = flow.d0;
    out[1] = flow.d1;
    out[2] = flow.d2;
    out[3] = flow.d3;
  }
  return out;
}
