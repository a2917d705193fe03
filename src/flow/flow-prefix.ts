/**
 * The first `width` payload bytes of each flow, both directions in arrival order (reassembled TCP, UDP datagram
 * payloads), no header byte. It is what the payload CNN reads: live in the gateway (ml's CnnInspector) and when its
 * training sets are built (dataset's SessionCollector). One copy, so what the model is trained on and what it sees
 * live cannot drift apart. Admission (caps, sampling, eviction) stays with the caller.
 */
export interface FlowPrefix {
  b: Uint8Array;
  /** Bytes filled so far. */
  n: number;
}

export class FlowPrefixes {
  private readonly bufs = new Map<number, FlowPrefix>();

  constructor(readonly width: number) {}

  get size(): number {
    return this.bufs.size;
  }

  has(id: number): boolean {
    return this.bufs.has(id);
  }

  /** Starts a flow's prefix. */
  open(id: number): void {
    this.bufs.set(id, { b: new Uint8Array(this.width), n: 0 });
  }

  /** Forgets the flow held longest (Map order is insertion order); false when none is held. */
  evictOldest(): boolean {
    const oldest = this.bufs.keys().next().value;
    if (oldest === undefined) return false;
    this.bufs.delete(oldest);
    return true;
  }

  /** Appends what still fits; false when the flow has no prefix open (the caller may open one and append again). */
  append(id: number, data: Uint8Array, off: number, len: number): boolean {
    const s = this.bufs.get(id);
    if (!s) return false;
    const k = Math.min(this.width - s.n, len);
    if (k > 0) {
      s.b.set(data.subarray(off, off + k), s.n);
      s.n += k;
    }
    return true;
  }

  /** Removes and returns a flow's prefix. */
  take(id: number): FlowPrefix | undefined {
    const s = this.bufs.get(id);
    if (s) this.bufs.delete(id);
    return s;
  }
}
