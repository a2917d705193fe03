/**
 * HTTP/1.x over one TCP connection: requests and responses are framed per direction by
 * `HttpMessageReader` and paired in order (HTTP/1.1 pipelining answers requests in the order sent,
 * RFC 9112 §9.3.2). One `http` record per transaction, emitted when its response is complete (so the body
 * length is known), or at the end of the connection for requests never answered.
 *
 * Special cases: HEAD, 1xx, 204 and 304 responses have no body; 1xx other than 101 are interim and the
 * final response follows; a 2xx answer to CONNECT and a 101 switch the connection away from HTTP (both
 * directions stop being parsed); a response without framing ends with the connection.
 */
import { headFieldEvents } from './field-events.js';
import { doubleEncodedPart, hostHeaderInvalid } from './uri-events.js';
import {
  PROBE_MATCH,
  PROBE_NEED_MORE,
  PROBE_NO,
  TO_CLIENT,
  TO_SERVER,
  type Direction,
  type StreamParser,
} from '../../flow/index.js';
import type { AppContext, StreamProtocolDef } from '../app-layer.js';
import { tlsProtocol } from '../tls/index.js';
import { Http2StreamParser } from '../http2/index.js';
import { splitHead } from './header-block.js';
import {
  BODY_CHUNKED,
  BODY_INVALID,
  BODY_NONE,
  BODY_TUNNEL,
  BODY_UNTIL_CLOSE,
  HttpMessageReader,
  START_BAD,
  START_OK,
  START_RAW_BODY,
  START_SIMPLE,
  type MessageOwner,
} from './message-reader.js';
import { probeRequestLine, probeStatusLine } from './probe.js';
import {
  bodyFraming,
  fillRequest,
  fillResponse,
  Framing,
  newTransaction,
  parseContentRange,
  responseFraming,
  parseRequestLine,
  parseStatusLine,
} from './transaction.js';
import { keepBody, type HttpTransaction } from './types.js';
import { BodyFile, dispositionFilename, pathOf, type FileOptions } from './body-file.js';
import type { FileHashName } from './file-hash.js';
import { DEFAULT_RANGE_SETTINGS, RangeTable, type RangeBlock, type RangeSettings } from './range-table.js';
import { RequestFiles } from './request-files.js';
import { DEFAULT_DECODE_LIMITS, planCodings, type DecodeLimits } from './content-coding.js';
import { headerValueNoNul } from './header-block.js';
import { HEAD_BODY, parseResponseHead, parseStatusLineLoose, type ResponseHead } from './response-head.js';

/** A head that is no response and has no request to answer: skipped to the next status line. */
const START_BAD_HEAD = -3;

/** How HTTP bodies are decoded and followed as files (Suricata's libhtp and file settings). */
export interface HttpParseOptions {
  decode?: Partial<DecodeLimits>;
  /** libhtp's request-body-limit: request body bytes followed as files (0: all). Default DEFAULT_BODY_LIMIT. */
  requestBodyLimit?: number;
  /** libhtp's response-body-limit, likewise for responses. */
  responseBodyLimit?: number;
  /** Digests made of every file (eve-log files `force-hash`; sha256 when file-store is on). */
  fileHashes?: readonly FileHashName[];
  /** Byte-range reassembly bounds (`app-layer.protocols.http.byterange`). */
  byterange?: Partial<RangeSettings>;
  /** libhtp's `double-decode-path` / `double-decode-query`: a second decoding pass, and its event. */
  doubleDecodePath?: boolean;
  doubleDecodeQuery?: boolean;
}

/** The body limits of Suricata's shipped suricata.yaml (request- and response-body-limit: 100kb). */
export const DEFAULT_BODY_LIMIT = 100 * 1024;

/** Where a ranged response's bytes go in the range table, and under which key. */
interface RangeUse {
  block: RangeBlock;
  key: string;
}

/** libhtp's known methods (case-sensitive): a line after a request that starts with none is more of its body. */
const LIBHTP_METHODS = new Set([
  'GET',
  'PUT',
  'POST',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'PROPFIND',
  'PROPPATCH',
  'MKCOL',
  'COPY',
  'MOVE',
  'LOCK',
  'UNLOCK',
  'VERSION-CONTROL',
  'CHECKOUT',
  'UNCHECKOUT',
  'CHECKIN',
  'UPDATE',
  'LABEL',
  'REPORT',
  'MKWORKSPACE',
  'MKACTIVITY',
  'BASELINE-CONTROL',
  'MERGE',
  'HEAD',
]);

/** libhtp's whitespace (is_space): what may precede a method on the line after a request. */
const isHtpSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

/**
 * Requests waiting for their response; beyond this the oldest is logged unanswered. Each keeps its header
 * fields (a head is ≤ 64 KiB), so this bounds a flow's HTTP state to a few MiB even under a flood.
 */
export const MAX_PENDING_REQUESTS = 128;

const framingOut = { length: 0, problem: '' };

/** What an accepted CONNECT tunnel may carry that another parser reads (HTTP inside stays here). */
const TUNNEL_PROTOCOLS: readonly StreamProtocolDef[] = [tlsProtocol];
/** Bytes kept while a tunnel probe needs more. */
const TUNNEL_STASH_MAX = 4096;
const TUNNEL_NONE = 0;
const TUNNEL_PROBING = 1;
const TUNNEL_PARSER = 2;

export class HttpStreamParser implements StreamParser {
  readonly proto = 'http' as const;
  private readonly requests: HttpMessageReader;
  private readonly responses: HttpMessageReader;
  /** Transactions whose request head was seen, oldest first; the response side answers pending[0]. */
  private readonly pending: HttpTransaction[] = [];
  /** The transaction the request reader is filling (body bytes go here). */
  private requestTx: HttpTransaction | undefined;
  /** The transaction the response reader is filling. */
  private responseTx: HttpTransaction | undefined;
  /** The response being read is interim (1xx): its end does not close the transaction. */
  private interim = false;
  private depth = 0;
  private ended = false;
  private sawData = false;
  private tunnelState = TUNNEL_NONE;
  /** The parser of what an accepted CONNECT tunnel carries (TLS). */
  private inner: StreamParser | null = null;
  /** First tunnel bytes a probe needed more of. */
  private tunnelStash: { toServer: boolean; bytes: Buffer } | null = null;
  /** The flow's initiator is the HTTP server (capture began mid-connection). */
  private swapped = false;

  /** A complete response whose log waits for the bytes after it (they may be more of its body). */
  private lingering:
    | { tx: HttpTransaction; file: BodyFile | undefined; aborted: boolean; range: RangeUse | undefined }
    | undefined;
  /** The response head the head reader just found the end of. */
  private parsedHead: ResponseHead | undefined;
  /** The response body being followed as a file. */
  private responseFile: BodyFile | undefined;
  /** The response body's place in a byte-range reassembly. */
  private responseRange: RangeUse | undefined;
  /** The files of the request body being read. */
  private requestFiles: RequestFiles | undefined;
  private readonly limits: DecodeLimits;
  private readonly requestFileOpts: FileOptions;
  private readonly responseFileOpts: FileOptions;
  /** Byte ranges being joined: shared by the parsers of one protocol definition, else this flow's own. */
  private readonly ranges: RangeTable;
  private readonly doubleDecodePath: boolean;
  private readonly doubleDecodeQuery: boolean;
  /** The last request whose message ended, while no other has started: lines after it may be its body. */
  private lastRequest: HttpTransaction | undefined;
  /** Its unexpected-body event was raised (libhtp raises it once per transaction). */
  private lastRequestFlagged = false;

  constructor(
    private readonly ctx: AppContext,
    opts: HttpParseOptions = {},
    ranges?: RangeTable,
  ) {
    this.limits = { ...DEFAULT_DECODE_LIMITS, ...opts.decode };
    const hashes = opts.fileHashes;
    this.requestFileOpts = { limit: opts.requestBodyLimit ?? DEFAULT_BODY_LIMIT, hashes };
    this.responseFileOpts = { limit: opts.responseBodyLimit ?? DEFAULT_BODY_LIMIT, hashes };
    this.ranges = ranges ?? rangeTableFor(opts);
    this.doubleDecodePath = opts.doubleDecodePath === true;
    this.doubleDecodeQuery = opts.doubleDecodeQuery === true;
    this.requests = new HttpMessageReader(this.requestOwner(), 'request');
    this.responses = new HttpMessageReader(this.responseOwner(), 'response');
  }

  /** A body's kept bytes after `n` more: only when something inspects bodies (the length is counted anyway). */
  private keptBody(
    list: Buffer[] | undefined,
    held: number,
    buf: Buffer,
    off: number,
    n: number,
  ): Buffer[] | undefined {
    return this.ctx.keepBodies === false ? list : keepBody(list, held, buf, off, n);
  }

  onData(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void {
    if (this.ended || len <= 0) return;
    if (!this.sawData) {
      // A capture that starts mid-connection may show the responder as initiator: the first bytes say
      // which side speaks requests.
      this.sawData = true;
      const status = probeStatusLine(buf, off, len) === PROBE_MATCH;
      const request = probeRequestLine(buf, off, len) === PROBE_MATCH;
      this.swapped = dir === TO_SERVER ? status : request;
    }
    const toServer = (dir === TO_SERVER) !== this.swapped;
    if (this.tunnelState !== TUNNEL_NONE && this.tunnelData(toServer, buf, off, len, tsUs)) return;
    if (!toServer) this.requests.flushSimpleRequest(tsUs);
    (toServer ? this.requests : this.responses).onData(buf, off, len, tsUs);
    // What followed a response in its segment has been seen: it is logged with the body as it stands.
    this.flushLingering(tsUs);
  }

  /**
   * Bytes inside an accepted CONNECT tunnel: TLS goes to a TLS parser (its handshake, JA3/JA4, certificates
   * are logged for this flow); HTTP stays with the message readers; anything else is opaque. Returns true
   * when the bytes were consumed here.
   */
  private tunnelData(toServer: boolean, buf: Buffer, off: number, len: number, tsUs: number): boolean {
    const innerDir: Direction = toServer ? TO_SERVER : TO_CLIENT;
    if (this.tunnelState === TUNNEL_PARSER) {
      this.inner!.onData(innerDir, buf, off, len, tsUs);
      return true;
    }
    // TUNNEL_PROBING: stray line ends after the CONNECT exchange are not tunnel data.
    let b = buf;
    let o = off;
    let l = len;
    const stash = this.tunnelStash;
    if (stash && stash.toServer === toServer) {
      b = Buffer.concat([stash.bytes, buf.subarray(off, off + len)]);
      o = 0;
      l = b.length;
      this.tunnelStash = null;
    }
    while (l > 0 && (b[o] === 0x0d || b[o] === 0x0a)) {
      o++;
      l--;
    }
    if (l === 0) return true;
    let needMore = false;
    for (const def of TUNNEL_PROTOCOLS) {
      const r = def.probe(innerDir, b, o, l, 0, 0);
      if (r === PROBE_MATCH) {
        this.inner = def.create(this.ctx);
        this.tunnelState = TUNNEL_PARSER;
        this.ctx.changeProto?.(def.proto);
        this.inner.onData(innerDir, b, o, l, tsUs);
        return true;
      }
      if (r === PROBE_NEED_MORE) needMore = true;
    }
    if (needMore && l < TUNNEL_STASH_MAX) {
      this.tunnelStash = { toServer, bytes: Buffer.from(b.subarray(o, o + l)) };
      return true;
    }
    // Not a tunnelled protocol parsed here: the readers look (HTTP inside the tunnel, else opaque). HTTP in the
    // tunnel is a new HTTP session to Suricata: its transactions count from 0 again.
    this.tunnelState = TUNNEL_NONE;
    this.depth = 0;
    (toServer ? this.requests : this.responses).onData(b, o, l, tsUs);
    return true;
  }

  onGap(dir: Direction, len: number, tsUs: number): void {
    if (this.ended) return;
    const toServer = (dir === TO_SERVER) !== this.swapped;
    if (this.tunnelState === TUNNEL_PARSER) {
      this.inner!.onGap(toServer ? TO_SERVER : TO_CLIENT, len, tsUs);
      return;
    }
    this.flushLingering(tsUs);
    (toServer ? this.requests : this.responses).onGap(len, tsUs);
  }

  onEnd(tsUs: number): void {
    if (this.ended) return;
    this.inner?.onEnd(tsUs);
    this.requests.onEnd(tsUs);
    this.responses.onEnd(tsUs);
    this.flushLingering(tsUs);
    if (this.responseTx) this.finish(this.responseTx, tsUs);
    this.responseTx = undefined;
    while (this.pending.length > 0) this.emit(this.pending.shift() as HttpTransaction, tsUs);
    this.ended = true;
  }

  private emit(tx: HttpTransaction, tsUs: number): void {
    this.ctx.emit({ type: 'http', http: tx }, tsUs);
  }

  private anomaly(event: string, detail: string, tsUs: number, dir?: 0 | 1): void {
    this.ctx.emit(
      { type: 'anomaly', anomaly: dir === undefined ? { event, detail } : { event, detail, dir } },
      tsUs,
    );
  }

  /**
   * Lines after a complete response that are no status line are more of its body, as libhtp reads them (a stray
   * CRLF, the rest of a body its Content-Length cut short). Returns where the next head may start.
   */
  private trailingBody(buf: Buffer, off: number, end: number): number {
    const l = this.lingering;
    if (!l || l.aborted) return off;
    let p = off;
    while (p < end) {
      const lf = buf.indexOf(0x0a, p);
      const noLf = lf < 0 || lf >= end;
      const to = noLf ? end : lf + 1;
      let q = p;
      while (q < to && (buf[q] <= 0x20 || buf[q] === 0)) q++;
      const word = buf.toString('latin1', q, Math.min(to, q + 4)).toLowerCase();
      // A status line, or what may still become one: the response is over.
      if (word === 'http' || (noLf && 'http'.startsWith(word))) break;
      // A decoded body cannot be added to (libhtp's decoder is gone by then); an identity one grows.
      if (l.file && !l.file.encoded) {
        l.file.add(buf, p, to - p);
        l.tx.responseBodyLength += to - p;
      }
      p = to;
    }
    return p;
  }

  /** Logs the response that was waiting for what follows it. */
  private flushLingering(tsUs: number): void {
    const l = this.lingering;
    if (!l) return;
    this.lingering = undefined;
    const { tx, file, range } = l;
    if (file && file.seen > 0) {
      tx.responseFile = file.finish(l.aborted, () =>
        this.anomaly('COMPRESSION_BOMB', 'decoded body over the decompression bound', tsUs),
      );
      tx.responseBody = tx.responseFile.data ? [tx.responseFile.data] : undefined;
    }
    if (range) {
      const whole = this.ranges.close(range.block, range.key);
      if (whole) tx.joinedFile = whole;
    }
    this.emit(tx, tsUs);
  }

  /** Takes `tx` off the pending list without logging it. */
  private detach(tx: HttpTransaction): void {
    const i = this.pending.indexOf(tx);
    if (i >= 0) this.pending.splice(i, 1);
    if (this.requestTx === tx) {
      this.requestTx = undefined;
      // Logged before its request body ended (the server answered early): its files go with it as far as they got.
      const files = this.requestFiles?.finish(true);
      this.requestFiles = undefined;
      if (files) tx.requestFiles = files;
    }
  }

  /** Logs `tx` and forgets it. */
  private finish(tx: HttpTransaction, tsUs: number): void {
    // A response still waiting for what follows it was earlier: it is logged first.
    this.flushLingering(tsUs);
    this.detach(tx);
    this.emit(tx, tsUs);
  }

  private requestOwner(): MessageOwner {
    return {
      checkStart: (head, len, firstLineDone) => {
        if (probeRequestLine(head, 0, len, false) === PROBE_NO) return START_BAD;
        if (!firstLineDone) return START_OK;
        const line = head.toString('latin1', 0, len).replace(/\r?\n$/, '');
        return parseRequestLine(line).version === undefined ? START_SIMPLE : START_OK;
      },
      onHead: (buf, len, tsUs) => this.onRequestHead(buf, len, tsUs),
      onBody: (n, buf, off) => {
        const tx = this.requestTx;
        if (!tx) return;
        tx.requestBody = this.keptBody(tx.requestBody, tx.requestBodyLength, buf, off, n);
        tx.requestBodyLength += n;
        this.requestFiles?.data(buf, off, n);
      },
      onBodyGap: (n) => this.requestFiles?.gap(n),
      onMessageEnd: (_tsUs, aborted) => {
        const tx = this.requestTx;
        const files = this.requestFiles?.finish(aborted);
        this.requestFiles = undefined;
        if (tx && files) tx.requestFiles = files;
        this.lastRequest = tx;
        this.lastRequestFlagged = false;
        this.requestTx = undefined;
      },
      beforeHead: (buf, off, end, tsUs) => this.afterRequest(buf, off, end, tsUs),
      onAnomaly: (event, detail, tsUs) => this.anomaly(event, detail, tsUs),
      onTunnelData: (buf, off, len, tsUs) => this.upgradedData(TO_SERVER, buf, off, len, tsUs),
      looksLikeStart: (buf, off, len) => probeRequestLine(buf, off, len),
    };
  }

  private responseOwner(): MessageOwner {
    return {
      checkStart: (head, len) => {
        if (probeStatusLine(head, 0, len, false) !== PROBE_NO) return START_OK;
        // An HTTP/0.9 request is answered by the bare document.
        const tx = this.pending[0];
        if (tx && tx.protocol === undefined && tx.method !== undefined) {
          this.responseTx = tx;
          this.openResponseFile(tx, [], 0);
          return START_RAW_BODY;
        }
        // A request waits for this answer: the head reader decides (lines skipped, or a body with no head).
        return tx ? START_OK : START_BAD;
      },
      headEnd: (head, len, complete) => {
        const r = parseResponseHead(head, len, complete);
        if (typeof r !== 'number') {
          this.parsedHead = r;
          return r.end;
        }
        if (r === HEAD_BODY) {
          // No status line: browsers (and libhtp) show these bytes as the document.
          const tx = this.pending[0];
          if (!tx) return START_BAD_HEAD;
          this.responseTx = tx;
          this.openResponseFile(tx, [], 0);
        }
        return r;
      },
      onHead: (buf, len, tsUs) => this.onResponseHead(buf, len, tsUs),
      onBody: (n, buf, off) => {
        const tx = this.responseTx;
        if (!tx) return;
        if (this.responseFile) this.responseFile.add(buf, off, n);
        else tx.responseBody = this.keptBody(tx.responseBody, tx.responseBodyLength, buf, off, n);
        tx.responseBodyLength += n;
      },
      onBodyGap: (n) => this.responseFile?.gap(n),
      onMessageEnd: (tsUs, aborted) => {
        const tx = this.responseTx;
        if (this.interim) {
          this.interim = false;
          return;
        }
        const file = this.responseFile;
        const range = this.responseRange;
        this.responseFile = undefined;
        this.responseRange = undefined;
        this.responseTx = undefined;
        if (!tx) {
          if (range) this.ranges.abandon(range.block, range.key);
          return;
        }
        // The transaction is logged when what follows on this side is known not to be more of its body.
        this.detach(tx);
        this.flushLingering(tsUs);
        this.lingering = { tx, file, aborted, range };
      },
      beforeHead: (buf, off, end) => this.trailingBody(buf, off, end),
      onAnomaly: (event, detail, tsUs) => this.anomaly(event, detail, tsUs),
      onTunnelData: (buf, off, len, tsUs) => this.upgradedData(TO_CLIENT, buf, off, len, tsUs),
      looksLikeStart: (buf, off, len) => probeStatusLine(buf, off, len, false),
    };
  }

  /** The rest of the segment that switched the connection, for the parser that took it over. */
  private upgradedData(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void {
    if (this.tunnelState === TUNNEL_PARSER && len > 0) this.inner!.onData(dir, buf, off, len, tsUs);
  }

  /**
   * libhtp's reading of what follows a complete request: whole lines whose first word is no method it knows are
   * more of that request's body (request_body_unexpected, once per transaction); blank lines are skipped. Returns
   * where a head may start (a line still cut by the segment end is left to the head reader).
   */
  private afterRequest(buf: Buffer, off: number, end: number, tsUs: number): number {
    const tx = this.lastRequest;
    if (tx === undefined) return off;
    let p = off;
    while (p < end) {
      let w = p;
      while (w < end && isHtpSpace(buf[w])) w++;
      if (w === end) return end;
      let t = w;
      while (t < end && !isHtpSpace(buf[t])) t++;
      if (t === end) return p;
      if (LIBHTP_METHODS.has(buf.toString('latin1', w, t))) return p;
      const lf = buf.indexOf(0x0a, t);
      const lineEnd = lf < 0 || lf >= end ? end : lf + 1;
      if (!this.lastRequestFlagged) {
        this.lastRequestFlagged = true;
        this.anomaly('REQUEST_BODY_UNEXPECTED', 'data after a complete request that is no request', tsUs);
      }
      tx.requestBody = this.keptBody(tx.requestBody, tx.requestBodyLength, buf, p, lineEnd - p);
      tx.requestBodyLength += lineEnd - p;
      p = lineEnd;
    }
    return p;
  }

  private onRequestHead(buf: Buffer, len: number, tsUs: number): number {
    this.lastRequest = undefined;
    const head = splitHead(buf, len);
    const tx = newTransaction(++this.depth);
    fillRequest(tx, head);
    tx.requestHeaderRaw = rawHeaderLines(buf, len);
    headFieldEvents(head.headers, true, (e, d) => this.anomaly(e, d, tsUs));
    const host = head.headers.find(([k]) => k.toLowerCase() === 'host');
    if (host && hostHeaderInvalid(host[1].trim()) === true)
      this.anomaly(
        'REQUEST_HEADER_HOST_INVALID',
        `Host header ${JSON.stringify(host[1].slice(0, 64))}`,
        tsUs,
      );
    if (tx.uri !== undefined && (this.doubleDecodePath || this.doubleDecodeQuery)) {
      const part = doubleEncodedPart(tx.uri, this.doubleDecodePath, this.doubleDecodeQuery);
      if (part) this.anomaly('DOUBLE_ENCODED_URI', `URI ${part} is double encoded`, tsUs);
    }
    if (this.pending.length >= MAX_PENDING_REQUESTS) {
      const oldest = this.pending.shift() as HttpTransaction;
      this.anomaly(
        'http.too_many_pending_requests',
        `over ${MAX_PENDING_REQUESTS} requests unanswered`,
        tsUs,
      );
      this.emit(oldest, tsUs);
    }
    this.pending.push(tx);
    this.requestTx = tx;
    if (tx.protocol === undefined && moreLines(buf, len))
      // A version-less request line with lines after it is no HTTP/0.9 request: libhtp's event name, as Suricata
      // logs it (its layer is the flow's app_proto).
      this.anomaly('REQUEST_LINE_MISSING_PROTOCOL', 'request line has no HTTP version', tsUs);
    // HTTP/0.9: the line is the request (a version-less line followed by fields is read as HTTP/1.x).
    if (tx.protocol === undefined && head.headers.length === 0) return BODY_NONE;
    if (tx.method?.toUpperCase() === 'CONNECT') {
      // What follows is tunnel data if the proxy accepts; a refusal brings the reader back (untunnel).
      this.requests.tunnel();
      return BODY_TUNNEL;
    }
    const framing = bodyFraming(head.headers, framingOut, true);
    if (framingOut.problem) this.anomaly('http.request_framing', framingOut.problem, tsUs);
    this.requestFiles =
      this.ctx.keepBodies === false
        ? undefined
        : RequestFiles.forRequest(
            tx.method,
            tx.uri,
            headerValueNoNul(head.headers, 'content-type'),
            this.requestFileOpts,
            (e, d) => this.anomaly(e, d, tsUs),
          );
    switch (framing) {
      case Framing.Chunked:
        return BODY_CHUNKED;
      case Framing.Length:
        return framingOut.length;
      case Framing.UntilClose:
        return BODY_UNTIL_CLOSE;
      default:
        // A request without framing has no body (RFC 9112 §6.3 rule 7); an invalid length likewise.
        return BODY_NONE;
    }
  }

  /** Follows the coming response body as a file, when bodies are kept: named, with its content codings planned. */
  private openResponseFile(tx: HttpTransaction, headers: Array<[string, string]>, tsUs: number): void {
    this.responseFile = undefined;
    if (this.responseRange) this.ranges.abandon(this.responseRange.block, this.responseRange.key);
    this.responseRange = undefined;
    if (this.ctx.keepBodies === false) return;
    const cd = headerValueNoNul(headers, 'content-disposition');
    const name = (cd !== undefined ? dispositionFilename(cd) : undefined) ?? pathOf(tx.uri);
    const plan = planCodings(headerValueNoNul(headers, 'content-encoding'), this.limits.layerLimit);
    if (plan.overLimit)
      this.anomaly('TOO_MANY_ENCODING_LAYERS', `over ${this.limits.layerLimit} content encodings`, tsUs);
    const cr = headerValueNoNul(headers, 'content-range');
    const range = cr !== undefined ? parseContentRange(cr) : undefined;
    // A part of a larger file (not the whole of it, sizes known and consistent) is joined with the other parts of
    // the same resource, named by host and file name as Suricata keys them.
    if (
      range &&
      tx.hostname !== undefined &&
      range.start >= 0 &&
      range.end > 0 &&
      range.size > 0 &&
      !(range.start === 0 && range.end === range.size - 1) &&
      range.start <= range.end &&
      range.end <= range.size - 1
    ) {
      const key = `${tx.hostname}\u0000${name}`;
      const block = this.ranges.open(key, name, range.start, range.end, range.size, tsUs);
      if (block) this.responseRange = { block, key };
    }
    const sink = this.responseRange?.block;
    this.responseFile = new BodyFile(
      name,
      plan,
      this.limits,
      sink ? { ...this.responseFileOpts, sink } : this.responseFileOpts,
    );
    if (range && range.start >= 0 && range.end > 0)
      this.responseFile.range = { start: range.start, end: range.end };
  }

  private onResponseHead(buf: Buffer, len: number, tsUs: number): number {
    // The head as the head reader found it (libhtp's reading); a head cut short by a gap or the end is split by lines.
    const parsed = this.parsedHead;
    this.parsedHead = undefined;
    const head = parsed && parsed.end === len ? parsed : splitHead(buf, len);
    const sl =
      parseStatusLine(head.startLine.replace(/^[\s\0]+/, '')) ?? parseStatusLineLoose(head.startLine);
    if (!sl) {
      this.anomaly(
        'http.invalid_response_line',
        `status line ${JSON.stringify(head.startLine.slice(0, 64))}`,
        tsUs,
      );
      return BODY_INVALID;
    }
    let tx = this.pending[0];
    if (!tx) {
      // A response with no request seen (capture started mid-connection, or the request was lost): libhtp's
      // event, as Suricata logs it.
      tx = newTransaction(++this.depth);
      this.pending.push(tx);
      // Raised on the response's packet: written with its tuple (server → client), as Suricata does.
      this.anomaly('UNABLE_TO_MATCH_RESPONSE_TO_REQUEST', 'response without a request', tsUs, 1);
    }
    const status = sl.status;
    // A 1xx, 204 or 304 that announces a body has one, as browsers read it (libhtp too); so does a 100 with a
    // Content-Length above 0.
    const announced =
      headerValueNoNul(head.headers, 'transfer-encoding') !== undefined ||
      headerValueNoNul(head.headers, 'content-length') !== undefined;
    const interim =
      status === 100
        ? headerValueNoNul(head.headers, 'transfer-encoding') === undefined &&
          !(responseFraming(head.headers, framingOut) === Framing.Length && framingOut.length > 0)
        : !announced;
    if (status !== undefined && status >= 100 && status < 200 && status !== 101 && interim) {
      tx.infoCode = status;
      this.responseTx = tx;
      this.interim = true;
      return BODY_NONE;
    }
    fillResponse(tx, head, status, sl.version, sl.msg);
    tx.responseHeaderRaw = rawHeaderLines(buf, len);
    headFieldEvents(head.headers, false, (e, d) => this.anomaly(e, d, tsUs));
    this.responseTx = tx;
    this.interim = false;
    const method = tx.method?.toUpperCase();
    if (method === 'CONNECT') {
      if (status !== undefined && status >= 200 && status < 300) {
        this.finish(tx, tsUs);
        this.responseTx = undefined;
        this.requests.tunnel(true);
        this.responses.tunnel(true);
        this.tunnelState = TUNNEL_PROBING;
        return BODY_TUNNEL;
      }
      this.requests.untunnel();
    }
    if (status === 101 && !announced) {
      this.finish(tx, tsUs);
      this.responseTx = undefined;
      if (upgradesToH2c(tx)) {
        // RFC 9113 §3.2 (h2c, as in RFC 7540 §3.2): HTTP/2 follows, the upgrading request being stream 1.
        this.inner = new Http2StreamParser(this.ctx, { upgradeRequest: tx });
        this.tunnelState = TUNNEL_PARSER;
        this.ctx.changeProto?.('http2');
      }
      this.requests.tunnel();
      this.responses.tunnel();
      return BODY_TUNNEL;
    }
    if (method === 'HEAD' || ((status === 204 || status === 304) && !announced)) return BODY_NONE;
    this.openResponseFile(tx, head.headers, tsUs);
    const framing = responseFraming(head.headers, framingOut);
    if (framingOut.problem) this.anomaly('http.response_framing', framingOut.problem, tsUs);
    switch (framing) {
      case Framing.Chunked:
        return BODY_CHUNKED;
      case Framing.Length:
        return framingOut.length;
      case Framing.Invalid:
        this.anomaly('http.invalid_content_length', framingOut.problem, tsUs);
        return BODY_UNTIL_CLOSE;
      default:
        return BODY_UNTIL_CLOSE;
    }
  }
}

/** A flow's own range table, when its parser was made without a shared one. */
function rangeTableFor(opts: HttpParseOptions): RangeTable {
  return new RangeTable(opts.fileHashes, { ...DEFAULT_RANGE_SETTINGS, ...opts.byterange });
}

/** A 101 switching to h2c (the request, when it was seen at all, asked for it). */
function upgradesToH2c(tx: HttpTransaction): boolean {
  const h2c = ([n, v]: [string, string]): boolean => n.toLowerCase() === 'upgrade' && /^\s*h2c\s*$/i.test(v);
  return tx.responseHeaders.some(h2c) && (tx.method === undefined || tx.requestHeaders.some(h2c));
}

/** Whether a head holds a non-blank line after its first. */
function moreLines(buf: Buffer, len: number): boolean {
  const nl = buf.indexOf(0x0a);
  if (nl < 0 || nl >= len - 1) return false;
  for (let i = nl + 1; i < len; i++) if (buf[i] !== 0x0a && buf[i] !== 0x0d) return true;
  return false;
}

/**
 * The header lines of a head as sent (line ends and spacing kept), without the start line and the blank line
 * that ends the head: Suricata's http.header.raw. Undefined when there are none.
 */
function rawHeaderLines(buf: Buffer, len: number): string | undefined {
  const nl = buf.indexOf(0x0a);
  if (nl < 0 || nl + 1 >= len) return undefined;
  let end = len;
  // Drop the blank line: its LF and an optional CR before it.
  if (buf[end - 1] === 0x0a) {
    end--;
    if (buf[end - 1] === 0x0d) end--;
  }
  return end > nl + 1 ? buf.toString('latin1', nl + 1, end) : undefined;
}
