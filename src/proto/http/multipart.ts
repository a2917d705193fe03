/**
 * multipart/form-data request bodies (RFC 7578) read as Suricata reads them for files: each part whose
 * Content-Disposition names a `filename` is a file; its data runs up to the CRLF before the next delimiter line
 * (`--boundary`), and a final delimiter (`--boundary--`) ends the form. Parts without a filename are form fields,
 * not files.
 *
 * Bounded memory: the parser holds at most one part head (MAX_PART_HEAD bytes; a longer head makes the part a
 * non-file, `MULTIPART_INVALID_HEADER`) and, between chunks, the last bytes that may begin a delimiter (fewer than
 * the delimiter's length). File bytes go straight to the part's `BodyFile`, which keeps only a bounded prefix.
 */
import { BodyFile, dispositionFilename, type FileOptions } from './body-file.js';
import type { HttpFile } from './types.js';

/** A part head (its header lines) longer than this is not read. */
export const MAX_PART_HEAD = 8 * 1024;
/** RFC 2046 §5.1.1 allows 70 characters; longer boundaries are refused as hostile. */
export const MAX_BOUNDARY = 200;

const S_PREAMBLE = 0;
const S_HEAD = 1;
const S_DATA = 2;
const S_DONE = 3;

const CRLFCRLF = Buffer.from('\r\n\r\n');

/**
 * The boundary of a multipart/form-data Content-Type (`boundary=` parameter, quotes removed), or undefined when the
 * body is not multipart/form-data or names no usable boundary.
 */
export function formDataBoundary(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !/multipart\/form-data/i.test(contentType)) return undefined;
  const m = /boundary\s*=\s*("([^"]*)"|[^;\s,]+)/i.exec(contentType);
  if (!m) return undefined;
  const b = m[2] ?? m[1];
  return b.length > 0 && b.length <= MAX_BOUNDARY ? b : undefined;
}

export class MultipartFiles {
  /** "\r\n--boundary": what ends a part's data. */
  private readonly delim: Buffer;
  private state = S_PREAMBLE;
  /** Bytes carried between chunks: a possible delimiter start (PREAMBLE/DATA) or the part head so far (HEAD). */
  private carry: Buffer;
  private file: BodyFile | undefined;
  private readonly files: HttpFile[] = [];

  constructor(
    boundary: string,
    private readonly opts: FileOptions,
    private readonly onEvent?: (event: string, detail: string) => void,
  ) {
    this.delim = Buffer.from(`\r\n--${boundary}`, 'latin1');
    // The first delimiter may open the body with no line end before it.
    this.carry = Buffer.from('\r\n');
  }

  /** Files closed so far (parts whose end was seen). */
  get closed(): readonly HttpFile[] {
    return this.files;
  }

  data(buf: Buffer, off: number, n: number): void {
    if (this.state === S_DONE || n <= 0) return;
    const b = this.carry.length > 0 ? Buffer.concat([this.carry, buf.subarray(off, off + n)]) : buf;
    let p = this.carry.length > 0 ? 0 : off;
    const end = this.carry.length > 0 ? b.length : off + n;
    this.carry = EMPTY;
    while (p < end && this.state !== S_DONE) {
      if (this.state === S_HEAD) {
        const e = b.indexOf(CRLFCRLF, p);
        const found = e >= 0 && e + 4 <= end;
        if ((found ? e : end) - p > MAX_PART_HEAD) {
          this.onEvent?.('MULTIPART_INVALID_HEADER', `part head over ${MAX_PART_HEAD} bytes`);
          // The part is read as data of no file until the next delimiter.
          this.state = S_DATA;
          this.file = undefined;
          if (found) p = e + 4;
          continue;
        }
        if (!found) {
          this.carry = Buffer.from(b.subarray(p, end));
          return;
        }
        this.openPart(b.toString('latin1', p, e));
        p = e + 4;
        continue;
      }
      // PREAMBLE or DATA: look for the delimiter.
      const d = b.indexOf(this.delim, p);
      if (d >= 0 && d + this.delim.length <= end) {
        if (this.state === S_DATA && this.file) this.file.add(b, p, d - p);
        this.closePart(false);
        p = d + this.delim.length;
        // "--" right after the boundary closes the form.
        if (end - p < 2) {
          // Read the delimiter again when more bytes come (the part is closed already).
          this.carry = Buffer.from(b.subarray(d, end));
          this.state = S_PREAMBLE;
          return;
        }
        if (b[p] === 0x2d && b[p + 1] === 0x2d) {
          this.state = S_DONE;
          return;
        }
        this.state = S_HEAD;
        continue;
      }
      // No delimiter: all but a possible delimiter start is data.
      const keep = Math.min(this.delim.length - 1, end - p);
      const upto = end - keep;
      if (this.state === S_DATA && this.file && upto > p) this.file.add(b, p, upto - p);
      this.carry = Buffer.from(b.subarray(upto, end));
      return;
    }
  }

  /** `n` body bytes are missing: the part being read has a hole (the delimiter may be lost in it). */
  gap(n: number): void {
    if (this.state === S_DATA && this.file) {
      this.flushCarry();
      this.file.gap(n);
    } else if (this.state === S_HEAD) {
      this.carry = EMPTY;
      this.state = S_DATA;
      this.file = undefined;
    }
  }

  /**
   * The body is over. `truncated`: it was cut (body limit, capture end, a hole): the open part's file is TRUNCATED
   * with every byte it had. Returns all the files, in body order.
   */
  finish(truncated: boolean): HttpFile[] {
    if (this.file) {
      this.flushCarry();
      this.closePart(truncated);
    }
    this.state = S_DONE;
    this.carry = EMPTY;
    return this.files;
  }

  private flushCarry(): void {
    if (this.state === S_DATA && this.file && this.carry.length > 0)
      this.file.add(this.carry, 0, this.carry.length);
    this.carry = EMPTY;
  }

  private openPart(head: string): void {
    this.state = S_DATA;
    this.file = undefined;
    for (const line of head.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0 || line.slice(0, colon).trim().toLowerCase() !== 'content-disposition') continue;
      const name = dispositionFilename(line.slice(colon + 1));
      if (name !== undefined) this.file = new BodyFile(name, undefined, undefined, this.opts);
    }
  }

  private closePart(truncated: boolean): void {
    const f = this.file;
    this.file = undefined;
    if (f) this.files.push(f.finish(truncated));
  }
}

const EMPTY = Buffer.alloc(0);
