/**
 * Reads a file in large chunks with one read always in flight ahead of the parser: while the packets of one
 * chunk are analysed, the kernel's copy of the next happens on a libuv I/O thread, so the analysis thread
 * never waits on `read` unless it outruns the disk or page cache. Parsers ask for `need` bytes at the
 * current position (`has`, then `fill` when a record straddles the chunk end); no allocation per packet.
 *
 * Each buffer keeps RESERVE bytes free in front of the data read into it, so the unread tail of the old
 * chunk (a record cut by the chunk end) is copied in front of the new data and the record is contiguous
 * without moving the chunk itself.
 *
 * A gzip-compressed file is read the same way through a GunzipFeed (the caller says which, by magic number).
 */
import { closeSync, openSync, read } from 'node:fs';
import { GunzipFeed } from './gunzip-feed.js';

/**
 * Hands out the buffers a reader fills, when bytes already read must stay where they are (workers may be
 * reading packets out of them in place). `acquire` returns an unused buffer of at least `minBytes` (the
 * reader reads ahead into it); `switchTo` says the reader now parses from that buffer, so the one it parsed
 * before is the provider's to recycle once its consumers are done.
 */
export interface BufferProvider {
  acquire(minBytes: number): Buffer;
  switchTo(buf: Buffer): void;
}

/** Room in front of each chunk's data for the tail of the previous chunk; larger tails take the slow path. */
const RESERVE = 256 << 10;

interface ReadAhead {
  buf: Buffer;
  done: Promise<number>;
}

function readInto(fd: number, buf: Buffer, at: number, len: number): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, buf, at, len, null, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

export class ChunkReader {
  buf: Buffer = Buffer.alloc(0);
  /** Start and end of the valid bytes in `buf`. */
  pos = 0;
  end = 0;
  /** File offset of buf[0]. */
  base = 0;
  /** The plain file; -1 when reading through `gunzip`. */
  private readonly fd: number;
  private readonly gunzip: GunzipFeed | undefined;
  private eof = false;
  private ahead: ReadAhead | undefined;
  /** The buffer parsed before the current one, reused for the next read-ahead (no provider). */
  private spare: Buffer | undefined;
  private readonly reserve: number;

  constructor(
    readonly path: string,
    private readonly chunk = 8 << 20,
    private readonly provider?: BufferProvider,
    gzip = false,
  ) {
    this.gunzip = gzip ? new GunzipFeed(path) : undefined;
    this.fd = gzip ? -1 : openSync(path, 'r');
    // A provider's buffers have a fixed size: the reserve is a quarter of it, the rest is read into.
    this.reserve = provider ? chunk >> 2 : Math.min(RESERVE, chunk);
    this.startAhead();
  }

  /** Why a compressed input ended early (cut or damaged gzip stream); undefined for plain files. */
  get problem(): string | undefined {
    return this.gunzip?.problem;
  }

  /** File offset of the current position (of the decompressed data, for a gzip file). */
  get offset(): number {
    return this.base + this.pos;
  }

  /** True when `need` bytes from `pos` are in the buffer already (no I/O). */
  has(need: number): boolean {
    return this.end - this.pos >= need;
  }

  /** Makes at least `need` bytes available from `pos`; false at end of file with fewer left. */
  async fill(need: number): Promise<boolean> {
    while (this.end - this.pos < need) {
      if (this.eof) return false;
      const a = this.ahead ?? this.startAhead();
      const n = await a.done;
      this.ahead = undefined;
      if (n === 0) {
        this.eof = true;
        this.release(a.buf);
        return false;
      }
      this.adopt(a.buf, n);
      this.startAhead();
    }
    return true;
  }

  /** Continues parsing in `nb`, whose `n` fresh bytes start at the reserve; the unread tail goes in front. */
  private adopt(nb: Buffer, n: number): void {
    const tail = this.end - this.pos;
    const r = this.reserve;
    if (tail <= r) {
      this.buf.copy(nb, r - tail, this.pos, this.end);
      const old = this.buf;
      this.base += this.end - r;
      this.pos = r - tail;
      this.end = r + n;
      this.buf = nb;
      if (this.provider) this.provider.switchTo(nb);
      else if (old.length === nb.length) this.spare = old;
      return;
    }
    // A record longer than the reserve: one contiguous buffer holding the tail and the new bytes.
    if (this.provider) {
      throw new Error(
        `${this.path}: a capture record of more than ${r} bytes at byte ${this.offset}; analyse this capture with --workers 1`,
      );
    }
    const joined = Buffer.allocUnsafe(Math.max(r + this.chunk, 2 * (tail + n)));
    this.buf.copy(joined, 0, this.pos, this.end);
    nb.copy(joined, tail, r, r + n);
    this.base += this.pos;
    this.pos = 0;
    this.end = tail + n;
    this.buf = joined;
    this.spare = nb;
  }

  private release(buf: Buffer): void {
    if (!this.provider) this.spare = buf;
  }

  private startAhead(): ReadAhead {
    const size = this.reserve + this.chunk;
    let target: Buffer;
    if (this.provider) target = this.provider.acquire(this.chunk);
    else if (this.spare && this.spare.length >= size) target = this.spare;
    else target = Buffer.allocUnsafe(size);
    this.spare = undefined;
    const len = this.provider ? target.length - this.reserve : this.chunk;
    const a: ReadAhead = {
      buf: target,
      done: this.gunzip
        ? this.gunzip.read(target, this.reserve, len)
        : readInto(this.fd, target, this.reserve, len),
    };
    // A read that fails is reported by the fill() that awaits it; never as an unhandled rejection meanwhile.
    a.done.catch(() => undefined);
    this.ahead = a;
    return a;
  }

  /** Waits for the read in flight (its buffer must not be recycled under it), then closes the file. */
  async close(): Promise<void> {
    const a = this.ahead;
    this.ahead = undefined;
    if (a) await a.done.catch(() => 0);
    if (this.gunzip) this.gunzip.close();
    else closeSync(this.fd);
  }
}
