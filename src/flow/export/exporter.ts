/**
 * Sends finished flows as NetFlow v9 or IPFIX over UDP. Runs as an inspector at flow end: sampling decides,
 * records are batched and sent when a packet's worth is ready (or at close), so export never blocks packets.
 * Each sampling rate goes out under its own v9 source id / IPFIX observation domain (id = N of 1:N, 1 = unsampled):
 * collectors apply an announced rate to a whole domain, so zone pairs sampled at different rates must not share one.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { FlowEndReason, FlowView } from '../types.js';
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

/**
 * Fits the pipeline's inspector contract (a name, `onFlowEnd`, `close`) without importing it: the flow layer
 * knows nothing of the stages after it. It finds nothing, so it hands the output nothing.
 */
export class FlowExporter {
  readonly name = 'flow-export';
  private readonly sock: Socket;
  /** Records waiting to be sent, per sampling rate. */
  private readonly pending = new Map<number, ExportRecord[]>();
  private readonly encoders = new Map<number, NetflowV9Encoder | IpfixEncoder>();
  private inflight: Promise<void> = Promise.resolve();
  exported = 0;
  /** Packet time of the newest flow end: export timestamps follow the capture, not the wall clock. */
  private lastMs = 0;
  sampledOut = 0;
  packetsSent = 0;

  constructor(private readonly o: ExportOptions) {
    this.sock = createSocket(o.host.includes(':') ? 'udp6' : 'udp4');
  }

  onFlowEnd(flow: FlowView, _reason: FlowEndReason, tsUs: number): undefined {
    const s = this.o.sampler?.sample(flow) ?? { sampled: true, rate: 1 };
    if (!s.sampled) {
      this.sampledOut++;
      return undefined;
    }
    this.o.onSampled?.(flow, s.rate);
    let queue = this.pending.get(s.rate);
    if (!queue) this.pending.set(s.rate, (queue = []));
    queue.push(...recordsOf(flow, s.rate));
    this.lastMs = Math.max(this.lastMs, tsUs / 1000);
    if (queue.length >= 24) this.flush(s.rate, this.lastMs);
    return undefined;
  }

  private encoderFor(rate: number): NetflowV9Encoder | IpfixEncoder {
    let enc = this.encoders.get(rate);
    if (!enc) {
      enc =
        this.o.protocol === 'ipfix'
          ? new IpfixEncoder(rate, 20, rate)
          : new NetflowV9Encoder(rate, 0, 20, rate);
      this.encoders.set(rate, enc);
    }
    return enc;
  }

  private flush(rate: number, nowMs: number): void {
    const recs = this.pending.get(rate)?.splice(0) ?? [];
    if (recs.length === 0) return;
    this.exported += recs.length;
    const pkts = this.encoderFor(rate).encode(recs, nowMs);
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
    for (const rate of this.pending.keys()) this.flush(rate, this.lastMs);
    await this.inflight;
    this.sock.close();
  }
}
