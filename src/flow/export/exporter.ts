/**
 * Sends finished flows as NetFlow v9 or IPFIX over UDP. Runs as an inspector at flow end: sampling decides,
 * records are batched and sent when a packet's worth is ready (or at close), so export never blocks packets.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { Inspector } from '../../engine/inspector.js';
import type { FlowEndReason, FlowView } from '../types.js';
import type { EveEvent } from '../../output/eve/header.js';
import { recordsOf, type ExportRecord } from './flow-record.js';
import { NetflowV9Encoder } from './netflow-v9.js';
import { IpfixEncoder } from './ipfix.js';
import type { FlowSampler } from '../sampling.js';

export interface ExportOptions {
  host: string;
  port: number;
  protocol: 'netflow9' | 'ipfix';
  sampler?: FlowSampler;
  /** Called for each sampled flow (the ML check hook of A-33). */
  onSampled?: (flow: FlowView, rate: number) => void;
}

export class FlowExporter implements Inspector {
  readonly name = 'flow-export';
  private readonly sock: Socket;
  private readonly pending: ExportRecord[] = [];
  private readonly v9 = new NetflowV9Encoder(1, 0);
  private readonly ipfix = new IpfixEncoder(1);
  private inflight: Promise<void> = Promise.resolve();
  exported = 0;
  /** Packet time of the newest flow end: export timestamps follow the capture, not the wall clock. */
  private lastMs = 0;
  sampledOut = 0;
  packetsSent = 0;

  constructor(private readonly o: ExportOptions) {
    this.sock = createSocket(o.host.includes(':') ? 'udp6' : 'udp4');
  }

  onFlowEnd(flow: FlowView, _reason: FlowEndReason, tsUs: number, ev: EveEvent): undefined {
    const s = this.o.sampler?.sample(flow) ?? { sampled: true, rate: 1 };
    if (!s.sampled) {
      this.sampledOut++;
      return undefined;
    }
    ev.moat = { ...((ev.moat as object | undefined) ?? {}), sampled: true, sampling_rate: s.rate };
    this.o.onSampled?.(flow, s.rate);
    this.pending.push(...recordsOf(flow, s.rate));
    this.lastMs = Math.max(this.lastMs, tsUs / 1000);
    if (this.pending.length >= 24) this.flush(this.lastMs);
    return undefined;
  }

  private flush(nowMs: number): void {
    if (this.pending.length === 0) return;
    const recs = this.pending.splice(0);
    this.exported += recs.length;
    const pkts = this.o.protocol === 'ipfix' ? this.ipfix.encode(recs, nowMs) : this.v9.encode(recs, nowMs);
    for (const p of pkts) {
      this.packetsSent++;
      this.inflight = this.inflight.then(
        () =>
          new Promise<void>((resolve) => {
            this.sock.send(p, this.o.port, this.o.host, () => resolve());
          }),
      );
    }
  }

  async close(): Promise<void> {
    this.flush(this.lastMs);
    await this.inflight;
    this.sock.close();
  }
}
