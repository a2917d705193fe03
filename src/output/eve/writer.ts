/**
 * EVE JSON lines to a file or stdout. Lines are encoded straight into a reused 256 KiB buffer; a full buffer
 * is written by a libuv I/O thread while the analysis goes on into the next one, so the packet thread does not
 * pay for the file system. One write per event would cost more than the whole packet path for a busy capture.
 */
import { closeSync, openSync, write, writeSync } from 'node:fs';
import type { EveBytesOut } from './json-out.js';

/**
 * A quarter of a megabyte. The packet thread returns to its event loop only between capture chunks, so a burst of
 * records (every flow's at the end of a capture) fills buffer after buffer before any write is collected: with
 * 1 MiB buffers and 4 MiB in flight that was ~6 MB of the analysis's peak memory.
 */
const FLUSH_AT = 256 << 10;
/** A buffer holds FLUSH_AT plus room for the line that crosses it (longer lines grow it). */
const BUFFER_BYTES = FLUSH_AT + (64 << 10);
/**
 * Bytes allowed in writes not yet finished. A file system slower than the analysis makes the writer fall back
 * to writing synchronously past this, so memory stays bounded and nothing already accepted is dropped.
 */
const MAX_IN_FLIGHT = 1 << 20;
/** Spare buffers kept for reuse; more than this were a burst, and go back to the allocator. */
const POOL_MAX = 4;

export interface EveLineSink {
  writeLine(line: string): void;
  close(): void | Promise<void>;
}

export class EveFileWriter implements EveLineSink, EveBytesOut {
  private readonly fd: number;
  private readonly ownsFd: boolean;
  /** The buffer lines are encoded into, and the end of what is in it (EveBytesOut: encoders write here). */
  buf: Buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  pos = 0;
  lines = 0;
  /**
   * Where the next write lands, for a file opened for writing: writes are positional, so several may be in
   * flight and finish in any order. -1: append mode or a pipe, where the kernel places each write at the end.
   */
  private filePos: number;
  /** Write in a background thread: regular files only (a pipe's writes must stay in order and blocking). */
  private readonly background: boolean;
  private inFlight = 0;
  private inFlightBytes = 0;
  private readonly pool: Buffer[] = [];
  private failure: Error | undefined;
  private drained: (() => void) | undefined;

  private readonly timer: NodeJS.Timeout | undefined;

  /**
   * `path` '-' writes to standard output. `flushIntervalMs` (live capture) also writes out what is buffered
   * every so often, so a quiet network's events reach the file within that time instead of waiting for 256 KiB.
   * `append`: several analysis workers write to one file; O_APPEND lands each write whole, in any order.
   * The thread using the writer must return to its event loop now and then (workers await their batches),
   * or finished background writes are never collected and the writer falls back to synchronous writes.
   */
  constructor(
    readonly path: string,
    opts: { flushIntervalMs?: number; append?: boolean } = {},
  ) {
    if (path === '-') {
      this.fd = 1;
      this.ownsFd = false;
      this.background = false;
      this.filePos = -1;
    } else {
      this.fd = openSync(path, opts.append ? 'a' : 'w');
      this.ownsFd = true;
      this.background = true;
      this.filePos = opts.append ? -1 : 0;
    }
    this.timer =
      opts.flushIntervalMs !== undefined
        ? setInterval(() => {
            // A failed write is thrown to the next writeLine or close, not out of a timer.
            if (!this.failure) this.flush();
          }, opts.flushIntervalMs)
        : undefined;
    this.timer?.unref();
  }

  writeLine(line: string): void {
    this.lines++;
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const worst = line.length * 3 + 1;
    if (this.pos + worst > this.buf.length) {
      this.flush();
      if (worst > this.buf.length) {
        this.writeNow(Buffer.from(line + '\n'));
        return;
      }
    }
    this.pos += this.buf.write(line, this.pos, 'utf8');
    this.buf[this.pos++] = 0x0a;
    if (this.pos >= FLUSH_AT) this.flush();
  }

  /** EveBytesOut: `bytes` more fit after `pos`. A line is never split between writes: the buffer grows instead. */
  room(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  /** EveBytesOut: the line encoded since the last one is complete. */
  endLine(): void {
    this.room(1);
    this.buf[this.pos++] = 0x0a;
    this.lines++;
    if (this.pos >= FLUSH_AT) this.flush();
  }

  /** Hands what is buffered to the file; the encoder goes on in a fresh buffer. */
  flush(): void {
    if (this.failure) throw this.failure;
    if (this.pos === 0) return;
    const full = this.buf;
    const len = this.pos;
    this.pos = 0;
    if (!this.background || this.inFlightBytes + len > MAX_IN_FLIGHT) {
      this.writeNow(full.subarray(0, len));
      return;
    }
    this.buf = this.pool.pop() ?? Buffer.allocUnsafe(BUFFER_BYTES);
    const at = this.filePos;
    if (at >= 0) this.filePos += len;
    this.inFlight++;
    this.inFlightBytes += len;
    this.writeFrom(full, 0, len, at, len);
  }

  private writeFrom(full: Buffer, off: number, len: number, at: number, total: number): void {
    write(this.fd, full, off, len, at >= 0 ? at : null, (err, n) => {
      if (!err && n < len) {
        // A short write (a full disk on the way): the rest follows at its own position.
        this.writeFrom(full, off + n, len - n, at >= 0 ? at + n : -1, total);
        return;
      }
      this.inFlight--;
      this.inFlightBytes -= total;
      if (err) this.failure ??= new Error(`EVE output ${this.path}: ${err.message}`);
      if (this.pool.length < POOL_MAX) this.pool.push(full);
      if (this.inFlight === 0) this.drained?.();
    });
  }

  /** A synchronous write, at the writer's position when the file is written positionally. */
  private writeNow(b: Buffer): void {
    let off = 0;
    try {
      while (off < b.length) {
        const n = writeSync(this.fd, b, off, b.length - off, this.filePos >= 0 ? this.filePos : null);
        off += n;
        if (this.filePos >= 0) this.filePos += n;
      }
    } catch (err) {
      throw new Error(`EVE output ${this.path}: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
  }

  /** Writes what is left and waits until every write has reached the file; a failed write is thrown here. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    try {
      this.flush();
      if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      if (this.failure) throw this.failure;
    } finally {
      if (this.ownsFd) closeSync(this.fd);
    }
  }
}
