/**
 * A message body followed as Suricata follows it as a file: its bytes (de-chunked) are counted, the first ones kept
 * for inspection, gaps noted, digests made as bytes arrive (gaps skipped), and at its end the content codings are
 * undone (`content-coding.ts`) so that the file's size, digests and `file_data` are of the decoded body. Encoded
 * bodies are kept whole up to ENCODED_KEEP to be decoded at the end; beyond that the file is TRUNCATED at what was
 * kept. Bytes past the body limit (libhtp's request-/response-body-limit) are not followed: the file is TRUNCATED
 * there, as Suricata closes it.
 */
import { decodeBody, type CodingPlan, type DecodeLimits } from './content-coding.js';
import { fileHasher, type FileHashName, type FileHasher } from './file-hash.js';
import { BODY_KEEP, keepBody, type HttpFile } from './types.js';

/** Encoded bytes kept for decoding at the end of a body. */
export const ENCODED_KEEP = 4 << 20;

/** Where a file's bytes also go as they are known (a byte-range reassembly). */
export interface FileSink {
  data(buf: Buffer, off: number, n: number): void;
  gap(n: number): void;
}

/** How a body is followed as a file. */
export interface FileOptions {
  /** Body bytes followed at most; 0: no limit. */
  limit: number;
  /** Digests to make of the file's bytes. */
  hashes?: readonly FileHashName[];
  sink?: FileSink;
  /** Keep the first bytes for inspection (`file_data`); request files are inspected through the request body. */
  keep?: boolean;
}

const NO_PLAN: CodingPlan = { layers: [], overLimit: false };

export class BodyFile {
  private kept: Buffer[] | undefined;
  private keptLen = 0;
  private bytes = 0;
  private gapBytes = 0;
  private overflow = false;
  /** Bytes came past the body limit. */
  private cut = false;
  private readonly hasher: FileHasher | undefined;

  /** The range of the whole file this body is (Content-Range). */
  range: { start: number; end: number } | undefined;

  constructor(
    private readonly name: string,
    private readonly plan: CodingPlan = NO_PLAN,
    private readonly limits?: DecodeLimits,
    private readonly opts: FileOptions = { limit: 0 },
  ) {
    this.hasher = fileHasher(opts.hashes);
  }

  /** The body has content codings to undo. */
  get encoded(): boolean {
    return this.plan.layers.length > 0;
  }

  get seen(): number {
    return this.bytes + this.gapBytes;
  }

  /** Room left under the body limit (decoded bodies are limited when decoded). */
  private room(n: number): number {
    const limit = this.opts.limit;
    if (limit <= 0 || this.encoded) return n;
    const room = limit - this.seen;
    if (room < n) this.cut = true;
    return room < 0 ? 0 : Math.min(room, n);
  }

  add(buf: Buffer, off: number, n: number): void {
    n = this.room(n);
    if (n <= 0) return;
    const limit = this.encoded ? ENCODED_KEEP : BODY_KEEP;
    if ((this.gapBytes === 0 || !this.encoded) && (this.opts.keep !== false || this.encoded)) {
      // Encoded bytes after a hole cannot be decoded: the stream is broken there.
      if (this.encoded && this.keptLen + n > limit) this.overflow = true;
      this.kept = keepBody(this.kept, this.keptLen, buf, off, n, limit);
      this.keptLen = Math.min(limit, this.keptLen + n);
    }
    if (!this.encoded) {
      this.hasher?.update(buf, off, n);
      this.opts.sink?.data(buf, off, n);
    }
    this.bytes += n;
  }

  gap(n: number): void {
    n = this.room(n);
    if (n <= 0) return;
    this.gapBytes += n;
    if (!this.encoded) this.opts.sink?.gap(n);
  }

  /**
   * The file at the end of its body; `aborted` when the body did not end as framed. `onBomb` hears of a body whose
   * decoding hit the bomb bound.
   */
  finish(aborted: boolean, onBomb?: () => void): HttpFile {
    let size = this.bytes + this.gapBytes;
    let data: Buffer | undefined;
    let cut = this.cut;
    if (this.encoded) {
      const raw = !this.kept
        ? Buffer.alloc(0)
        : this.kept.length === 1
          ? this.kept[0]
          : Buffer.concat(this.kept);
      const d = decodeBody(raw, this.plan, this.limits!);
      if (d.bomb) onBomb?.();
      let decoded = d.data;
      const limit = this.opts.limit;
      if (limit > 0 && decoded.length > limit) {
        decoded = decoded.subarray(0, limit);
        cut = true;
      }
      size = decoded.length;
      cut ||= d.bomb || this.overflow;
      this.hasher?.update(decoded, 0, decoded.length);
      this.opts.sink?.data(decoded, 0, decoded.length);
      data = decoded.length > BODY_KEEP ? Buffer.from(decoded.subarray(0, BODY_KEEP)) : decoded;
    } else if (this.kept) {
      data = this.kept.length === 1 ? this.kept[0] : Buffer.concat(this.kept);
    }
    const gaps = this.gapBytes > 0;
    return {
      name: this.name,
      size,
      gaps,
      state: aborted || gaps || cut ? 'TRUNCATED' : 'CLOSED',
      ...(this.hasher ? this.hasher.digest() : {}),
      ...(this.range ? { range: this.range } : {}),
      data,
    };
  }
}

/**
 * The `filename=` parameter of a Content-Disposition value (quotes removed), as Suricata reads it: parameters are
 * split at semicolons outside double quotes.
 */
export function dispositionFilename(value: string): string | undefined {
  let quote = false;
  let start = 0;
  const v = value.trimStart();
  for (let i = 0; i <= v.length; i++) {
    const c = v[i];
    if (c === '"' && v[i - 1] !== '\\') quote = !quote;
    if (i === v.length || (c === ';' && !quote && v[i - 1] !== '\\')) {
      const tok = v.slice(start, i).trimStart();
      start = i + 1;
      if (tok.length > 9 && tok.slice(0, 9).toLowerCase() === 'filename=') {
        let name = tok.slice(9);
        if (name.startsWith('"')) name = name.slice(1);
        if (name.endsWith('"')) name = name.slice(0, -1);
        return name;
      }
    }
  }
  return undefined;
}

/** The request path without its query: the file's name when the response gives none. */
export function pathOf(uri: string | undefined): string {
  if (uri === undefined) return '';
  let u = uri;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(u);
  if (scheme) u = u.slice(scheme[0].length);
  const q = u.search(/[?#]/);
  return q >= 0 ? u.slice(0, q) : u;
}
