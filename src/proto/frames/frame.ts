/**
 * Frames: the protocol data units a framer marks in a flow (Suricata's app-layer frames), named `<proto>.<type>`
 * as rules name them (`tls.pdu`, `dns.pdu`). A frame is handed on once its bytes are all there (or the flow ends),
 * with those bytes for `frame` rules and the EVE `frame` record.
 */
import type { AppContext, AppRecord } from '../app-layer.js';

/** The frame names moat marks, as `frame:` rules write them. */
export const FRAME_NAMES: ReadonlySet<string> = new Set([
  'tls.pdu',
  'tls.hdr',
  'tls.data',
  'tls.alert',
  'tls.heartbeat',
  'dns.pdu',
]);

export interface AppFrame {
  /** The frame protocol's name (`tls`, `dns`) and the frame's type within it (`pdu`, `hdr`). */
  readonly proto: string;
  readonly type: string;
  /** Unique in the flow, from 1, in the order frames were started (both directions share the count). */
  readonly id: number;
  readonly dir: 0 | 1;
  /** TCP: where the frame starts in its direction's stream (0 = the first byte); undefined for datagrams. */
  readonly streamOffset?: number;
  /** The frame's length as its protocol announces it. */
  readonly length: number;
  /** The frame's bytes (fewer than `length` when the flow ended or a hole cut it). */
  readonly data: Buffer;
  readonly txId?: number;
}

export type FrameRecord = Extract<AppRecord, { type: 'frame' }>;

/** Hands frames on with per-flow ids. */
export class FrameIds {
  private next = 1;

  constructor(private readonly ctx: AppContext) {}

  /** Reserves `n` consecutive ids (a frame and its parts are numbered when the frame starts). */
  take(n: number): number {
    const id = this.next;
    this.next += n;
    return id;
  }

  emit(frame: AppFrame, tsUs: number): void {
    this.ctx.emit({ type: 'frame', frame }, tsUs);
  }
}
