/**
 * Reads a file through one reused buffer in large chunks. Parsers ask for `need` bytes at the current position; the
 * unread tail moves to the front when a record straddles the chunk end, and the buffer grows only for a record larger
 * than itself (bounded by the caller). No allocation per packet.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Hands out the buffers a reader fills, when bytes already read must stay where they are (workers may be
 * reading packets out of them in place). `next` returns an unused buffer of at least `minBytes`; the one the
 * reader held before is from then on the provider's to recycle once its consumers are done.
 */
export interface BufferProvider {
  next(minBytes: number): Buffer;
}

export class ChunkReader {
  buf: Buffer;
  /** Start and end of the valid bytes in `buf`. */
  pos = 0;
  end = 0;
  /** File offset of buf[0]. */
  base = 0;
  private readonly fd: number;
  private eof = false;

  constructor(
    readonly path: string,
    chunk = 8 << 20,
    private readonly provider?: BufferProvider,
  ) {
    this.fd = openSync(path, 'r');
    this.buf = provider ? provider.next(chunk) : Buffer.allocUnsafe(chunk);
  }

  /** File offset of the current position. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Makes at least `need` bytes available from `pos`; false at end of file with fewer left. */
  ensure(need: number): boolean {
    if (this.end - this.pos >= need) return true;
    if (this.eof) return false;
    if (this.provider) {
      // Bytes before `end` are never moved or overwritten: reading continues after them, or in a fresh
      // buffer that starts with the unread tail.
      if (this.pos + need > this.buf.length) {
        const fresh = this.provider.next(need);
        this.buf.copy(fresh, 0, this.pos, this.end);
        this.base += this.pos;
        this.end -= this.pos;
        this.pos = 0;
        this.buf = fresh;
      }
    } else if (need > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(bigger, 0, this.pos, this.end);
      this.base += this.pos;
      this.end -= this.pos;
      this.pos = 0;
      this.buf = bigger;
    } else if (this.pos > 0) {
      this.buf.copy(this.buf, 0, this.pos, this.end);
      this.base += this.pos;
      this.end -= this.pos;
      this.pos = 0;
    }
    while (this.end - this.pos < need) {
      const n = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, null);
      if (n === 0) {
        this.eof = true;
        return false;
      }
      this.end += n;
    }
    return true;
  }

  close(): void {
    closeSync(this.fd);
  }
}
