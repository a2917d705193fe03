/**
 * A response body followed as Suricata follows it as a file: its bytes (de-chunked) are counted, the first ones kept
 * for inspection, gaps noted, and at its end the content codings are undone (`content-coding.ts`) so that the file's
 * size and `file_data` are of the decoded body. Encoded bodies are kept whole up to ENCODED_KEEP to be decoded at
 * the end; beyond that the file is TRUNCATED at what was kept.
 */
import { decodeBody, type CodingPlan, type DecodeLimits } from './content-coding.js';
import { BODY_KEEP, keepBody, type HttpFile } from './types.js';

/** Encoded bytes kept for decoding at the end of a body. */
export const ENCODED_KEEP = 4 << 20;

export class BodyFile {
  private kept: Buffer[] | undefined;
  private keptLen = 0;
  private bytes = 0;
  private gapBytes = 0;
  private overflow = false;

  /** The range of the whole file this body is (Content-Range). */
  range: { start: number; end: number } | undefined;

  constructor(
    private readonly name: string,
    private readonly plan: CodingPlan,
    private readonly limits: DecodeLimits,
  ) {}

  /** The body has content codings to undo. */
  get encoded(): boolean {
    return this.plan.layers.length > 0;
  }

  get seen(): number {
    return this.bytes + this.gapBytes;
  }

  add(buf: Buffer, off: number, n: number): void {
    const limit = this.plan.layers.length > 0 ? ENCODED_KEEP : BODY_KEEP;
    if (this.gapBytes === 0 || this.plan.layers.length === 0) {
      // Encoded bytes after a hole cannot be decoded: the stream is broken there.
      if (this.plan.layers.length > 0 && this.keptLen + n > limit) this.overflow = true;
      this.kept = keepBody(this.kept, this.keptLen, buf, off, n, limit);
      this.keptLen = Math.min(limit, this.keptLen + n);
    }
    this.bytes += n;
  }

  gap(n: number): void {
    this.gapBytes += n;
  }

  /**
   * The file at the end of its body; `aborted` when the body did not end as framed. `onBomb` hears of a body whose
   * decoding hit the bomb bound.
   */
  finish(aborted: boolean, onBomb?: () => void): HttpFile {
    let size = this.bytes + this.gapBytes;
    let data: Buffer | undefined;
    let cut = false;
    if (this.plan.layers.length > 0) {
      const raw = !this.kept
        ? Buffer.alloc(0)
        : this.kept.length === 1
          ? this.kept[0]
          : Buffer.concat(this.kept);
      const d = decodeBody(raw, this.plan, this.limits);
      if (d.bomb) onBomb?.();
      size = d.data.length;
      cut = d.bomb || this.overflow;
      data = d.data.length > BODY_KEEP ? Buffer.from(d.data.subarray(0, BODY_KEEP)) : d.data;
    } else if (this.kept) {
      data = this.kept.length === 1 ? this.kept[0] : Buffer.concat(this.kept);
    }
    const gaps = this.gapBytes > 0;
    return {
      name: this.name,
      size,
      gaps,
      state: aborted || gaps || cut ? 'TRUNCATED' : 'CLOSED',
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
