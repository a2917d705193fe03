/**
 * Shared memory between the thread that reads a capture and the analysis workers, so that packets are never
 * copied between threads:
 *
 * - **Chunks**: the reader reads the file straight into CHUNKS shared buffers of CHUNK_BYTES. Bytes in a chunk
 *   are never moved; a chunk is reused only when its reference count (batches still being processed, plus one
 *   while the reader fills it) is back to zero.
 * - **Batches**: each worker has a ring of BATCHES index slots. A batch names one chunk and lists the worker's
 *   packets in it (offset, lengths, link type and flags, timestamp).
 *
 * State words hand batches over (FREE → FULL/END → FREE) with Atomics.wait/notify: no message per batch, and
 * the reader stalls, instead of buffering without bound, when workers fall behind.
 */

export const CHUNKS = 16;
export const CHUNK_BYTES = 2 << 20;
export const BATCHES = 16;
export const BATCH_PACKETS = 1024;

export const FREE = 0;
export const FULL = 1;
export const END = 2;

/** Index of the abort word in the chunk reference array: set by either side on a fatal error. */
export const ABORT = CHUNKS;

/** Index entry flag (bit 16 of the link-type word): every worker gets this packet and keeps it if the flow is its own. */
export const FLAG_BROADCAST = 1 << 16;
/**
 * Index entry flag: not a packet but a tick of flow time. The reader places ticks where a single-threaded run
 * would look for idle flows, so every worker expires flows at the same packet times and writes the same
 * events (timestamps, reasons) as one thread would.
 */
export const FLAG_CLOCK = 1 << 17;

const HEADER_BYTES = 16;
const TS_BYTES = 8 * BATCH_PACKETS;
const META_WORDS_PER_PACKET = 4;
const META_BYTES = 4 * META_WORDS_PER_PACKET * BATCH_PACKETS;
export const BATCH_BYTES = HEADER_BYTES + 2 * TS_BYTES + META_BYTES;

/** Typed views over one batch slot, built once per slot on each side. */
export class BatchView {
  /** [0] entry count, [1] the chunk the entries point into. */
  readonly header: Int32Array;
  /** [0] with END: the input's last packet time (µs), at which the worker's remaining flows end. */
  readonly endUs: Float64Array;
  readonly ts: Float64Array;
  /** Per entry: offset in the chunk, captured length, wire length, link type | flags. */
  readonly meta: Int32Array;
  /** Per entry: the packet's number in the whole capture (Suricata's `pcap_cnt`). */
  readonly cnt: Float64Array;

  constructor(sab: SharedArrayBuffer) {
    this.header = new Int32Array(sab, 0, 2);
    this.endUs = new Float64Array(sab, 8, 1);
    this.ts = new Float64Array(sab, HEADER_BYTES, BATCH_PACKETS);
    this.meta = new Int32Array(sab, HEADER_BYTES + TS_BYTES, META_WORDS_PER_PACKET * BATCH_PACKETS);
    this.cnt = new Float64Array(sab, HEADER_BYTES + TS_BYTES + META_BYTES, BATCH_PACKETS);
  }
}

/** Memory every thread of one analysis shares. */
export interface DispatchShared {
  chunks: SharedArrayBuffer[];
  /** Int32 per chunk (reference count), then the abort word. */
  chunkRefs: SharedArrayBuffer;
}

/** One worker's batch ring: a state word per slot and the slots. */
export interface RingShared {
  control: SharedArrayBuffer;
  batches: SharedArrayBuffer[];
}

export function createShared(): DispatchShared {
  return {
    chunks: Array.from({ length: CHUNKS }, () => new SharedArrayBuffer(CHUNK_BYTES)),
    chunkRefs: new SharedArrayBuffer(4 * (CHUNKS + 1)),
  };
}

export function createRing(): RingShared {
  return {
    control: new SharedArrayBuffer(4 * BATCHES),
    batches: Array.from({ length: BATCHES }, () => new SharedArrayBuffer(BATCH_BYTES)),
  };
}
