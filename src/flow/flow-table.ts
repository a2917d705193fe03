/**
 * The flow table's storage: hash buckets with chains over typed arrays (no string keys, no per-packet
 * allocation), slots that hold the Flow objects, and one doubly linked list per timeout class (new,
 * established, closed) kept in last-seen order. A packet moves its flow to the tail of its list in O(1), so
 * expiry only walks the flows that actually expired, and the memory cap finds its victim at a list head.
 */
import type { Flow } from './flow.js';

const NIL = -1;

export class FlowTable {
  capacity: number;
  mask: number;
  buckets: Int32Array;
  /** Next slot in the same bucket (live slots) or in the free list (free slots). */
  chain: Int32Array;
  hashes: Int32Array;
  flows: (Flow | null)[];
  /** Expiry lists: prev/next per slot, head/tail per class. */
  private prev: Int32Array;
  private next: Int32Array;
  readonly head = new Int32Array([NIL, NIL, NIL]);
  readonly tail = new Int32Array([NIL, NIL, NIL]);
  private listOf: Uint8Array;
  private freeHead = NIL;
  count = 0;

  constructor(
    initialCapacity: number,
    readonly maxFlows: number,
  ) {
    this.capacity = 0;
    this.mask = 0;
    this.buckets = new Int32Array(0);
    this.chain = new Int32Array(0);
    this.hashes = new Int32Array(0);
    this.flows = [];
    this.prev = new Int32Array(0);
    this.next = new Int32Array(0);
    this.listOf = new Uint8Array(0);
    this.resize(Math.min(pow2(initialCapacity), pow2(maxFlows)));
  }

  get full(): boolean {
    return this.count >= this.maxFlows;
  }

  /** Places a new flow in the table and at the tail of its class list; returns its slot. */
  insert(f: Flow, hash: number, cls: number): number {
    if (this.freeHead === NIL) this.resize(this.capacity * 2);
    const s = this.freeHead;
    this.freeHead = this.chain[s];
    const b = hash & this.mask;
    this.chain[s] = this.buckets[b];
    this.buckets[b] = s;
    this.hashes[s] = hash;
    this.flows[s] = f;
    f.slot = s;
    this.append(s, cls);
    this.count++;
    return s;
  }

  remove(s: number): void {
    const f = this.flows[s]!;
    const b = this.hashes[s] & this.mask;
    let p = this.buckets[b];
    if (p === s) this.buckets[b] = this.chain[s];
    else {
      while (this.chain[p] !== s) p = this.chain[p];
      this.chain[p] = this.chain[s];
    }
    this.unlink(s);
    this.flows[s] = null;
    f.slot = -1;
    this.chain[s] = this.freeHead;
    this.freeHead = s;
    this.count--;
  }

  /** The flow was just seen: move it to the tail of class `cls`'s list. */
  touch(s: number, cls: number): void {
    if (this.tail[cls] === s) return;
    this.unlink(s);
    this.append(s, cls);
  }

  private append(s: number, cls: number): void {
    const t = this.tail[cls];
    this.prev[s] = t;
    this.next[s] = NIL;
    if (t === NIL) this.head[cls] = s;
    else this.next[t] = s;
    this.tail[cls] = s;
    this.listOf[s] = cls;
  }

  private unlink(s: number): void {
    const cls = this.listOf[s];
    const p = this.prev[s];
    const n = this.next[s];
    if (p === NIL) this.head[cls] = n;
    else this.next[p] = n;
    if (n === NIL) this.tail[cls] = p;
    else this.prev[n] = p;
  }

  /** Grows to `cap` slots (a power of two, at most the memory cap rounded up) and rebuilds the buckets. */
  private resize(cap: number): void {
    const old = this.capacity;
    const prevArr = this.prev;
    const nextArr = this.next;
    const listArr = this.listOf;
    const oldHashes = this.hashes;
    this.capacity = cap;
    this.mask = cap - 1;
    this.buckets = new Int32Array(cap).fill(NIL);
    const chain = new Int32Array(cap);
    this.hashes = new Int32Array(cap);
    this.hashes.set(oldHashes);
    this.prev = new Int32Array(cap);
    this.prev.set(prevArr);
    this.next = new Int32Array(cap);
    this.next.set(nextArr);
    this.listOf = new Uint8Array(cap);
    this.listOf.set(listArr);
    for (let i = old; i < cap; i++) this.flows.push(null);
    this.chain = chain;
    // Live slots go back into their buckets; old free slots and the new ones form the free list.
    this.freeHead = NIL;
    for (let s = cap - 1; s >= 0; s--) {
      if (this.flows[s] !== null) {
        const b = this.hashes[s] & this.mask;
        chain[s] = this.buckets[b];
        this.buckets[b] = s;
      } else {
        chain[s] = this.freeHead;
        this.freeHead = s;
      }
    }
  }
}

function pow2(n: number): number {
  let c = 16;
  while (c < n) c *= 2;
  return c;
}
