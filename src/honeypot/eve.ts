/**
 * EVE `honeypot` events: one JSON line per session step (start, login, command, download, sample, end),
 * shaped like the engine's events (timestamp, event_type, src/dest) so the same tools read both. Timestamps
 * are Suricata's ("2026-11-22T23:37:43.123456+0000"), as in every EVE file moat writes.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { InstanceRecord } from './instance.js';
import { eveNow } from '../output/index.js';

export interface HoneypotEventSink {
  write(event: Record<string, unknown>): void;
  close(): Promise<void>;
}

export function honeypotEvent(
  r: InstanceRecord,
  action: string,
  detail: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    timestamp: eveNow(),
    event_type: 'honeypot',
    src_ip: r.peerIp,
    src_port: r.peerPort,
    dest_port: r.localPort,
    proto: r.service === 'mqtt' || r.service === 'tftp' ? 'TCP' : 'TCP',
    honeypot: { instance: r.id, service: r.service, action, ...detail },
  };
}

export class EveLog implements HoneypotEventSink {
  private readonly stream: WriteStream | null;
  readonly events: Array<Record<string, unknown>> = [];

  /** `path` null keeps the events in memory only (tests); otherwise appends JSON lines. */
  constructor(
    path: string | null,
    private readonly keep = path === null,
  ) {
    this.stream = path ? createWriteStream(path, { flags: 'a' }) : null;
  }

  write(event: Record<string, unknown>): void {
    if (this.keep) this.events.push(event);
    this.stream?.write(JSON.stringify(event) + '\n');
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.stream ? this.stream.end(resolve) : resolve()));
  }
}
