/**
 * A gzip-compressed capture (`.pcap.gz`, `.pcapng.gz`, as public corpora ship them) read as a stream: the
 * file goes through zlib in the background and `read` copies the decompressed bytes into the caller's buffer,
 * with the same contract as `fs.read` (bytes copied, 0 at the end). Nothing is decompressed to disk or held
 * whole in memory. A compressed stream that is cut or damaged ends the data early; `problem` then says why,
 * and the capture reader reports it like a cut capture (everything before it is delivered).
 */
import { createReadStream, readSync, openSync, closeSync } from 'node:fs';
import { constants, createGunzip, gunzipSync, type Gunzip } from 'node:zlib';

/** gzip's magic bytes (RFC 1952 §2.3.1). */
export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * The first decompressed bytes of a gzip file (at most `want`), for telling pcap from pcapng by magic number.
 * Reads only the start of the file: zlib's sync flush decompresses what it has without needing the end.
 */
export function gunzipHead(path: string, want: number): Buffer {
  const raw = Buffer.alloc(64 << 10);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, raw, 0, raw.length, 0);
  } finally {
    closeSync(fd);
  }
  const out = gunzipSync(raw.subarray(0, n), { finishFlush: constants.Z_SYNC_FLUSH });
  return out.subarray(0, want);
}

export class GunzipFeed {
  private readonly gz: Gunzip;
  private readonly chunks: AsyncIterator<Buffer>;
  private pending: Buffer | undefined;
  private pendingPos = 0;
  private done = false;
  /** Why the decompressed data ended before the compressed stream said it would (cut or damaged file). */
  problem: string | undefined;

  constructor(path: string) {
    this.gz = createGunzip({ chunkSize: 256 << 10 });
    const file = createReadStream(path, { highWaterMark: 1 << 20 });
    file.on('error', (err) => this.gz.destroy(err));
    file.pipe(this.gz);
    this.chunks = this.gz[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /** Copies up to `len` decompressed bytes into `buf` at `at`; fewer only at the end of the data, 0 after it. */
  async read(buf: Buffer, at: number, len: number): Promise<number> {
    let n = 0;
    while (n < len) {
      if (!this.pending || this.pendingPos >= this.pending.length) {
        if (this.done) break;
        try {
          const r = await this.chunks.next();
          if (r.done) {
            this.done = true;
            break;
          }
          this.pending = r.value;
          this.pendingPos = 0;
        } catch (err) {
          this.done = true;
          this.problem = `gzip stream ends early: ${err instanceof Error ? err.message : String(err)}`;
          break;
        }
      }
      const take = Math.min(len - n, this.pending.length - this.pendingPos);
      this.pending.copy(buf, at + n, this.pendingPos, this.pendingPos + take);
      this.pendingPos += take;
      n += take;
    }
    return n;
  }

  close(): void {
    this.done = true;
    this.gz.destroy();
  }
}
