import type { Http2Details } from '../http2/types.js';

/**
 * One HTTP request with its response (either side may be missing when the capture lacks it): HTTP/1.x, or an
 * HTTP/2 stream (`http2` set; its header fields are then also in requestHeaders/responseHeaders).
 */
export interface HttpTransaction {
  method?: string;
  uri?: string;
  /** Request version as sent ("HTTP/1.1"); absent for an HTTP/0.9 simple request. */
  protocol?: string;
  /** Host header (or absolute-URI authority) without its port. */
  hostname?: string;
  /** Port named in the Host header, when one is. */
  port?: number;
  userAgent?: string;
  referer?: string;
  /** Request headers in order, names as sent. */
  requestHeaders: Array<[string, string]>;
  /** Request body bytes seen (after de-chunking when chunked). */
  requestBodyLength: number;
  /** The start of the request body (de-chunked), at most BODY_KEEP bytes, for body inspection. */
  requestBody?: Buffer[];
  status?: number;
  statusMsg?: string;
  /** Last interim (1xx) status before the final one, e.g. 100 for `Expect: 100-continue`. */
  infoCode?: number;
  responseProtocol?: string;
  contentType?: string;
  /** Response headers in order. */
  responseHeaders: Array<[string, string]>;
  /** The header lines as they came, after the start line and up to the blank line (http.header.raw). */
  requestHeaderRaw?: string;
  responseHeaderRaw?: string;
  /** Response body bytes seen (after de-chunking when chunked). */
  responseBodyLength: number;
  /** The start of the response body as sent (de-chunked, still content-encoded), at most BODY_KEEP bytes. */
  responseBody?: Buffer[];
  /** Location header of the response. */
  redirect?: string;
  /** Position of the transaction in its connection, from 1 (Zeek's trans_depth). */
  depth: number;
  /** The response body as Suricata tracks it as a file (`fileinfo`): set when the response carried body bytes. */
  responseFile?: HttpFile;
  /**
   * Files the request carried: the body of a POST or PUT (named by the path), or each multipart/form-data part with
   * a filename.
   */
  requestFiles?: HttpFile[];
  /** The whole file that this response's range completed, joined from the byte ranges of several responses. */
  joinedFile?: HttpFile;
  /** An HTTP/2 stream's frame facts (stream id, settings, errors), as Suricata logs them. */
  http2?: Http2Details;
}

/** A transaction's body as a file: its name, decoded size, and whether it is whole. */
export interface HttpFile {
  /** Content-Disposition's filename, else the request path. */
  name: string;
  /** Bytes of the file after content decoding (gaps counted in). */
  size: number;
  /** Capture loss inside the body. */
  gaps: boolean;
  /** CLOSED when the body ended as framed, TRUNCATED when a gap, the end of the flow or a limit cut it. */
  state: 'CLOSED' | 'TRUNCATED';
  md5?: string;
  sha1?: string;
  sha256?: string;
  /** The byte range a partial response (206, Content-Range) carries of the whole file. */
  range?: { start: number; end: number };
  /** The body's first bytes as decoded (at most BODY_KEEP): `file_data`. */
  data?: Buffer;
}

/** Body bytes kept per direction of a transaction for inspection (Suricata inspects a bounded window too). */
export const BODY_KEEP = 32 * 1024;

/** Keeps the first `limit` bytes of a body (default BODY_KEEP); `held` is what the list already holds. */
export function keepBody(
  list: Buffer[] | undefined,
  held: number,
  buf: Buffer,
  off: number,
  n: number,
  limit = BODY_KEEP,
): Buffer[] | undefined {
  const room = limit - held;
  if (room <= 0 || n <= 0) return list;
  const part = Buffer.from(buf.subarray(off, off + Math.min(room, n)));
  if (list) list.push(part);
  else list = [part];
  return list;
}
