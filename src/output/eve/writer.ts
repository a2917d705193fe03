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
  private parts: string[] = [];
  private pending = 0;
  lines = 0;

  /** `path` '-' writes to standard output. */
  constructor(path: string) {
    if (path === '-') {
      this.fd = 1;
      this.ownsFd = false;
    } else {
      this.fd = openSync(path, 'w');
      this.ownsFd = true;
    }
  }

  writeLine(line: string): void {
    this.parts.push(line, '\n');
    this.pending += line.length + 1;
    this.lines++;
    if (this.pending >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    writeSync(this.fd, this.parts.join(''));
    this.parts = [];
    this.pending = 0;
  }

  close(): void {
    this.flush();
    if (this.ownsFd) closeSync(this.fd);
  }
}
