/**
 * The payload CNN in the gateway's sampled inspection (A-33): for each sampled flow it keeps the first bytes of
 * application payload in arrival order, both directions (reassembled TCP; UDP datagram payloads) — the layout of the
 * sessions it was trained on, so no header or address ever reaches it — and classifies the flow when it ends. Flows
 * ending together are classified as one batch at the next flow end or at close. A malicious class at or above the
 * confidence threshold is published on the bus's `verdict` topic as engine 'cnn', which the security component's
 * verdict recorder turns into an event-cache entry with diagnosis method `cnn`.
 */
import type { Inspector } from '../pipeline/index.js';
import { FlowPrefixes, type FlowEndReason, type FlowSampler, type FlowView } from '../flow/index.js';
import type { DecodedPacket } from '../decode/index.js';
import { formatIp } from '../address/index.js';
import type { Publisher } from '../framework/index.js';
import type { Predictions } from './classifier.js';
import type { Arch } from './arch.js';
import type { ModelManifest } from './model-file.js';

/**
 * What classifies a batch: the Classifier on this thread, or a CnnWorker whose answer comes later (a live inspection
 * hands it the batch and goes back to its packets).
 */
export interface BatchClassifier {
  readonly arch: Arch;
  readonly manifest: ModelManifest;
  isMalicious(cls: number): boolean;
  predict(rows: Uint8Array, n: number, width: number): Predictions | Promise<Predictions>;
}

/** Signature id of the CNN's verdicts. */
export const CNN_SID = 9_500_101;

export interface CnnInspectorOptions {
  sampler?: FlowSampler;
  /** Softmax probability a malicious class needs to count (default 0.9). */
  minConfidence?: number;
  /** Flows with less payload than this are not classified (default 16 bytes). */
  minBytes?: number;
  /** Flows buffered at once; the oldest are dropped unclassified beyond it (default 50,000). */
  maxFlows?: number;
  /**
   * Batches an asynchronous classifier (a worker) may hold at once (default 8); a batch beyond it is dropped
   * unclassified and counted, so a worker that falls behind costs verdicts, never unbounded memory.
   */
  maxInFlight?: number;
  verdicts?: Publisher;
  report?: (line: string) => void;
}

interface Pending {
  flow: { src: string; dst: string; sp: number; dp: number; proto: number };
  tsUs: number;
  bytes: Uint8Array;
}

export class CnnInspector implements Inspector {
  readonly name = 'cnn';
  readonly wantsStream = true;
  readonly stats = { sampled: 0, classified: 0, short: 0, malicious: 0, dropped: 0, failed: 0 };
  readonly byClass = new Map<string, number>();
  private readonly prefixes: FlowPrefixes;
  private readonly width: number;
  private ready: Pending[] = [];
  /** Batches handed to an asynchronous classifier and not answered yet. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly classifier: BatchClassifier,
    private readonly opts: CnnInspectorOptions = {},
  ) {
    this.width = classifier.arch.inputBytes;
    this.prefixes = new FlowPrefixes(this.width);
  }

  private take(flow: FlowView, data: Uint8Array, off: number, len: number): void {
    const p = this.prefixes;
    if (p.append(flow.id, data, off, len)) return;
    if (this.opts.sampler && !this.opts.sampler.sample(flow).sampled) return;
    if (p.size >= (this.opts.maxFlows ?? 50_000) && p.evictOldest()) this.stats.dropped++;
    p.open(flow.id);
    p.append(flow.id, data, off, len);
  }

  onStreamData(flow: FlowView, _dir: number, data: Buffer): void {
    this.take(flow, data, 0, data.length);
  }

  onPacket(flow: FlowView, _dir: number, pkt: DecodedPacket): undefined {
    if (flow.proto === 17 && pkt.payloadLen > 0) this.take(flow, pkt.buf, pkt.payloadOff, pkt.payloadLen);
    return undefined;
  }

  onFlowEnd(flow: FlowView, _reason: FlowEndReason, tsUs: number): undefined {
    const s = this.prefixes.take(flow.id);
    if (!s) return undefined;
    this.stats.sampled++;
    if (s.n < (this.opts.minBytes ?? 16)) {
      this.stats.short++;
      return undefined;
    }
    this.ready.push({
      flow: {
        src: formatIp(flow.src, flow.ipVersion),
        dst: formatIp(flow.dst, flow.ipVersion),
        sp: flow.srcPort,
        dp: flow.dstPort,
        proto: flow.proto,
      },
      tsUs,
      bytes: s.b,
    });
    if (this.ready.length >= 256) this.flush();
    return undefined;
  }

  /** Classifies the flows waiting, as one batch (answered now, or later by a worker). */
  flush(): void {
    const batch = this.ready;
    const n = batch.length;
    if (n === 0) return;
    this.ready = [];
    if (this.inFlight.size >= (this.opts.maxInFlight ?? 8)) {
      this.stats.dropped += n;
      return;
    }
    const rows = new Uint8Array(n * this.width);
    batch.forEach((p, i) => rows.set(p.bytes, i * this.width));
    const pred = this.classifier.predict(rows, n, this.width);
    if (!(pred instanceof Promise)) {
      this.judge(batch, pred);
      return;
    }
    const done = pred.then(
      (p) => this.judge(batch, p),
      (e: unknown) => {
        this.stats.failed += n;
        this.opts.report?.(`cnn: a batch of ${n} flows was not classified: ${(e as Error).message}`);
      },
    );
    this.inFlight.add(done);
    void done.then(() => this.inFlight.delete(done));
  }

  /** Batches handed over and not answered yet. */
  get pending(): number {
    return this.inFlight.size;
  }

  private judge(batch: readonly Pending[], pred: Predictions): void {
    const names = this.classifier.manifest.classNames;
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i];
      const cls = pred.cls[i];
      this.stats.classified++;
      this.byClass.set(names[cls], (this.byClass.get(names[cls]) ?? 0) + 1);
      if (!this.classifier.isMalicious(cls) || pred.confidence[i] < (this.opts.minConfidence ?? 0.9))
        continue;
      this.stats.malicious++;
      this.opts.verdicts?.publish('verdict', {
        engine: 'cnn',
        verdict: names[cls],
        srcIp: p.flow.src,
        dstIp: p.flow.dst,
        srcPort: p.flow.sp,
        dstPort: p.flow.dp,
        proto: p.flow.proto,
        tsUs: p.tsUs,
        signatureId: CNN_SID,
        block: true,
        blocked: false,
        score: pred.confidence[i],
      });
    }
  }

  async close(): Promise<void> {
    this.flush();
    await Promise.all([...this.inFlight]);
    const t = this.stats;
    const top = [...this.byClass.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5);
    this.opts.report?.(
      `cnn classified ${t.classified} flows (${t.short} with too little payload), ${t.malicious} malicious; ${top.map(([k, v]) => `${k} ${v}`).join(', ')}`,
    );
  }
}
