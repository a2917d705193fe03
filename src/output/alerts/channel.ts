/** One alert delivery channel; `deliver` throws on failure so the dispatcher can retry. */
import type { EveEvent } from '../eve/header.js';

/** Where alerts go to be delivered on named channels (the AlertDispatcher); `send` only queues. */
export interface AlertSink {
  send(channel: string, alert: EveEvent): void;
}

export interface AlertChannel {
  readonly kind: string;
  deliver(alert: EveEvent): Promise<void>;
  close?(): Promise<void>;
}

/** One line an operator reads first: the signature, the endpoints and the policy's verdict. */
export function alertSummary(a: EveEvent): string {
  const al = (a.alert ?? {}) as Record<string, unknown>;
  const sni = ((a.tls ?? {}) as Record<string, unknown>).sni;
  return `${String(al.signature ?? 'alert')} - ${String(a.src_ip)}:${String(a.src_port)} -> ${String(a.dest_ip)}:${String(a.dest_port)}${sni ? ` (${String(sni)})` : ''}`;
}
