/**
 * What a risky verdict sets in motion (T-5): blocking and alerting. The monitor only decides; these interfaces
 * carry the decision to the kernel (an nftables set, live mode) and to the alert channels (webhook, SMTP, syslog).
 */
import type { HandshakeFeatures } from './features.js';
import type { EveEvent } from '../output/eve/header.js';

export interface BlockSink {
  /** Blocks the connection's destination (or flow) for the policy's block time; false when it could not. */
  block(f: HandshakeFeatures): boolean;
}

export interface AlertSink {
  /** Queues the alert for delivery on the named channel; delivery is asynchronous and retried. */
  send(channel: string, alert: EveEvent): void;
  /** Waits for queued deliveries (end of input, shutdown). */
  drain(): Promise<void>;
}
