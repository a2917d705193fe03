/**
 * The inspection stage's contract: components that judge what the protocol parsers found (the TLS monitor of
 * Spec T, the rule engine, models). An inspector sees each app-layer record with the EVE event built for it,
 * may add its findings to that event (e.g. `tls.moat.score`) and may return further events (alerts). It never
 * reaches back into parsing or flow state: data flows one way.
 */
import type { AppRecord } from '../proto/app-layer.js';
import type { FlowEndReason, FlowView } from '../flow/types.js';
import type { EveEvent } from '../output/eve/header.js';
import type { DecodedPacket } from '../decode/decoded-packet.js';

export interface Inspector {
  readonly name: string;
  onAppRecord?(flow: FlowView, record: AppRecord, tsUs: number, ev: EveEvent): EveEvent[] | undefined;
  onFlowEnd?(flow: FlowView, reason: FlowEndReason, tsUs: number, ev: EveEvent): EveEvent[] | undefined;
  /** Every packet of a flow after the flow layer counted it (`dir` 0: client → server). Hot path. */
  onPacket?(flow: FlowView, dir: number, pkt: DecodedPacket): EveEvent[] | undefined;
  /**
   * Reassembled TCP bytes in order, and holes (stream inspection). Only called when `wantsStream` says so, as
   * it keeps reassembly running for every TCP flow.
   */
  onStreamData?(flow: FlowView, dir: number, data: Buffer, tsUs: number): void;
  onStreamGap?(flow: FlowView, dir: number, len: number, tsUs: number): void;
  readonly wantsStream?: boolean;
  /** End of input: flush state (history counters, pending notifications). */
  close?(): Promise<void> | void;
}
