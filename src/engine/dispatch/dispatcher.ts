/**
 * The reading side of a multi-worker analysis: a PacketSink that gives each packet to the worker owning its
 * flow, by copying it into that worker's shared-memory ring (see ring.ts). The capture is read and its records
 * split once, instead of every worker reading and decoding the whole input and throwing most of it away.
 */
import type { PacketSink } from '../../capture/packet.js';
import {
  ABORT,
  END,
  FLAG_BROADCAST,
  FLAG_CLOCK,
  FREE,
  FULL,
  SLOT_DATA,
  SLOT_PACKETS,
  SLOTS,
  SlotView,
  type RingShared,
} from './ring.js';
import { BROADCAST, ShardHasher } from './shard-hash.js';
import { EXPIRY_STEP_US } from '../pipeline.js';

/** How long one wait for a free slot lasts before the abort flag is looked at again. */
const WAIT_MS = 200;

class RingWriter {
  private readonly control: Int32Array;
  private readonly views: SlotView[];
  private slot = 0;
  private count = 0;
  private used = 0;
  private view: SlotView;
  private acquired = false;

  constructor(
    shared: RingShared,
    private readonly workerIndex: number,
  ) {
    this.control = new Int32Array(shared.control);
    this.views = shared.slots.map((s) => new SlotView(s));
    this.view = this.views[0];
  }

  /** Waits until the current slot is free (the worker is done with what it held). */
  private acquire(): void {
    const c = this.control;
    while (Atomics.load(c, this.slot) !== FREE) {
      if (Atomics.load(c, ABORT) !== 0) throw new Error(`analysis worker ${this.workerIndex} stopped`);
      Atomics.wait(c, this.slot, Atomics.load(c, this.slot), WAIT_MS);
    }
    this.view = this.views[this.slot];
    this.count = 0;
    this.used = 0;
    this.acquired = true;
  }

  put(buf: Buffer, off: number, caplen: number, wirelen: number, tsUs: number, linkFlags: number): void {
    if (!this.acquired) this.acquire();
    if (caplen > SLOT_DATA) caplen = SLOT_DATA;
    if (caplen < 0) caplen = 0;
    if (this.count === SLOT_PACKETS || this.used + caplen > SLOT_DATA) {
      this.publish(FULL);
      this.acquire();
    }
    const v = this.view;
    const i = this.count;
    buf.copy(v.data, this.used, off, off + caplen);
    const m = i << 2;
    v.meta[m] = this.used;
    v.meta[m + 1] = caplen;
    v.meta[m + 2] = wirelen;
    v.meta[m + 3] = linkFlags;
    v.ts[i] = tsUs;
    this.count = i + 1;
    this.used += caplen;
  }

  /** Hands the current slot to the worker; `state` END says no more will follow. */
  publish(state: number, endUs = 0): void {
    if (!this.acquired) this.acquire();
    const v = this.view;
    v.endUs[0] = endUs;
    v.header[0] = this.count;
    v.header[1] = this.used;
    Atomics.store(this.control, this.slot, state);
    Atomics.notify(this.control, this.slot);
    this.slot = (this.slot + 1) % SLOTS;
    this.acquired = false;
  }

  /** Tells the worker to stop waiting (error on the reading side). */
  abort(): void {
    Atomics.store(this.control, ABORT, 1);
    for (let s = 0; s < SLOTS; s++) Atomics.notify(this.control, s);
  }
}

export class Dispatcher implements PacketSink {
  private readonly writers: RingWriter[];
  private readonly hasher = new ShardHasher();
  packets = 0;
  bytes = 0;
  firstUs = 0;
  lastUs = 0;
  /** Packets every worker received because their flow could only be known after a full decode. */
  broadcast = 0;
  private nextTickUs = 0;

  constructor(rings: RingShared[]) {
    this.writers = rings.map((r, i) => new RingWriter(r, i));
  }

  onPacket(buf: Buffer, off: number, caplen: number, wirelen: number, tsUs: number, linkType: number): void {
    this.packets++;
    this.bytes += wirelen;
    if (this.firstUs === 0) this.firstUs = tsUs;
    if (tsUs > this.lastUs) this.lastUs = tsUs;
    const n = this.writers.length;
    if (tsUs >= this.nextTickUs) {
      // Where the single-threaded Pipeline would look for idle flows (before this packet).
      for (let w = 0; w < n; w++) this.writers[w].put(buf, off, 0, 0, tsUs, FLAG_CLOCK);
      this.nextTickUs = tsUs + EXPIRY_STEP_US;
    }
    const h = this.hasher.hash(buf, off, caplen, linkType);
    if (h === BROADCAST) {
      this.broadcast++;
      for (let w = 0; w < n; w++)
        this.writers[w].put(buf, off, caplen, wirelen, tsUs, linkType | FLAG_BROADCAST);
    } else {
      this.writers[h % n].put(buf, off, caplen, wirelen, tsUs, linkType);
    }
  }

  /** End of input: the partial slots go out, then an END slot to each worker. */
  finish(): void {
    for (const w of this.writers) w.publish(END, this.lastUs);
  }

  abort(): void {
    for (const w of this.writers) w.abort();
  }
}
