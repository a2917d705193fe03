/**
 * The inspection stage's contract: components that judge what the protocol parsers found (the TLS monitor of
 * Spec T, the rule engine, models, log review). An inspector sees each app-layer record, each flow's end and —
 * when it asks — each packet and the reassembled streams, and returns what it found as typed findings
 * (`finding/`): it never builds or changes EVE events (the output stage renders findings) and never reaches back
 * into parsing or flow state: data flows one way.
 */
import type { AppRecord } from '../proto/index.js';
import type { FlowEndReason, FlowView } from '../flow/index.js';
import type { DecodedPacket } from '../decode/index.js';
import type { Finding } from '../finding/index.js';

/**
 * Findings an inspector reached after it returned from the record they are about (a certificate fetch its verdict
 * waited for completed): the output writes the record's event again, as of `tsUs`, with them.
 */
export type LateFindings = (
  flow: FlowView,
  record: AppRecord,
  tsUs: number,
  findings: readonly Finding[],
) => void;

export interface Inspector {
  readonly name: string;
  onAppRecord?(flow: FlowView, record: AppRecord, tsUs: number): readonly Finding[] | undefined;
  /**
   * A parser's event (an `anomaly` record, which onAppRecord does not get): the rule engine keeps it for the
   * transaction record that follows (app-layer-event).
   */
  onAppEvent?(flow: FlowView, record: AppRecord & { type: 'anomaly' }, tsUs: number): void;
  onFlowEnd?(flow: FlowView, reason: FlowEndReason, tsUs: number): readonly Finding[] | undefined;
  /**
   * A packet with decoder events that reaches no flow: invalid (decoding stopped), a fragment held for
   * reassembly, or not IP (its transport header, if any, did not decode). Only such packets.
   */
  onFlowlessPacket?(pkt: DecodedPacket): readonly Finding[] | undefined;
  /** Every packet of a flow after the flow layer counted it (`dir` 0: client → server). Hot path. */
  onPacket?(flow: FlowView, dir: number, pkt: DecodedPacket): readonly Finding[] | undefined;
  /**
   * Reassembled TCP bytes in order, and holes (stream inspection). Only called when `wantsStream` says so, as
   * it keeps reassembly running for every TCP flow.
   */
  onStreamData?(flow: FlowView, dir: number, data: Buffer, tsUs: number): void;
  onStreamGap?(flow: FlowView, dir: number, len: number, tsUs: number): void;
  readonly wantsStream?: boolean;
  /** The inspector looks at frames (`frame` rules): protocol framers run. */
  readonly wantsFrames?: boolean;
  /** The output stage says where late findings go when the pipeline is built (inspectors that can have some). */
  attachLate?(late: LateFindings): void;
  /** End of input: flush state (history counters, pending notifications, late findings still to come). */
  close?(): Promise<void> | void;
}
