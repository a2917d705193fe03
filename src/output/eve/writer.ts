/**
 * EVE JSON lines to a file or stdout. Lines are gathered into large writes: one write per event would
 * cost more than the whole packet path for a busy capture.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

const FLUSH_AT = 1 << 20;

export interface EveLineSink {
  writeLine(line: string): void;
  close(): void;
}

export class EveFileWriter implements EveLineSink {
  private readonly fd: number;
  private readonly ownsFd: boolean;
  /**
   * Lines are encoded straight into one reused buffer and written from it: no array of parts, no joined
   * megabyte string, no second encoding pass inside writeSync.
   */
  private readonly buf = Buffer.allocUnsafe(FLUSH_AT * 2);
  private pos = 0;
  lines = 0;

  private readonly timer: NodeJS.Timeout | undefined;

  /**
   * `path` '-' writes to standard output. `flushIntervalMs` (live capture) also writes out what is buffered
   * every so often, so a quiet network's events reach the file within that time instead of waiting for 1 MiB.
   */
  constructor(path: string, opts: { flushIntervalMs?: number; append?: boolean } = {}) {
    if (path === '-') {
      this.fd = 1;
      this.ownsFd = false;
    } else {
      // Append mode: several analysis workers write to one file; O_APPEND lands each flushed batch whole.
      this.fd = openSync(path, opts.append ? 'a' : 'w');
      this.ownsFd = true;
    }
    this.timer =
      opts.flushIntervalMs !== undefined ? setInterval(() => this.flush(), opts.flushIntervalMs) : undefined;
    this.timer?.unref();
  }

  writeLine(line: string): void {
    this.lines++;
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const worst = line.length * 3 + 1;
    if (this.pos + worst > this.buf.length) {
      this.flush();
      if (worst > this.buf.length) {
        writeSync(this.fd, line + '\n');
        return;
      }
    }
    this.pos += this.buf.write(line, this.pos, 'utf8');
    this.buf[this.pos++] = 0x0a;
    if (this.pos >= FLUSH_AT) this.flush();
  }

  flush(): void {
    let off = 0;
    while (off < this.pos) off += writeSync(this.fd, this.buf, off, this.pos - off);
    this.pos = 0;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.flush();
    if (this.ownsFd) closeSync(this.fd);
  }
}
