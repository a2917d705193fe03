/**
 * A-34 for the engines besides the rules: wraps another inspector (the TLS monitor, a model) and turns the alerts
 * it raises into event-cache entries for their connection, so the next packets meet the decision in the cache first
 * . What operation an alert earns is the caller's choice; by default a verdict that wanted blocking drops and
 * anything else is tracked (A-62: not clearly malicious — watch it closely).
 */
import type { Inspector } from '../pipeline/inspector.js';
import type { FlowEndReason, FlowView } from '../flow/types.js';
import type { AppRecord } from '../proto/app-layer.js';
import type { DecodedPacket } from '../decode/decoded-packet.js';
import type { EveEvent } from '../output/eve/header.js';
import type { CacheEntry, EventCacheTable, Operation } from './event-cache.js';

export interface VerdictOptions {
  /** Written as the entry's diagnosis: 'tlsmon', 'ml' … */
  diagnosis: string;
  /** The operation an alert earns (undefined: none). */
  operation?: (alert: EveEvent) => Operation | undefined;
  lifetimeS?: number;
  /** One entry per pair of addresses (ports and protocol 0) instead of per connection: a verdict on an address. */
  addressLevel?: boolean;
  /** Live: program the entry into the kernel. */
  enforce?: (entry: CacheEntry) => Promise<void>;
}

/** A verdict that blocked or would have blocked drops; other alerts are tracked. */
export function defaultOperation(alert: EveEvent): Operation | undefined {
  if (alert.event_type !== 'alert') return undefined;
  const m = alert.moat as { blocked?: boolean; would_block?: boolean } | undefined;
  return m?.blocked || m?.would_block ? 'drop' : 'track';
}

export class VerdictRecorder implements Inspector {
  readonly name: string;
  readonly created: CacheEntry[] = [];
  private readonly pending: Array<Promise<void>> = [];
  readonly enforceErrors: string[] = [];

  constructor(
    private readonly inner: Inspector,
    private readonly cache: EventCacheTable,
    private readonly opts: VerdictOptions,
  ) {
    this.name = inner.name;
    const i = inner;
    if (i.onAppRecord)
      this.onAppRecord = (flow: FlowView, record: AppRecord, tsUs: number, ev: EveEvent) =>
        this.record(flow, tsUs, i.onAppRecord?.(flow, record, tsUs, ev));
    if (i.onPacket)
      this.onPacket = (flow: FlowView, dir: number, pkt: DecodedPacket) =>
        this.record(flow, pkt.tsUs, i.onPacket?.(flow, dir, pkt));
    if (i.onFlowEnd)
      this.onFlowEnd = (flow: FlowView, reason: FlowEndReason, tsUs: number, ev: EveEvent) =>
        this.record(flow, tsUs, i.onFlowEnd?.(flow, reason, tsUs, ev));
  }

  private record(flow: FlowView, tsUs: number, events: EveEvent[] | undefined): EveEvent[] | undefined {
    if (!events) return events;
    for (const ev of events) {
      const op = (this.opts.operation ?? defaultOperation)(ev);
      if (!op || typeof ev.src_ip !== 'string' || typeof ev.dest_ip !== 'string') continue;
      const al = ev.alert as { signature_id?: number } | undefined;
      const e = this.cache.record({
        srcIp: ev.src_ip,
        dstIp: ev.dest_ip,
        srcPort: this.opts.addressLevel ? 0 : Number(ev.src_port ?? 0),
        dstPort: this.opts.addressLevel ? 0 : Number(ev.dest_port ?? 0),
        proto: this.opts.addressLevel ? 0 : flow.proto,
        createdUs: tsUs,
        maxLifetimeUs: (this.opts.lifetimeS ?? 3600) * 1e6,
        direction: 'both',
        scope: 'any',
        operation: op,
        eventId: `${this.opts.diagnosis}:${al?.signature_id ?? 0}`,
        diagnosis: this.opts.diagnosis,
      });
      this.created.push(e);
      const enforce = this.opts.enforce;
      if (enforce)
        this.pending.push(
          enforce(e).catch((err: unknown) => {
            this.enforceErrors.push(err instanceof Error ? err.message : String(err));
          }),
        );
    }
    return events;
  }

  // Only the hooks the wrapped inspector has: the pipeline skips per-packet calls nobody wants.
  readonly onAppRecord?: Inspector['onAppRecord'];
  readonly onPacket?: (flow: FlowView, dir: number, pkt: DecodedPacket) => EveEvent[] | undefined;
  readonly onFlowEnd?: Inspector['onFlowEnd'];

  async close(): Promise<void> {
    await this.inner.close?.();
    await Promise.all(this.pending);
  }
}
