/**
 * HTTP/2 over one TCP connection in clear text (h2c: prior knowledge, or after an HTTP/1.1 `Upgrade: h2c`).
 * Frames are read per direction; header blocks (HEADERS or PUSH_PROMISE, then CONTINUATION) are decoded with
 * the direction's HPACK decoder; each stream becomes one `http` record when both sides have ended it (END_STREAM
 * or RST_STREAM) or when the connection ends. Frames on stream 0 that carry facts (SETTINGS with parameters,
 * GOAWAY) are a transaction of their own, logged at once, as Suricata does.
 *
 * Bounded memory: a frame other than DATA is buffered only up to MAX_BUFFERED_FRAME, a header block up to
 * MAX_HEADER_BLOCK, open streams up to MAX_STREAMS, and each HPACK table to its cap; DATA is counted (and its
 * first bytes kept for inspection) without buffering. A frame that fits in the segment it arrives in is read in
 * place without copying.
 */
import { TO_SERVER, type Direction, type StreamParser } from '../../flow/index.js';
import type { AppContext } from '../app-layer.js';
import { keepBody, type HttpTransaction } from '../http/types.js';
import { HpackDecoder, isField, type HeaderEntry } from './hpack.js';
import {
  F_ACK,
  F_END_HEADERS,
  F_END_STREAM,
  F_PADDED,
  F_PRIORITY,
  FRAME_HEADER_LEN,
  PREFACE,
  SETTING_NAMES,
  SETTINGS_HEADER_TABLE_SIZE,
  T_CONTINUATION,
  T_DATA,
  T_GOAWAY,
  T_HEADERS,
  T_PING,
  T_PRIORITY,
  T_PUSH_PROMISE,
  T_RST_STREAM,
  T_SETTINGS,
  T_WINDOW_UPDATE,
} from './frames.js';
import type { Http2Details, Http2Side } from './types.js';
import { MAX_DOH_BODY, carriesDns, getQuery } from './doh.js';
import { parseDnsMessage } from '../dns/index.js';

/** Largest non-DATA frame payload buffered (the default SETTINGS_MAX_FRAME_SIZE is 16 KiB). */
export const MAX_BUFFERED_FRAME = 64 * 1024;
/** Largest header block (HEADERS + CONTINUATIONs) collected before it is given up. */
export const MAX_HEADER_BLOCK = 256 * 1024;
/** Streams open at once; beyond this the oldest is logged as it is. */
export const MAX_STREAMS = 1024;

interface Stream {
  tx: HttpTransaction;
  h2: Http2Details;
  reqDone: boolean;
  respDone: boolean;
  /** DNS-over-HTTPS bodies (request, response) when their content type says so; bounded. */
  doh?: [Buffer[] | undefined, Buffer[] | undefined];
  dohLen?: [number, number];
}

/** One direction's frame reader. */
class Reader {
  readonly hdr = Buffer.alloc(FRAME_HEADER_LEN);
  hdrLen = 0;
  inFrame = false;
  len = 0;
  type = 0;
  flags = 0;
  sid = 0;
  got = 0;
  /** Buffered payload of the current frame when it spans segments; null while not buffering. */
  payload: Buffer | null = null;
  /** The frame's payload is skipped unread (too large). */
  skip = false;
  /** DATA: padding length once read (−1: not yet known). */
  pad = -1;
  /** Preface bytes still expected (client side). */
  prefaceLeft = 0;
  /** Open header block awaiting CONTINUATION: stream, bytes, the HEADERS flags, whether a PUSH_PROMISE. */
  blockSid = -1;
  block: Buffer | null = null;
  blockLen = 0;
  blockFlags = 0;
  blockPush = false;
  broken = false;
  readonly hpack = new HpackDecoder();
}

const EMPTY = Buffer.alloc(0);

function newSide(): Http2Side {
  return { headers: [], sawHeaders: false };
}

export interface Http2Options {
  /** The HTTP/1.1 request that asked for `Upgrade: h2c`: it is stream 1's request. */
  upgradeRequest?: HttpTransaction;
  /** Whether the client's preface is expected first (prior knowledge and after an upgrade: yes). */
  preface?: boolean;
}

export class Http2StreamParser implements StreamParser {
  readonly proto = 'http2' as const;
  private readonly readers: [Reader, Reader] = [new Reader(), new Reader()];
  private readonly streams = new Map<number, Stream>();
  /** Transactions made so far (stream-0 frames included): Suricata's tx_id is this count − 1. */
  private txCount = 0;
  private ended = false;
  /** DNS-over-HTTPS messages logged so far: their tx_id. */
  private dnsCount = 0;
  private doh2 = false;

  constructor(
    private readonly ctx: AppContext,
    opts: Http2Options = {},
  ) {
    if (opts.preface !== false) this.readers[0].prefaceLeft = PREFACE.length;
    const up = opts.upgradeRequest;
    if (up) {
      // RFC 9113 §3.2: the upgrading request is stream 1, half-closed from the client.
      const s = this.stream(1, 0);
      if (s) {
        const req = s.h2.request;
        if (up.method !== undefined) req.headers.push({ name: ':method', value: up.method });
        if (up.uri !== undefined) req.headers.push({ name: ':path', value: up.uri });
        for (const [n, v] of up.requestHeaders) req.headers.push({ name: n.toLowerCase(), value: v });
        req.sawHeaders = true;
        this.fillRequest(s.tx, req.headers);
        s.reqDone = true;
      }
    }
  }

  onData(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void {
    if (this.ended) return;
    const r = this.readers[dir];
    let p = off;
    const end = off + len;
    while (p < end && !r.broken) {
      if (r.prefaceLeft > 0) {
        const at = PREFACE.length - r.prefaceLeft;
        const n = Math.min(r.prefaceLeft, end - p);
        if (buf.compare(PREFACE, at, at + n, p, p + n) !== 0) {
          r.broken = true;
          this.anomaly('http2.invalid_client_magic', 'the connection preface is not HTTP/2', tsUs);
          return;
        }
        r.prefaceLeft -= n;
        p += n;
        continue;
      }
      if (!r.inFrame) {
        const n = Math.min(FRAME_HEADER_LEN - r.hdrLen, end - p);
        buf.copy(r.hdr, r.hdrLen, p, p + n);
        r.hdrLen += n;
        p += n;
        if (r.hdrLen < FRAME_HEADER_LEN) return;
        this.startFrame(r, tsUs);
        if (r.len === 0) this.endFrame(dir, r, EMPTY, 0, 0, tsUs);
        continue;
      }
      const n = Math.min(r.len - r.got, end - p);
      if (r.type === T_DATA) {
        this.dataBytes(dir, r, buf, p, n, tsUs);
        r.got += n;
        p += n;
        if (r.got === r.len) this.endFrame(dir, r, EMPTY, 0, 0, tsUs);
        continue;
      }
      if (r.skip) {
        r.got += n;
        p += n;
        if (r.got === r.len) r.inFrame = false;
        continue;
      }
      if (r.got === 0 && n === r.len) {
        // The whole payload is in this segment: read it where it lies.
        r.got = n;
        p += n;
        this.endFrame(dir, r, buf, p - n, p, tsUs);
        continue;
      }
      if (r.payload === null || r.payload.length < r.len)
        r.payload = Buffer.allocUnsafe(Math.max(r.len, 1024));
      buf.copy(r.payload, r.got, p, p + n);
      r.got += n;
      p += n;
      if (r.got === r.len) this.endFrame(dir, r, r.payload, 0, r.len, tsUs);
    }
  }

  private startFrame(r: Reader, tsUs: number): void {
    const h = r.hdr;
    r.len = (h[0] << 16) | (h[1] << 8) | h[2];
    r.type = h[3];
    r.flags = h[4];
    r.sid = h.readUInt32BE(5) & 0x7fffffff;
    r.got = 0;
    r.hdrLen = 0;
    r.inFrame = true;
    r.pad = -1;
    r.skip = false;
    if (r.type !== T_DATA && r.len > MAX_BUFFERED_FRAME) {
      r.skip = true;
      this.anomaly('http2.long_frame_data', `frame type ${r.type} of ${r.len} bytes`, tsUs);
      // A header block cut here leaves the HPACK state unknown: later blocks are decoded as far as they go.
      if (r.type === T_HEADERS || r.type === T_CONTINUATION || r.type === T_PUSH_PROMISE) r.blockSid = -1;
    }
  }

  /** DATA payload bytes: the padding length first when PADDED, then body bytes up to the padding. */
  private dataBytes(dir: Direction, r: Reader, buf: Buffer, p: number, n: number, tsUs: number): void {
    let q = p;
    let left = n;
    let pos = r.got;
    if (r.flags & F_PADDED) {
      if (pos === 0 && left > 0) {
        r.pad = buf[q];
        q++;
        left--;
        pos++;
      }
    } else r.pad = 0;
    const bodyEnd = r.len - Math.max(r.pad, 0);
    const take = Math.max(0, Math.min(left, bodyEnd - pos));
    if (take === 0 || r.sid === 0) return;
    const s = this.stream(r.sid, 0);
    if (!s) return;
    const tx = s.tx;
    const side = dir === TO_SERVER ? s.h2.request : s.h2.response;
    if (carriesDns(side.headers)) {
      s.doh ??= [undefined, undefined];
      s.dohLen ??= [0, 0];
      const before = s.dohLen[dir];
      s.doh[dir] = keepBody(s.doh[dir], before, buf, q, take, MAX_DOH_BODY);
      s.dohLen[dir] = Math.min(before + take, MAX_DOH_BODY + 1);
      // Suricata's event when a DNS message body outgrows what DNS allows (it stops buffering there).
      if (before <= MAX_DOH_BODY && before + take > MAX_DOH_BODY)
        this.anomaly(
          `http2.dns_${dir === TO_SERVER ? 'request' : 'response'}_too_long`,
          `DNS message body over ${MAX_DOH_BODY} bytes`,
          tsUs,
        );
    }
    const keep = this.ctx.keepBodies !== false;
    if (dir === TO_SERVER) {
      if (keep) tx.requestBody = keepBody(tx.requestBody, tx.requestBodyLength, buf, q, take);
      tx.requestBodyLength += take;
    } else {
      if (keep) tx.responseBody = keepBody(tx.responseBody, tx.responseBodyLength, buf, q, take);
      tx.responseBodyLength += take;
    }
  }

  /** A complete frame; `b[o, e)` is its payload (empty for DATA, whose bytes were taken as they came). */
  private endFrame(dir: Direction, r: Reader, b: Buffer, o: number, e: number, tsUs: number): void {
    r.inFrame = false;
    const { type, flags, sid } = r;
    if (r.blockSid >= 0 && type !== T_CONTINUATION) {
      this.anomaly('http2.invalid_frame_header', `frame type ${type} inside a header block`, tsUs);
      r.blockSid = -1;
    }
    switch (type) {
      case T_DATA:
        if (r.pad > r.len - (flags & F_PADDED ? 1 : 0))
          this.anomaly('http2.invalid_frame_length', `padding ${r.pad} beyond the DATA frame`, tsUs);
        if (sid === 0) this.anomaly('http2.data_stream_zero', 'DATA frame on stream 0', tsUs);
        else if (flags & F_END_STREAM) this.endStream(dir, sid, tsUs);
        return;
      case T_HEADERS:
      case T_PUSH_PROMISE: {
        if (sid === 0) return this.anomaly('http2.invalid_frame_header', 'header block on stream 0', tsUs);
        let p = o;
        let end = e;
        if (flags & F_PADDED) {
          if (p >= end)
            return this.anomaly('http2.invalid_frame_length', 'PADDED frame without its length', tsUs);
          const pad = b[p++];
          if (pad > end - p)
            return this.anomaly('http2.invalid_frame_length', `padding ${pad} beyond the frame`, tsUs);
          end -= pad;
        }
        const s = this.stream(sid, tsUs);
        if (type === T_PUSH_PROMISE) {
          if (end - p < 4) return this.anomaly('http2.invalid_frame_length', 'PUSH_PROMISE cut short', tsUs);
          p += 4;
        } else if (flags & F_PRIORITY) {
          if (end - p < 5)
            return this.anomaly('http2.invalid_frame_length', 'HEADERS priority cut short', tsUs);
          if (s) this.priority(dir === TO_SERVER ? s.h2.request : s.h2.response, b[p + 4]);
          p += 5;
        }
        if (flags & F_END_HEADERS) {
          this.headerBlock(dir, r, sid, b, p, end, flags, type === T_PUSH_PROMISE, tsUs);
        } else {
          r.blockSid = sid;
          r.blockFlags = flags;
          r.blockPush = type === T_PUSH_PROMISE;
          r.blockLen = 0;
          this.appendBlock(r, b, p, end, tsUs);
        }
        return;
      }
      case T_CONTINUATION: {
        if (r.blockSid < 0 || r.blockSid !== sid) {
          this.anomaly(
            'http2.invalid_frame_header',
            `CONTINUATION on stream ${sid} with no header block open`,
            tsUs,
          );
          return;
        }
        if (!this.appendBlock(r, b, o, e, tsUs)) return;
        if (flags & F_END_HEADERS) {
          const block = r.block as Buffer;
          r.blockSid = -1;
          this.headerBlock(dir, r, sid, block, 0, r.blockLen, r.blockFlags, r.blockPush, tsUs);
        }
        return;
      }
      case T_PRIORITY: {
        if (e - o !== 5)
          return this.anomaly('http2.invalid_frame_length', `PRIORITY of ${e - o} bytes`, tsUs);
        const s = sid === 0 ? undefined : this.stream(sid, tsUs);
        if (s) this.priority(dir === TO_SERVER ? s.h2.request : s.h2.response, b[o + 4]);
        return;
      }
      case T_RST_STREAM: {
        if (e - o !== 4 || sid === 0)
          return this.anomaly('http2.invalid_frame_length', `RST_STREAM of ${e - o} bytes`, tsUs);
        const s = this.stream(sid, tsUs);
        if (!s) return;
        this.errorCode(dir === TO_SERVER ? s.h2.request : s.h2.response, b.readUInt32BE(o));
        // The sender is done with the stream; what the peer had already sent may still arrive (a response to a
        // request the client cancelled), so the stream closes when the peer's side ends too, or at the end.
        this.endStream(dir, sid, tsUs);
        return;
      }
      case T_SETTINGS:
        return this.settings(dir, flags, b, o, e, tsUs);
      case T_GOAWAY: {
        if (e - o < 8) return this.anomaly('http2.invalid_frame_length', `GOAWAY of ${e - o} bytes`, tsUs);
        const g = this.globalTx();
        this.errorCode(dir === TO_SERVER ? g.h2.request : g.h2.response, b.readUInt32BE(o + 4));
        this.emit(g, tsUs);
        return;
      }
      case T_PING:
      case T_WINDOW_UPDATE:
        // Stream-0 frames are transactions of their own in Suricata (nothing to log for these); a stream's
        // WINDOW_UPDATE belongs to the stream.
        if (sid === 0) this.txCount++;
        return;
      default:
        return; // §5.5: unknown frame types are ignored
    }
  }

  private appendBlock(r: Reader, b: Buffer, o: number, e: number, tsUs: number): boolean {
    const n = e - o;
    if (r.blockLen + n > MAX_HEADER_BLOCK) {
      this.anomaly('http2.reassembly_limit_reached', `header block over ${MAX_HEADER_BLOCK} bytes`, tsUs);
      r.blockSid = -1;
      return false;
    }
    if (r.block === null || r.block.length < r.blockLen + n) {
      const grown = Buffer.allocUnsafe(
        Math.min(MAX_HEADER_BLOCK, Math.max(r.blockLen + n, 2 * (r.block?.length ?? 0), 4096)),
      );
      if (r.block) r.block.copy(grown, 0, 0, r.blockLen);
      r.block = grown;
    }
    b.copy(r.block, r.blockLen, o, e);
    r.blockLen += n;
    return true;
  }

  private headerBlock(
    dir: Direction,
    r: Reader,
    sid: number,
    b: Buffer,
    o: number,
    e: number,
    flags: number,
    push: boolean,
    tsUs: number,
  ): void {
    const s = this.stream(sid, tsUs);
    const entries: HeaderEntry[] = [];
    r.hpack.decode(b, o, e, entries);
    if (!s) return;
    const side = dir === TO_SERVER ? s.h2.request : s.h2.response;
    for (const h of entries) side.headers.push(h);
    side.sawHeaders = true;
    if (entries.some((h) => 'error' in h)) this.anomaly('http2.invalid_header', `stream ${sid}`, tsUs);
    if (dir === TO_SERVER) this.fillRequest(s.tx, side.headers);
    else if (!push) this.fillResponse(s.tx, side.headers);
    if (!push && flags & F_END_STREAM) this.endStream(dir, sid, tsUs);
  }

  private settings(dir: Direction, flags: number, b: Buffer, o: number, e: number, tsUs: number): void {
    if ((e - o) % 6 !== 0)
      return this.anomaly('http2.invalid_frame_length', `SETTINGS of ${e - o} bytes`, tsUs);
    const g = this.globalTx();
    if (flags & F_ACK) return;
    const side = dir === TO_SERVER ? g.h2.request : g.h2.response;
    const list: { id: number; value: number }[] = [];
    for (let p = o; p < e; p += 6) {
      const id = b.readUInt16BE(p);
      const value = b.readUInt32BE(p + 2);
      // This side's table size limits what the other side's encoder may use.
      if (id === SETTINGS_HEADER_TABLE_SIZE) this.readers[dir === TO_SERVER ? 1 : 0].hpack.setAllowed(value);
      // Suricata stops at the first identifier it does not know.
      if (SETTING_NAMES[id] === undefined) break;
      list.push({ id, value });
    }
    if (list.length === 0) return;
    side.settings = list;
    this.emit(g, tsUs);
  }

  private priority(side: Http2Side, weight: number): void {
    if (side.priority === undefined) side.priority = weight;
    else side.hasMultiple ??= 'priority';
  }

  private errorCode(side: Http2Side, code: number): void {
    if (side.errorCode === undefined) side.errorCode = code;
    else side.hasMultiple ??= 'error_code';
  }

  private newTx(sid: number): Stream {
    const tx: HttpTransaction = {
      requestHeaders: [],
      requestBodyLength: 0,
      responseHeaders: [],
      responseBodyLength: 0,
      depth: ++this.txCount,
    };
    const h2: Http2Details = { streamId: sid, request: newSide(), response: newSide() };
    tx.http2 = h2;
    return { tx, h2, reqDone: false, respDone: false };
  }

  /** A stream-0 frame's own transaction. */
  private globalTx(): Stream {
    return this.newTx(0);
  }

  /** The stream's state, made on first sight; undefined when the stream table is full of open streams. */
  private stream(sid: number, tsUs: number): Stream | undefined {
    let s = this.streams.get(sid);
    if (s) return s;
    if (this.streams.size >= MAX_STREAMS) {
      const [oldSid, oldest] = this.streams.entries().next().value as [number, Stream];
      this.anomaly('http2.too_many_streams', `over ${MAX_STREAMS} streams open`, tsUs);
      this.close(oldSid, oldest, tsUs);
    }
    s = this.newTx(sid);
    this.streams.set(sid, s);
    return s;
  }

  private endStream(dir: Direction, sid: number, tsUs: number): void {
    const s = this.streams.get(sid);
    if (!s) return;
    if (dir === TO_SERVER) s.reqDone = true;
    else s.respDone = true;
    if (s.reqDone && s.respDone) this.close(sid, s, tsUs);
  }

  /** The stream is over (both sides ended, reset, or evicted): it is logged and forgotten. */
  private close(sid: number, s: Stream, tsUs: number): void {
    this.streams.delete(sid);
    this.emit(s, tsUs);
  }

  /** Logs a transaction that has something to log (Suricata writes no event for one without). */
  private emit(s: Stream, tsUs: number): void {
    const { request: q, response: r } = s.h2;
    const has = (x: Http2Side): boolean =>
      x.sawHeaders || x.settings !== undefined || x.errorCode !== undefined || x.priority !== undefined;
    if (!has(q) && !has(r)) return;
    this.ctx.emit({ type: 'http', http: s.tx }, tsUs);
    if (s.h2.streamId !== 0) this.dns(s, tsUs);
  }

  /** A DNS-over-HTTPS stream's message: the response when there is one, else the query. */
  private dns(s: Stream, tsUs: number): void {
    const get = s.tx.method === 'GET' ? getQuery(s.tx.uri) : undefined;
    const req = s.doh?.[0] ? Buffer.concat(s.doh[0]) : get;
    const resp = s.doh?.[1] ? Buffer.concat(s.doh[1]) : undefined;
    const msg = resp ?? req;
    if (msg === undefined) return;
    if (!this.doh2) {
      this.doh2 = true;
      this.ctx.changeProto?.('doh2');
    }
    const res = parseDnsMessage(msg, 0, msg.length, 'udp');
    if (res.anomalies) for (const anomaly of res.anomalies) this.ctx.emit({ type: 'anomaly', anomaly }, tsUs);
    if (!res.message) return;
    res.message.dir = resp ? 1 : 0;
    res.message.txId = this.dnsCount++;
    this.ctx.emit({ type: 'dns', dns: res.message }, tsUs);
  }

  private fillRequest(tx: HttpTransaction, headers: readonly HeaderEntry[]): void {
    tx.requestHeaders = [];
    for (const h of headers) {
      if (!isField(h)) continue;
      tx.requestHeaders.push([h.name, h.value]);
      switch (h.name) {
        case ':method':
          tx.method = h.value;
          break;
        case ':path':
          tx.uri = h.value;
          break;
        case ':authority':
        case 'host': {
          if (tx.hostname !== undefined && h.name === 'host') break;
          const hp = splitAuthority(h.value);
          tx.hostname = hp.host;
          tx.port = hp.port;
          break;
        }
        case 'user-agent':
          tx.userAgent = h.value;
          break;
        case 'referer':
          tx.referer = h.value;
          break;
      }
    }
  }

  private fillResponse(tx: HttpTransaction, headers: readonly HeaderEntry[]): void {
    tx.responseHeaders = [];
    for (const h of headers) {
      if (!isField(h)) continue;
      tx.responseHeaders.push([h.name, h.value]);
      if (h.name === ':status') {
        const n = Number(h.value);
        if (Number.isInteger(n)) tx.status = n;
      } else if (h.name === 'content-type') tx.contentType = h.value;
      else if (h.name === 'location') tx.redirect = h.value;
    }
  }

  private anomaly(event: string, detail: string, tsUs: number): void {
    this.ctx.emit({ type: 'anomaly', anomaly: { event, detail } }, tsUs);
  }

  onGap(dir: Direction, _len: number, tsUs: number): void {
    // Frames cannot be found again after a hole, and HPACK state is lost with it: stop reading this direction.
    const r = this.readers[dir];
    if (!r.broken) {
      r.broken = true;
      this.anomaly('http2.reassembly_gap', 'bytes missing: the rest of this direction is not parsed', tsUs);
    }
  }

  onEnd(tsUs: number): void {
    if (this.ended) return;
    this.ended = true;
    for (const s of this.streams.values()) this.emit(s, tsUs);
    this.streams.clear();
  }
}

/** ":authority" / Host value → host without its port (IPv6 literal keeps its brackets). */
function splitAuthority(v: string): { host: string; port?: number } {
  const at = v.lastIndexOf('@');
  const hp = at >= 0 ? v.slice(at + 1) : v;
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(hp);
  if (!m) return { host: hp };
  return { host: m[1], port: m[2] !== undefined ? Number(m[2]) : undefined };
}
