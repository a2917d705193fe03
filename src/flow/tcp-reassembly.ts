/**
 * TCP reassembly for one direction of a flow: bytes go to the consumer in sequence order, exactly once.
 *
 * - The initial sequence number comes from the SYN, or from the first segment seen (midstream pickup).
 * - Sequence numbers are compared as signed 32-bit differences to the next expected one, so wraparound at
 *   2^32 needs no special case; held segments are placed by a 64-bit-safe absolute stream offset.
 * - In-order segments with nothing held are delivered straight from the packet buffer (no copy).
 * - Out-of-order segments are copied and held, up to a byte bound; when the hole fills they are delivered.
 * - Retransmissions and overlaps: the first data seen wins; an overlap carrying different bytes is reported
 *   (an evasion sign, Suricata's `stream.reassembly_overlap_different_data`).
 * - A hole becomes a gap (consumer.onStreamGap) when the bound overflows, at FIN/RST, or at flow end — except,
 *   at flow end, a hole the peer never acknowledged past: the receiver was still waiting for those bytes, so what
 *   follows the hole was never part of the stream it read. Suricata stops there too (it only skips a hole once it
 *   is acknowledged), which decides what a file cut by a reset holds.
 * - With a receiver's OS policy (host-os-policy, os-policy.ts) bytes are held until the peer acknowledges them, as
 *   Suricata's IDS mode does, so that a later overlapping segment can still replace them where the policy says the
 *   new data wins.
 */
import { TCP_FIN, TCP_RST, TCP_SYN } from '../decode/index.js';
import type { Direction } from './app-contract.js';
import { newDataWins, START_AFTER, START_BEFORE, START_SAME, type OsPolicy } from './os-policy.js';

export interface StreamConsumer {
  onStreamData(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void;
  /** `acked`: the peer acknowledged past the hole (the capture lost bytes that were received), not a flush. */
  onStreamGap(dir: Direction, len: number, tsUs: number, acked: boolean): void;
  /** Overlapping segments disagreed on the bytes; reported once per direction. */
  onStreamOverlapDifferent(dir: Direction, tsUs: number): void;
  /** The reassembly depth was reached: nothing past it is delivered (once per direction). */
  onStreamDepthReached?(dir: Direction, tsUs: number): void;
  /** From here on `dir`'s bytes are for stream inspection only (past a hole never acknowledged, at flow end). */
  onAppLayerCut?(dir: Direction): void;
}

export interface ReassemblyCounters {
  tcpGaps: number;
  reassemblyOverflows: number;
}

/** Out-of-order bytes held by all streams of one engine, against a global cap (memory bound, acceptance 4). */
export class HeldBudget {
  held = 0;
  constructor(readonly max: number) {}
}

/** A copied out-of-order piece of the stream, placed by absolute stream offset. */
interface HeldSegment {
  start: number;
  data: Buffer;
}

const NOTHING_HELD: HeldSegment[] = [];
const EMPTY = Buffer.alloc(0);
/** An acknowledgment further ahead than this is not believed (corrupt or unrelated). */
const MAX_ACK_JUMP = 1 << 30;

export class TcpReassembler {
  /** The ISN is known (from a SYN or the first segment). */
  started = false;
  /** The next sequence number expected (uint32). */
  nextSeq = 0;
  /** Absolute stream offset of `nextSeq`: bytes delivered plus gap bytes. */
  offset = 0;
  /** Bytes skipped as gaps. */
  gapBytes = 0;
  /** A FIN or RST ended this direction. */
  ended = false;
  /**
   * The most disjoint regions of the stream held at once: the delivered stream plus each run of held bytes not
   * contiguous with the one before (Suricata's streaming buffer regions, logged as `tcp.ts_max_regions`).
   */
  maxRegions = 1;
  /** Absolute stream offset the peer acknowledged up to, or -1 when no acknowledgment was seen. */
  private ackedTo = -1;
  /** Sorted by start; the shared empty list until something is held (most streams never hold anything). */
  private held: HeldSegment[] = NOTHING_HELD;
  private heldBytes = 0;
  private overlapReported = false;

  constructor(
    private readonly dir: Direction,
    private readonly maxHeldBytes: number,
    private readonly consumer: StreamConsumer,
    private readonly counters: ReassemblyCounters,
    private readonly budget: HeldBudget,
    /** Stream bytes reassembled at most (Suricata's stream.reassembly.depth); 0: no limit. */
    private readonly depth = 0,
    /** The receiving host's overlap policy; undefined: the first data wins and in-order bytes go at once. */
    private readonly policy?: OsPolicy,
  ) {}

  /** The depth was reached: later data is dropped. */
  depthReached = false;

  /**
   * How many of `len` bytes at the current offset stay within the depth; reaching it is reported once and ends
   * the direction's reassembly (bytes still held are dropped as they drain).
   */
  private withinDepth(len: number, tsUs: number): number {
    const room = this.depth - this.offset;
    if (len <= room) return len;
    this.depthReached = true;
    this.consumer.onStreamDepthReached?.(this.dir, tsUs);
    return room > 0 ? room : 0;
  }

  get heldSegmentBytes(): number {
    return this.heldBytes;
  }

  /** The stream starts at `nextSeq` (the SYN was seen before the reassembler existed). */
  startAt(nextSeq: number): void {
    this.started = true;
    this.nextSeq = nextSeq >>> 0;
  }

  /** One TCP segment of this direction. `buf` is only valid during the call. */
  segment(seq: number, flags: number, buf: Buffer, off: number, len: number, tsUs: number): void {
    if (!this.started) {
      this.started = true;
      // A SYN occupies one sequence number; without one, the first segment starts the stream.
      this.nextSeq = flags & TCP_SYN ? (seq + 1) >>> 0 : seq >>> 0;
    }
    if (len > 0 && !this.depthReached) {
      const dataSeq = flags & TCP_SYN ? (seq + 1) >>> 0 : seq >>> 0;
      this.data(dataSeq, buf, off, len, tsUs);
    }
    if (flags & (TCP_FIN | TCP_RST)) {
      this.ended = true;
      // Nothing may come to fill holes before the end in the normal case: report them now.
      if (this.held.length > 0) this.flush(tsUs);
    }
  }

  /**
   * The peer acknowledged up to `ack`: bytes before it that are still missing were sent and received, the
   * capture lost them (or the snapshot length cut them). They become a gap now instead of holding every later
   * segment until the bound overflows. Ignored after FIN (its ACK counts the FIN's sequence number).
   */
  acked(ack: number, tsUs: number): void {
    if (!this.started || this.ended || this.depthReached) return;
    const diff = (ack - this.nextSeq) | 0;
    if (diff > MAX_ACK_JUMP || diff < -MAX_ACK_JUMP) return;
    if (this.offset + diff > this.ackedTo) this.ackedTo = this.offset + diff;
    if (diff <= 0) return;
    const target = this.offset + diff;
    this.inAck = true;
    const held = this.held;
    let n = 0;
    while (n < held.length && held[n].start < target) {
      const h = held[n];
      this.heldBytes -= h.data.length;
      this.budget.held -= h.data.length;
      this.deliverAt(h.start, h.data, 0, h.data.length, tsUs);
      n++;
    }
    if (n > 0) {
      if (n === held.length) this.held = NOTHING_HELD;
      else held.splice(0, n);
    }
    if (this.offset < target) this.deliverAt(target, EMPTY, 0, 0, tsUs);
    if (this.policy === undefined) this.drain(tsUs);
    this.inAck = false;
  }

  /** Gaps delivered now were acknowledged past (set during `acked`). */
  private inAck = false;

  /**
   * The flow ended: held bytes are delivered, holes between them gaps; past the first hole that starts at or past
   * what the peer acknowledged the bytes reach stream inspection only, not the app layer. Without any acknowledgment seen (a capture
   * of one direction) everything is delivered, as `flush` does.
   */
  flushAtEnd(tsUs: number): void {
    if (this.ackedTo < 0 || this.ended) {
      this.flush(tsUs);
      return;
    }
    const held = this.held;
    this.held = NOTHING_HELD;
    this.budget.held -= this.heldBytes;
    this.heldBytes = 0;
    let cut = false;
    for (const h of held) {
      if (!cut && h.start > this.offset && this.offset >= this.ackedTo) {
        // The app layer stops here; raw stream inspection at flow end still sees what lies beyond the hole, as
        // Suricata's does (its flow-timeout pseudo packets inspect the raw stream past it).
        cut = true;
        this.consumer.onAppLayerCut?.(this.dir);
      }
      this.deliverAt(h.start, h.data, 0, h.data.length, tsUs);
    }
  }

  /** Delivers everything held, recording the holes between as gaps (overflow, FIN/RST). */
  flush(tsUs: number): void {
    const held = this.held;
    this.held = NOTHING_HELD;
    this.budget.held -= this.heldBytes;
    this.heldBytes = 0;
    for (const h of held) this.deliverAt(h.start, h.data, 0, h.data.length, tsUs);
  }

  private data(seq: number, buf: Buffer, off: number, len: number, tsUs: number): void {
    const diff = (seq - this.nextSeq) | 0;
    if (diff === 0 && this.held.length === 0 && this.policy === undefined) {
      // The common case: in order, nothing waiting.
      if (this.depth > 0 && this.offset + len > this.depth) {
        len = this.withinDepth(len, tsUs);
        if (len === 0) return;
      }
      this.nextSeq = (this.nextSeq + len) >>> 0;
      this.offset += len;
      this.consumer.onStreamData(this.dir, buf, off, len, tsUs);
      return;
    }
    if (diff < 0) {
      // Starts before what was delivered: a retransmission or an overlap. The delivered bytes won.
      if (diff + len <= 0) return;
      off -= diff;
      len += diff;
    }
    const start = this.offset + (diff > 0 ? diff : 0);
    this.hold(start, buf, off, len, tsUs);
    this.countRegions();
    if (this.policy === undefined) this.drain(tsUs);
    if (this.heldBytes > this.maxHeldBytes || this.budget.held > this.budget.max) {
      this.counters.reassemblyOverflows++;
      this.flush(tsUs);
    }
  }

  private countRegions(): void {
    const held = this.held;
    let regions = 1;
    let end = this.offset;
    for (const h of held) {
      if (h.start > end) regions++;
      const e = h.start + h.data.length;
      if (e > end) end = e;
    }
    if (regions > this.maxRegions) this.maxRegions = regions;
  }

  /** Copies [start, start+len) into the held list, keeping bytes already held (first data wins). */
  private hold(start: number, buf: Buffer, off: number, len: number, tsUs: number): void {
    const held = this.held;
    const end = start + len;
    let cursor = start;
    let i = 0;
    // Skip held segments that end before this one starts.
    while (i < held.length && held[i].start + held[i].data.length <= cursor) i++;
    while (cursor < end) {
      const h = i < held.length ? held[i] : undefined;
      if (h === undefined || h.start >= end) {
        this.insertAt(i, cursor, buf, off + (cursor - start), end - cursor);
        return;
      }
      if (h.start > cursor) {
        this.insertAt(i, cursor, buf, off + (cursor - start), h.start - cursor);
        i++;
        cursor = h.start;
        continue;
      }
      // h covers cursor: compare the overlapping bytes, keep h's unless the receiver's policy takes the new ones.
      const hEnd = h.start + h.data.length;
      const ovEnd = hEnd < end ? hEnd : end;
      const a = off + (cursor - start);
      if (buf.compare(h.data, cursor - h.start, ovEnd - h.start, a, a + (ovEnd - cursor)) !== 0) {
        this.reportOverlap(tsUs);
        const p = this.policy;
        const rel = start === h.start ? START_SAME : start < h.start ? START_BEFORE : START_AFTER;
        if (p !== undefined && newDataWins(p, rel, Math.sign(end - hEnd)))
          buf.copy(h.data, cursor - h.start, a, a + (ovEnd - cursor));
      }
      cursor = ovEnd;
      i++;
    }
  }

  private insertAt(i: number, start: number, buf: Buffer, off: number, len: number): void {
    const data = Buffer.allocUnsafe(len);
    buf.copy(data, 0, off, off + len);
    if (this.held === NOTHING_HELD) this.held = [];
    this.held.splice(i, 0, { start, data });
    this.heldBytes += len;
    this.budget.held += len;
  }

  /** Delivers held segments that are now contiguous with the stream. */
  private drain(tsUs: number): void {
    const held = this.held;
    let n = 0;
    while (n < held.length && held[n].start <= this.offset) {
      const h = held[n];
      this.heldBytes -= h.data.length;
      this.budget.held -= h.data.length;
      const skip = this.offset - h.start;
      if (skip < h.data.length) this.deliverAt(this.offset, h.data, skip, h.data.length - skip, tsUs);
      n++;
    }
    if (n > 0) held.splice(0, n);
  }

  /** Delivers bytes that start at absolute offset `start` ≥ the current offset, recording any hole as a gap. */
  private deliverAt(start: number, buf: Buffer, off: number, len: number, tsUs: number): void {
    if (start < this.offset) {
      const skip = this.offset - start;
      if (skip >= len) return;
      off += skip;
      len -= skip;
      start = this.offset;
    }
    if (start > this.offset) {
      const gap = start - this.offset;
      this.counters.tcpGaps++;
      this.gapBytes += gap;
      this.offset = start;
      this.nextSeq = (this.nextSeq + gap) >>> 0;
      this.consumer.onStreamGap(this.dir, gap, tsUs, this.inAck);
    }
    if (len === 0 || this.depthReached) return;
    if (this.depth > 0 && this.offset + len > this.depth) {
      len = this.withinDepth(len, tsUs);
      if (len === 0) return;
    }
    this.offset += len;
    this.nextSeq = (this.nextSeq + len) >>> 0;
    this.consumer.onStreamData(this.dir, buf, off, len, tsUs);
  }

  private reportOverlap(tsUs: number): void {
    if (this.overlapReported) return;
    this.overlapReported = true;
    this.consumer.onStreamOverlapDifferent(this.dir, tsUs);
  }
}
