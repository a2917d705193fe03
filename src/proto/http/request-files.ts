/**
 * The files a request body carries, as Suricata opens them: a POST whose Content-Type is multipart/form-data gives
 * one file per part with a filename (`multipart.ts`); any other POST body, and a PUT body, is one file named by the
 * request path. Only the first `limit` body bytes are followed (libhtp's `request-body-limit`, 100 KiB in Suricata's
 * shipped configuration): past it the open file is TRUNCATED. Nothing is opened before a body byte arrives.
 */
import { BodyFile, pathOf, type FileOptions } from './body-file.js';
import { formDataBoundary, MultipartFiles } from './multipart.js';
import type { HttpFile } from './types.js';

export class RequestFiles {
  private multipart: MultipartFiles | undefined;
  private whole: BodyFile | undefined;
  private seen = 0;
  private cut = false;

  private constructor(
    private readonly name: string,
    private readonly boundary: string | undefined,
    private readonly opts: FileOptions,
    private readonly onEvent?: (event: string, detail: string) => void,
  ) {}

  /** The tracker for a request's body, or undefined when its method carries no file. */
  static forRequest(
    method: string | undefined,
    uri: string | undefined,
    contentType: string | undefined,
    opts: FileOptions,
    onEvent?: (event: string, detail: string) => void,
  ): RequestFiles | undefined {
    const m = method?.toUpperCase();
    if (m !== 'POST' && m !== 'PUT') return undefined;
    const boundary = m === 'POST' ? formDataBoundary(contentType) : undefined;
    return new RequestFiles(pathOf(uri), boundary, opts, onEvent);
  }

  data(buf: Buffer, off: number, n: number): void {
    const take = this.room(n);
    if (take <= 0) return;
    this.seen += take;
    if (this.boundary !== undefined) {
      this.multipart ??= new MultipartFiles(
        this.boundary,
        { ...this.opts, limit: 0, keep: false },
        this.onEvent,
      );
      this.multipart.data(buf, off, take);
    } else {
      this.whole ??= new BodyFile(this.name, undefined, undefined, { ...this.opts, limit: 0, keep: false });
      this.whole.add(buf, off, take);
    }
  }

  gap(n: number): void {
    const take = this.room(n);
    if (take <= 0) return;
    this.seen += take;
    if (this.multipart) this.multipart.gap(take);
    else if (this.whole) this.whole.gap(take);
  }

  /** The body ended (`aborted`: not as framed). The files it carried, in body order; none when it was empty. */
  finish(aborted: boolean): HttpFile[] | undefined {
    const truncated = aborted || this.cut;
    if (this.multipart) {
      const files = this.multipart.finish(truncated);
      return files.length > 0 ? files : undefined;
    }
    return this.whole ? [this.whole.finish(truncated)] : undefined;
  }

  private room(n: number): number {
    const limit = this.opts.limit;
    if (limit <= 0) return n;
    const room = limit - this.seen;
    if (room < n) this.cut = true;
    return room > 0 ? Math.min(room, n) : 0;
  }
}
