/**
 * The reading side of a multi-worker analysis. It is the capture reader's buffer provider — the file is read
 * straight into shared chunks — and its packet sink: each packet is listed in the batch of the worker owning
 * its flow, by offset into the chunk, so no packet is copied between threads. The capture is read and split
 * once, instead of every worker reading and decoding the whole input and throwing most of it away.
 */
import type { PacketSink } from '../../capture/index.js';
import type { BufferProvider } from '../../capture/index.js';
import {
  ABORT,
  BATCH_PACKETS,
  BATCHES,
  BatchView,
  CHUNK_BYTES,
  CHUNKS,
  END,
  FLAG_BROADCAST,
  FLAG_CLOCK,
  FREE,
  FULL,
  type DispatchShared,
  type RingShared,
} from './ring.js';
import { BROADCAST, ShardHasher } from './shard-hash.js';
import { ShardMap } from './shard-map.js';
import type { Pipeline } from '../pipeline.js';
import { ExpiryClock } from '../expiry-clock.js';

/** How long one wait lasts before the abort word is looked at again. */
const WAIT_MS = 200;
/**
 * A worker that frees nothing for this long is taken as dead (a thread that ended without reaching its own
 * error handler cannot set the abort word): the reader stops instead of waiting for ever.
 */
const STALL_MS = 60_000;

class WorkerStopped extends Error {
  constructor(detail = 'an analysis worker stopped') {
    super(detail);
  }
}

/** Waits until `words[index]` is `want`, watching the abort word and giving up on a stalled worker. */
function waitFor(words: Int32Array, index: number, want: number, abortWords: Int32Array): void {
  let waited = 0;
  for (let v = Atomics.load(words, index); v !== want; v = Atomics.load(words, index)) {
    if (Atomics.load(abortWords, ABORT) !== 0) throw new WorkerStopped();
    if (waited >= STALL_MS)
      throw new WorkerStopped(`an analysis worker made no progress for ${STALL_MS / 1000} s`);
    if (Atomics.wait(words, index, v, WAIT_MS) === 'timed-out') waited += WAIT_MS;
    else waited = 0;
  }
}

/** One worker's batch ring, seen from the reader. */
class BatchWriter {
  private readonly control: Int32Array;
  private readonly views: BatchView[];
  private slot = 0;
  private count = 0;
  private chunk = -1;
  private view: BatchView;
  private acquired = false;

  constructor(
    ring: RingShared,
    private readonly refs: Int32Array,
  ) {
    this.control = new Int32Array(ring.control);
    this.views = ring.batches.map((s) => new BatchView(s));
    this.view = this.views[0];
  }

  /** Waits until the next slot is free (the worker is done with what it held). */
  private acquire(): void {
    waitFor(this.control, this.slot, FREE, this.refs);
    this.view = this.views[this.slot];
    this.count = 0;
    this.acquired = true;
  }

  put(
    chunk: number,
    off: number,
    caplen: number,
    wirelen: number,
    tsUs: number,
    linkFlags: number,
    pcapCnt: number,
  ): void {
    if (!this.acquired) this.acquire();
    if (this.count === BATCH_PACKETS) {
      this.publish(FULL);
      this.acquire();
    }
    this.chunk = chunk;
    const v = this.view;
    const i = this.count;
    const m = i << 2;
    v.meta[m] = off;
    v.meta[m + 1] = caplen;
    v.meta[m + 2] = wirelen;
    v.meta[m + 3] = linkFlags;
    v.ts[i] = tsUs;
    v.cnt[i] = pcapCnt;
    this.count = i + 1;
  }

  /** Before the reader leaves a chunk: what was listed in it goes to the worker now. */
  publishPending(): void {
    if (this.acquired && this.count > 0) this.publish(FULL);
  }

  /** Hands the current batch to the worker; END says no more will follow (then at `endUs`). */
  publish(state: number, endUs = 0): void {
    if (!this.acquired) this.acquire();
    const v = this.view;
    v.header[0] = this.count;
    v.header[1] = this.chunk;
    v.endUs[0] = endUs;
    // The chunk stays in use until the worker has processed this batch.
    if (this.count > 0) Atomics.add(this.refs, this.chunk, 1);
    Atomics.store(this.control, this.slot, state);
    Atomics.notify(this.control, this.slot);
    this.slot = (this.slot + 1) % BATCHES;
    this.acquired = false;
  }
}

export class Dispatcher implements PacketSink, BufferProvider {
  private readonly writers: BatchWriter[];
  private readonly hasher = new ShardHasher();
  private readonly refs: Int32Array;
  private readonly chunkBufs: Buffer[];
  /** The chunk the reader is parsing, -1 before the first. */
  private cur = -1;
  /** The chunk handed out last by acquire (chunks are handed out in ring order). */
  private lastAcquired = -1;
  /** Bytes of the current chunk used by copied packets (live sources). */
  private fill = 0;
  private readonly expiry = new ExpiryClock();
  packets = 0;
  bytes = 0;
  firstUs = 0;
  lastUs = 0;

  private readonly map: ShardMap;

  /**
   * `inline` is thread 0's own Pipeline (this thread analyses its share of the flows as it reads); `rings`
   * are the workers', threads 1 … N−1.
   */
  constructor(
    shared: DispatchShared,
    rings: RingShared[],
    private readonly inline: Pipeline,
  ) {
    this.map = new ShardMap(rings.length + 1);
    this.refs = new Int32Array(shared.chunkRefs);
    this.chunkBufs = shared.chunks.map((c) => Buffer.from(c));
    this.writers = rings.map((r) => new BatchWriter(r, this.refs));
  }

  /** BufferProvider: a chunk no batch refers to any more, for the reader to read ahead into. */
  acquire(minBytes: number): Buffer {
    if (minBytes > CHUNK_BYTES) {
      throw new Error(
        `a capture record of ${minBytes} bytes is larger than a worker chunk (${CHUNK_BYTES} bytes); analyse this capture with --workers 1`,
      );
    }
    const refs = this.refs;
    const c = (this.lastAcquired + 1) % CHUNKS;
    waitFor(refs, c, 0, refs);
    // The reader's own reference, dropped when it moves on from the chunk.
    Atomics.store(refs, c, 1);
    this.lastAcquired = c;
    return this.chunkBufs[c];
  }

  /** BufferProvider: the reader now parses `buf`; what was listed in the chunk before goes to the workers. */
  switchTo(buf: Buffer): void {
    const c = this.chunkBufs.indexOf(buf);
    if (c < 0) throw new Error('dispatcher: switchTo a buffer that is not a worker chunk');
    if (this.cur >= 0) {
      for (const w of this.writers) w.publishPending();
      Atomics.sub(this.refs, this.cur, 1);
    }
    this.cur = c;
  }

  /**
   * A packet from a source that does not read through acquire() (live capture: libpcap's own buffer) is copied
   * into the current chunk first (the caller has cut `caplen` to a chunk). File sources never take this path.
   */
  private copyIn(buf: Buffer, off: number, caplen: number): number {
    if (this.cur < 0 || this.fill + caplen > CHUNK_BYTES) {
      this.switchTo(this.acquire(caplen));
      this.fill = 0;
    }
    const at = this.fill;
    buf.copy(this.chunkBufs[this.cur], at, off, off + caplen);
    this.fill = at + caplen;
    return at;
  }

  onPacket(buf: Buffer, off: number, caplen: number, wirelen: number, tsUs: number, linkType: number): void {
    if (this.cur < 0 || buf !== this.chunkBufs[this.cur]) {
      if (caplen > CHUNK_BYTES) caplen = CHUNK_BYTES;
      off = this.copyIn(buf, off, caplen);
      buf = this.chunkBufs[this.cur];
    }
    const chunk = this.cur;
    this.packets++;
    this.bytes += wirelen;
    if (this.firstUs === 0) this.firstUs = tsUs;
    if (tsUs > this.lastUs) this.lastUs = tsUs;
    const n = this.writers.length;
    if (this.expiry.due(tsUs)) {
      // Where the single-threaded Pipeline would look for idle flows (before this packet).
      this.inline.advanceClock(tsUs);
      for (let w = 0; w < n; w++) this.writers[w].put(chunk, 0, 0, 0, tsUs, FLAG_CLOCK, 0);
    }
    const h = this.hasher.hash(buf, off, caplen, linkType);
    if (h === BROADCAST) {
      this.inline.onDispatched(buf, off, caplen, wirelen, tsUs, linkType, this.packets, true);
      for (let w = 0; w < n; w++)
        this.writers[w].put(chunk, off, caplen, wirelen, tsUs, linkType | FLAG_BROADCAST, this.packets);
    } else {
      const s = this.map.of(h);
      if (s === 0) this.inline.onDispatched(buf, off, caplen, wirelen, tsUs, linkType, this.packets, false);
      else this.writers[s - 1].put(chunk, off, caplen, wirelen, tsUs, linkType, this.packets);
    }
  }

  /** Hands what is listed so far to the workers now (live capture: events must not wait for a full batch). */
  flush(): void {
    for (const w of this.writers) w.publishPending();
  }

  /** End of input: the last batches go out marked END, with the input's last packet time. */
  finish(): void {
    for (const w of this.writers) w.publish(END, this.lastUs);
    if (this.cur >= 0) Atomics.sub(this.refs, this.cur, 1);
  }

  /** Tells the workers to stop waiting (error on the reading side). */
  abort(): void {
    Atomics.store(this.refs, ABORT, 1);
    for (let c = 0; c <= CHUNKS; c++) Atomics.notify(this.refs, c);
  }
}
