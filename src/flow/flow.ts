/**
 * One flow: the record the table keeps per 5-tuple (+ VLAN ids) and the FlowView the later stages read.
 * Direction 0 is the initiator → responder. Counters are plain two-element arrays (cheaper per flow than
 * typed arrays); app-layer state exists only for flows that get a parser or are still being detected.
 */
import type { AppProto } from '../proto/app-layer.js';
import { communityId } from './community-id.js';
import type { TcpAppSession, UdpAppSession } from './app-session.js';
import type { TcpReassembler } from './tcp-reassembly.js';
import { TCP_NONE, TCP_STATE_NAMES } from './tcp-state.js';
import type { FlowState, FlowView } from './types.js';

const STATE_NAMES: readonly FlowState[] = ['new', 'established', 'closed'];

/** Timeout class of a flow = index of the expiry list it sits in. */
export const CLASS_NEW = 0;
export const CLASS_ESTABLISHED = 1;
export const CLASS_CLOSED = 2;

export class Flow implements FlowView {
  readonly src = new Uint32Array(4);
  readonly dst = new Uint32Array(4);
  ipVersion = 0;
  srcPort = 0;
  dstPort = 0;
  proto = 0;
  vlan: number[] = [];
  /** VLAN ids as one number for key comparison: vlan[0] | vlan[1] << 16, plus the count in bits 32+. */
  vlanKey = 0;
  startUs = 0;
  lastUs = 0;
  readonly pkts: [number, number] = [0, 0];
  readonly bytes: [number, number] = [0, 0];
  readonly tcpFlags: [number, number] = [0, 0];
  appProto: AppProto = 'unknown';
  /** 0 new, 1 established, 2 closed (index into STATE_NAMES); also the timeout class. */
  stateCode = CLASS_NEW;
  /** TCP session state (tcp-state.ts). */
  tcpStateCode = TCP_NONE;
  /** Table slot while the flow is live. */
  slot = -1;
  hash = 0;
  tcp: TcpAppSession | null = null;
  udp: UdpAppSession | null = null;
  streams: [TcpReassembler, TcpReassembler] | null = null;
  /** ISNs from SYNs seen before any payload (bit 0: initiator's, bit 1: responder's). */
  isn0 = 0;
  isn1 = 0;
  synSeen = 0;
  /** App-layer work is over for this flow (no parser found, or none configured): only count packets. */
  appDone = false;
  private cid: string | undefined;

  constructor(readonly id: number) {}

  get state(): FlowState {
    return STATE_NAMES[this.stateCode];
  }

  get tcpState(): string {
    return TCP_STATE_NAMES[this.tcpStateCode];
  }

  get gapBytes(): number {
    const s = this.streams;
    return s === null ? 0 : s[0].gapBytes + s[1].gapBytes;
  }

  communityId(): string {
    if (this.cid === undefined) this.cid = communityId(this);
    return this.cid;
  }
}
