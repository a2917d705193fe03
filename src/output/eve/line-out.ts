/**
 * EVE outputs that are not a file: each finished line handed on as a string (in-process consumers, workers
 * posting their lines to the main thread), or dropped. Records are written into these exactly as into the file
 * writer, so every consumer gets the bytes the file would hold.
 */
import type { EveBytesOut } from './json-out.js';

const START_BYTES = 64 << 10;

/** Hands each finished line (without its newline) to `onLine`. */
export class EveLineOut implements EveBytesOut {
  buf: Buffer = Buffer.allocUnsafe(START_BYTES);
  pos = 0;

  constructor(private readonly onLine: (line: string) => void) {}

  room(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  endLine(): void {
    const line = this.buf.toString('utf8', 0, this.pos);
    this.pos = 0;
    this.onLine(line);
  }
}

/** Nobody reads the events (only the statistics are wanted): lines are written and forgotten. */
export class EveNullOut extends EveLineOut {
  constructor() {
    super(() => undefined);
  }

  override endLine(): void {
    this.pos = 0;
  }
}

/**
 * The line just written, as a string: `start` is where it began in `o.buf` (alerts delivered to channels are
 * read back from the output they were written into).
 */
export function lineSince(o: EveBytesOut, start: number): string {
  return o.buf.toString('utf8', start, o.pos);
}
