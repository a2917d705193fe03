/**
 * The model's check of the densely sampled pairs (A-45: user → IoT is "densely sampled and checked by the model"):
 * the payload of each sampled packet is appended, in arrival order, to its connection's buffer — the layout of the
 * sessions the payload CNN (src/ml) was trained on, first bytes of application payload, no header or address — and a
 * connection is classified once its buffer is full or it has been quiet for `idleMs`. Connections are classified in
 * one batch per tick. A malicious class at or above `minConfidence` is a hit against the device that sent the
 * payload; each connection is classified once.
 *
 * Bounded: at most `maxConnections` buffers (the oldest goes, counted); the key is numeric (the 5-tuple folded), and
 * a buffer is allocated per connection, never per packet.
 */
import { ipv4Text, type PacketFields } from './frames.js';

/** What the check needs of a classifier (src/ml's Classifier is one). */
export interface PayloadClassifier {
  readonly arch: { inputBytes: number };
  readonly manifest: { classNames: readonly string[]; version?: string };
  predict(bytes: Uint8Array, n: number, width: number): { cls: Uint8Array; confidence: Float32Array };
  isMalicious(cls: number): boolean;
}

export interface ModelCheckOptions {
  /** Softmax probability a malicious class needs (default 0.9). */
  minConfidence?: number;
  /** Connections with less payload are not classified (default 16 bytes). */
  minBytes?: number;
  /** A connection without a new sample for this long is classified with what it has (default 5 s). */
  idleMs?: number;
  /** Buffers kept at once (default 4096). */
  maxConnections?: number;
}

export interface ModelHit {
  /** The device that sent the payload, and its peer. */
  device: string;
  peer: string;
  proto: number;
  srcPort: number;
  dstPort: number;
  className: string;
  confidence: number;
  /** The pair it was sampled for. */
  pair: string;
}

interface Conn {
  src: number;
  dst: number;
  srcPort: number;
  dstPort: number;
  proto: number;
  pair: string;
  buf: Uint8Array;
  n: number;
  lastMs: number;
  /** Classified already: later samples of it are ignored until it goes quiet. */
  done: boolean;
}

export class SampleModelCheck {
  readonly stats = { samples: 0, connections: 0, classified: 0, short: 0, malicious: 0, evicted: 0 };
  readonly byClass: Record<string, number> = {};
  private readonly conns = new Map<number, Conn>();
  private readonly width: number;
  private readonly minConfidence: number;
  private readonly minBytes: number;
  private readonly idleMs: number;
  private readonly max: number;

  constructor(
    private readonly classifier: PayloadClassifier,
    o: ModelCheckOptions = {},
  ) {
    this.width = classifier.arch.inputBytes;
    this.minConfidence = o.minConfidence ?? 0.9;
    this.minBytes = o.minBytes ?? 16;
    this.idleMs = o.idleMs ?? 5000;
    this.max = o.maxConnections ?? 4096;
  }

  /** One sampled packet (fields read in place from `b`) of `pair`. */
  add(pair: string, f: PacketFields, b: Uint8Array, nowMs: number): void {
    if (f.proto !== 6 && f.proto !== 17) return;
    this.stats.samples++;
    // The 5-tuple folded into a number a Map keys without a string; a collision only restarts a buffer.
    const key =
      ((Math.imul(f.src, 0x9e3779b1) ^ Math.imul(f.dst, 0x85ebca6b) ^ (f.srcPort << 16) ^ f.dstPort) >>> 0) *
        256 +
      f.proto;
    let c = this.conns.get(key);
    if (
      c &&
      (c.src !== f.src ||
        c.dst !== f.dst ||
        c.srcPort !== f.srcPort ||
        c.dstPort !== f.dstPort ||
        c.proto !== f.proto)
    ) {
      this.conns.delete(key);
      c = undefined;
    }
    if (!c) {
      if (this.conns.size >= this.max) {
        const oldest = this.conns.keys().next().value;
        if (oldest !== undefined) this.conns.delete(oldest);
        this.stats.evicted++;
      }
      c = {
        src: f.src,
        dst: f.dst,
        srcPort: f.srcPort,
        dstPort: f.dstPort,
        proto: f.proto,
        pair,
        buf: new Uint8Array(this.width),
        n: 0,
        lastMs: nowMs,
        done: false,
      };
      this.conns.set(key, c);
      this.stats.connections++;
    }
    c.lastMs = nowMs;
    if (c.done) return;
    const k = Math.min(this.width - c.n, f.end - f.payload);
    if (k > 0) {
      c.buf.set(b.subarray(f.payload, f.payload + k), c.n);
      c.n += k;
    }
  }

  /** Classifies the connections that are full or quiet (one batch); quiet classified ones are forgotten. */
  tick(nowMs: number): ModelHit[] {
    const ready: Conn[] = [];
    for (const [key, c] of this.conns) {
      const quiet = nowMs - c.lastMs >= this.idleMs;
      if (c.done) {
        if (quiet) this.conns.delete(key);
        continue;
      }
      if (c.n < this.width && !quiet) continue;
      c.done = true;
      if (c.n < this.minBytes) {
        this.stats.short++;
        if (quiet) this.conns.delete(key);
        continue;
      }
      ready.push(c);
      if (quiet) this.conns.delete(key);
    }
    if (ready.length === 0) return [];
    const w = this.width;
    const rows = new Uint8Array(ready.length * w);
    ready.forEach((c, i) => rows.set(c.buf, i * w));
    const pred = this.classifier.predict(rows, ready.length, w);
    const names = this.classifier.manifest.classNames;
    const hits: ModelHit[] = [];
    for (let i = 0; i < ready.length; i++) {
      const c = ready[i];
      const cls = pred.cls[i];
      const name = names[cls] ?? String(cls);
      this.stats.classified++;
      this.byClass[name] = (this.byClass[name] ?? 0) + 1;
      if (!this.classifier.isMalicious(cls) || pred.confidence[i] < this.minConfidence) continue;
      this.stats.malicious++;
      hits.push({
        device: ipv4Text(c.src),
        peer: ipv4Text(c.dst),
        proto: c.proto,
        srcPort: c.srcPort,
        dstPort: c.dstPort,
        className: name,
        confidence: pred.confidence[i],
        pair: c.pair,
      });
    }
    return hits;
  }

  /** Buffers held now. */
  get size(): number {
    return this.conns.size;
  }
}
