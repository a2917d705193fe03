/**
 * What a risky verdict sets in motion (T-5): blocking. The monitor only decides; this interface carries the decision
 * to the kernel (an nftables set, live mode). Alerting is the outputs' part: the alert names the policy's channels
 * and the output stage delivers it to them.
 */
import type { HandshakeFeatures } from './features.js';

export interface BlockSink {
  /** Blocks the connection's destination (or flow) for the policy's block time; false when it could not. */
  block(f: HandshakeFeatures): boolean;
}
