/**
 * The shared-memory ring between the thread that reads a capture and one analysis worker. Each worker has its
 * own ring of SLOTS slots; a slot holds up to SLOT_PACKETS packets copied back to back with an index (offset,
 * lengths, link type, timestamp). A slot's state word says who owns it: the reader fills FREE slots and marks
 * them FULL (or END after the last packet); the worker processes FULL slots and marks them FREE again.
 * Atomics.wait/notify on the state words hand slots over, so no message is posted per batch and the reader
 * stalls (instead of buffering without bound) when a worker falls behind.
 */

export const SLOTS = 4;
export const SLOT_PACKETS = 4096;
/** Packet bytes per slot; a packet larger than this (none real: IP tops out at 64 KiB, GRO at 256 KiB) is cut. */
export const SLOT_DATA = 2 << 20;

export const FREE = 0;
export const FULL = 1;
export const END = 2;

/** Control words: one state per slot, then the abort flag either side sets on a fatal error. */
export const CONTROL_WORDS = SLOTS + 1;
export const ABORT = SLOTS;

/** Index entry flag (bit 16 of the link-type word): every worker gets this packet and keeps it if the flow is its own. */
export const FLAG_BROADCAST = 1 << 16;
/**
 * Index entry flag: not a packet but a tick of flow time. The reader places ticks where a single-threaded run
 * would look for idle flows, so every worker expires flows at the same packet times and writes the same
 * events (timestamps, reasons) as one thread would.
 */
export const FLAG_CLOCK = 1 << 17;

const HEADER_BYTES = 16;
const TS_BYTES = 8 * SLOT_PACKETS;
const META_WORDS_PER_PACKET = 4;
const META_BYTES = 4 * META_WORDS_PER_PACKET * SLOT_PACKETS;
export const SLOT_BYTES = HEADER_BYTES + TS_BYTES + META_BYTES + SLOT_DATA;

/** Typed views over one slot's SharedArrayBuffer, built once per slot on each side. */
export class SlotView {
  /** [0] packet count, [1] data bytes used. */
  readonly header: Int32Array;
  /** [0] with END: the input's last packet time (µs), at which the worker's remaining flows end. */
  readonly endUs: Float64Array;
  readonly ts: Float64Array;
  /** Per packet: data offset, captured length, wire length, link type | flags. */
  readonly meta: Int32Array;
  readonly data: Buffer;

  constructor(readonly sab: SharedArrayBuffer) {
    this.header = new Int32Array(sab, 0, 2);
    this.endUs = new Float64Array(sab, 8, 1);
    this.ts = new Float64Array(sab, HEADER_BYTES, SLOT_PACKETS);
    this.meta = new Int32Array(sab, HEADER_BYTES + TS_BYTES, META_WORDS_PER_PACKET * SLOT_PACKETS);
    this.data = Buffer.from(sab, HEADER_BYTES + TS_BYTES + META_BYTES, SLOT_DATA);
  }
}

/** What a worker is given: its slots and its control words. */
export interface RingShared {
  control: SharedArrayBuffer;
  slots: SharedArrayBuffer[];
}

export function createRing(): RingShared {
  return {
    control: new SharedArrayBuffer(4 * CONTROL_WORDS),
    slots: Array.from({ length: SLOTS }, () => new SharedArrayBuffer(SLOT_BYTES)),
  };
}
