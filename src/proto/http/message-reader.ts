/**
 * Framing of one direction of an HTTP/1.x connection (RFC 9112 §6): message heads, then a body delimited
 * by Content-Length, chunked transfer coding (§7.1, body bytes counted after de-chunking), or the end of
 * the connection; or no body at all. The reader only frames: what a head means (and which body follows)
 * is decided by its owner through `MessageOwner`.
 *
 * Bounded memory: a head is collected into one buffer of at most MAX_HEAD_BYTES (64 KiB); a longer head is
 * an anomaly and the direction resynchronises on the next line that looks like a message start. Body bytes
 * are only counted, never kept.
 */

import { HEAD_BODY } from './response-head.js';

export const MAX_HEAD_BYTES = 64 * 1024;
/** A chunk-size line (hex size + extensions) longer than this is hostile. */
const MAX_CHUNK_LINE = 1024;
/** libhtp's reading of a chunk-size line: control characters and blanks, then hex digits, then anything. */
const CHUNK_SIZE = /^[\r\n \t\v\f]*([0-9a-fA-F]+)/;
/** A line (or its start) that may still become a size line. */
const CHUNK_SIZE_START = /^[\r\n \t\v\f]*[0-9a-fA-F]/;
const CHUNK_CTL_ONLY = /^[\r\n \t\v\f]*$/;

/** Body framing a head announces (returned by `MessageOwner.onHead`). */
export const BODY_NONE = -1;
export const BODY_CHUNKED = -2;
export const BODY_UNTIL_CLOSE = -3;
/** The connection stops carrying HTTP (CONNECT tunnel, 101 upgrade). */
export const BODY_TUNNEL = -4;
/** The head was not an HTTP message: skip to the next plausible start. */
export const BODY_INVALID = -5;

/** What the first bytes of a message say (`MessageOwner.checkStart`). */
export const START_OK = 0;
/** Not a head but body bytes with no framing (an HTTP/0.9 response): count until close. */
export const START_RAW_BODY = 1;
export const START_BAD = 2;
/** An HTTP/0.9 simple request: the first line is the whole message. */
export const START_SIMPLE = 3;

export interface MessageOwner {
  /**
   * Judges the start of a head once ≥ 8 bytes or its first line are in. `head[0, len)` holds them.
   */
  checkStart(head: Buffer, len: number, firstLineDone: boolean): number;
  /**
   * Where the head collected so far ends, for a side whose heads do not simply end at a blank line (responses read
   * as libhtp reads them): an offset, HEAD_MORE, or HEAD_BODY when the bytes are body with no head (the owner is
   * then ready for them).
   */
  headEnd?(head: Buffer, len: number, complete?: boolean): number;
  /**
   * Bytes before the next head that may still belong to the message before it (libhtp appends lines that are no
   * status line to the previous response's body): returns where the next head may start.
   */
  beforeHead?(buf: Buffer, off: number, end: number, tsUs: number): number;
  /** A complete head: returns the body framing (≥ 0: Content-Length) — see BODY_*. */
  onHead(head: Buffer, len: number, tsUs: number): number;
  /** `bytes` body bytes (de-chunked) at buf[off, off + bytes). */
  onBody(bytes: number, buf: Buffer, off: number): void;
  /** `bytes` body bytes are missing (capture loss inside a body the framing still follows). */
  onBodyGap?(bytes: number): void;
  /** The message (head and body) is complete; `aborted` when a gap or the end cut it short. */
  onMessageEnd(tsUs: number, aborted: boolean): void;
  onAnomaly(event: string, detail: string, tsUs: number): void;
  /** Bytes after a head that switched the connection (101 to h2c) in the same segment: another parser's. */
  onTunnelData?(buf: Buffer, off: number, len: number, tsUs: number): void;
  /**
   * Does a message plausibly start at `buf[off, off+len)`? Used to resynchronise: PROBE_MATCH (1), NO (-1),
   * or NEED_MORE (0) when the bytes end too soon to tell.
   */
  looksLikeStart(buf: Buffer, off: number, len: number): number;
}

const S_HEAD = 0;
const S_BODY_LENGTH = 1;
const S_CHUNK_SIZE = 2;
const S_CHUNK_DATA = 3;
const S_CHUNK_DATA_END = 4;
const S_CHUNK_TRAILER = 5;
const S_BODY_CLOSE = 6;
const S_TUNNEL = 7;
const S_RESYNC = 8;

export class HttpMessageReader {
  private state = S_HEAD;
  private head: Buffer = Buffer.allocUnsafe(1024);
  private headLen = 0;
  /** Start of the current (incomplete) line within `head`. */
  private lineStart = 0;
  private startChecked = false;
  /** A message (head seen) is in progress: its end must be reported. */
  private inMessage = false;
  private remaining = 0;
  private chunkLine = '';
  /** A chunk extension was seen in this request body (its event is raised once per message). */
  private chunkExtSeen = false;
  /** In a CONNECT tunnel: the first tunnelled bytes are still to be looked at. */
  private tunnelProbe = false;
  /** The head being read began at a resynchronisation candidate that was cut short. */
  private tentative: false | 'resync' | 'tunnel' = false;
  /** The head read so far is a start line without a version, and nothing has ended it yet. */
  private simpleCandidate = false;
  private trailerLineHasText = false;
  /** In RESYNC: the previous byte seen was a line end (or nothing was seen yet). */
  private atLineStart = true;

  constructor(
    private readonly owner: MessageOwner,
    /** 'request' or 'response': names the anomalies. */
    private readonly side: 'request' | 'response',
  ) {}

  /** Body framing in progress or a head partly read: there is something onEnd should report. */
  get busy(): boolean {
    return this.inMessage || this.headLen > 0;
  }

  get tunnelled(): boolean {
    return this.state === S_TUNNEL;
  }

  /**
   * Stops parsing this direction: the bytes that follow belong to another protocol. With `httpInside` (a
   * CONNECT tunnel) the first tunnelled bytes are looked at once: HTTP spoken through the tunnel is read on,
   * as Suricata does.
   */
  tunnel(httpInside = false): void {
    this.state = S_TUNNEL;
    this.inMessage = false;
    this.tunnelProbe = httpInside;
  }

  /** Leaves a tunnel the owner opened too early (a refused CONNECT): back to looking for messages. */
  untunnel(): void {
    if (this.state !== S_TUNNEL) return;
    this.state = S_RESYNC;
    this.atLineStart = true;
  }

  onData(buf: Buffer, off: number, len: number, tsUs: number): void {
    let p = off;
    const end = off + len;
    while (p < end) {
      switch (this.state) {
        case S_HEAD:
          p = this.readHead(buf, p, end, tsUs);
          break;
        case S_BODY_LENGTH:
        case S_CHUNK_DATA: {
          const take = Math.min(this.remaining, end - p);
          this.owner.onBody(take, buf, p);
          this.remaining -= take;
          p += take;
          if (this.remaining === 0) {
            if (this.state === S_BODY_LENGTH) this.endMessage(tsUs, false);
            else this.state = S_CHUNK_DATA_END;
          }
          break;
        }
        case S_CHUNK_DATA_END: {
          // What follows chunk data up to the line end is skipped, whatever it is (libhtp's reading).
          const lf = buf.indexOf(0x0a, p);
          if (lf < 0 || lf >= end) p = end;
          else {
            p = lf + 1;
            this.state = S_CHUNK_SIZE;
            this.chunkLine = '';
          }
          break;
        }
        case S_CHUNK_SIZE:
          p = this.readChunkSize(buf, p, end, tsUs);
          break;
        case S_CHUNK_TRAILER:
          p = this.readTrailer(buf, p, end, tsUs);
          break;
        case S_BODY_CLOSE:
          this.owner.onBody(end - p, buf, p);
          p = end;
          break;
        case S_TUNNEL:
          if (this.tunnelProbe) {
            // Stray line ends after the CONNECT exchange are not tunnel data yet.
            while (p < end && (buf[p] === 0x0d || buf[p] === 0x0a)) p++;
            if (p === end) break;
            this.tunnelProbe = false;
            const r = this.owner.looksLikeStart(buf, p, end - p);
            if (r === 1 || r === 0) {
              // Cut short ("GE" | "T / HTTP/1.1"): read on tentatively; a wrong guess returns to the tunnel.
              this.state = S_HEAD;
              this.resetHead();
              this.tentative = r === 0 ? 'tunnel' : false;
              break;
            }
          }
          this.owner.onTunnelData?.(buf, p, end - p, tsUs);
          p = end;
          break;
        case S_RESYNC:
          p = this.resync(buf, p, end);
          break;
      }
    }
  }

  /** `len` bytes are missing: keep counting through a delimited body, else drop to resynchronisation. */
  onGap(len: number, tsUs: number): void {
    switch (this.state) {
      case S_BODY_LENGTH:
      case S_CHUNK_DATA:
        if (len <= this.remaining) {
          this.owner.onBodyGap?.(len);
          this.remaining -= len;
          if (this.remaining === 0) {
            if (this.state === S_BODY_LENGTH) this.endMessage(tsUs, false);
            else this.state = S_CHUNK_DATA_END;
          }
          return;
        }
        // The hole runs past the body: the body's missing bytes are counted, the message is cut.
        this.owner.onBodyGap?.(this.remaining);
        break;
      case S_BODY_CLOSE:
        this.owner.onBodyGap?.(len);
        return;
      case S_TUNNEL:
        return;
      case S_RESYNC:
        // Bytes after a hole start a segment: a message may well begin there.
        this.atLineStart = true;
        return;
    }
    if (this.state === S_HEAD && this.headLen > 0 && this.lineStart > 0 && this.startChecked) {
      // The start line is in: the message is known even if the rest of its head is lost.
      this.owner.onHead(this.head, this.headLen, tsUs);
      this.inMessage = true;
    }
    if (this.inMessage) this.endMessage(tsUs, true);
    this.resetHead();
    this.state = S_RESYNC;
    this.atLineStart = true;
  }

  /** The connection ended: a body delimited by the close ends here; anything else was cut short. */
  onEnd(tsUs: number): void {
    if (
      this.state === S_HEAD &&
      this.headLen > 0 &&
      this.owner.headEnd?.(this.head, this.headLen, true) === HEAD_BODY
    ) {
      // The bytes before the end were no head at all but a document.
      this.inMessage = true;
      this.owner.onBody(this.headLen, this.head, 0);
      this.resetHead();
      this.state = S_BODY_CLOSE;
    }
    if (this.state === S_HEAD && this.headLen > 0) {
      // A head the peer never terminated (no final CRLF): take what is there as the head.
      const hasContent = this.head.subarray(0, this.headLen).some((c) => c !== 0x0d && c !== 0x0a);
      const verdict = hasContent ? this.judgeStart(tsUs, true) : START_BAD;
      if (verdict === START_OK || verdict === START_SIMPLE) {
        const mode = this.owner.onHead(this.head, this.headLen, tsUs);
        this.inMessage = mode !== BODY_INVALID;
      }
      this.resetHead();
    }
    if (this.inMessage) this.endMessage(tsUs, this.state !== S_BODY_CLOSE && this.state !== S_HEAD);
    this.state = S_TUNNEL;
  }

  /**
   * The peer answered while this direction's head is still open on a version-less start line: that was an
   * HTTP/0.9 request, complete as it is.
   */
  flushSimpleRequest(tsUs: number): void {
    if (this.state !== S_HEAD || !this.simpleCandidate || this.headLen === 0) return;
    this.finishHead(0, tsUs);
  }

  private resetHead(): void {
    this.simpleCandidate = false;
    this.headLen = 0;
    this.lineStart = 0;
    this.startChecked = false;
    if (this.head.length > 4096) this.head = Buffer.allocUnsafe(1024);
  }

  private endMessage(tsUs: number, aborted: boolean): void {
    this.inMessage = false;
    if (this.state !== S_TUNNEL && this.state !== S_RESYNC) this.state = S_HEAD;
    this.owner.onMessageEnd(tsUs, aborted);
  }

  private appendHead(buf: Buffer, from: number, to: number): boolean {
    const n = to - from;
    if (this.headLen + n > MAX_HEAD_BYTES) return false;
    if (this.headLen + n > this.head.length) {
      const grown = Buffer.allocUnsafe(
        Math.min(MAX_HEAD_BYTES, Math.max(this.head.length * 2, this.headLen + n)),
      );
      this.head.copy(grown, 0, 0, this.headLen);
      this.head = grown;
    }
    buf.copy(this.head, this.headLen, from, to);
    this.headLen += n;
    return true;
  }

  /**
   * Asks the owner about the message start. Returns START_OK / START_SIMPLE to go on; on START_RAW_BODY and
   * START_BAD the state has already moved on (body until close, or resynchronisation).
   */
  private judgeStart(tsUs: number, firstLineDone: boolean): number {
    this.startChecked = true;
    const verdict = this.owner.checkStart(this.head, this.headLen, firstLineDone);
    const tentative = this.tentative;
    this.tentative = false;
    if (verdict === START_OK || verdict === START_SIMPLE) return verdict;
    if (verdict === START_RAW_BODY) {
      this.inMessage = true;
      this.owner.onBody(this.headLen, this.head, 0);
      this.resetHead();
      this.state = S_BODY_CLOSE;
      return verdict;
    }
    if (tentative) {
      this.resetHead();
      this.state = tentative === 'tunnel' ? S_TUNNEL : S_RESYNC;
      this.atLineStart = false;
      return verdict;
    }
    this.owner.onAnomaly(
      `http.invalid_${this.side}_line`,
      `${this.side} does not start like HTTP: ${JSON.stringify(this.head.toString('latin1', 0, Math.min(this.headLen, 32)))}`,
      tsUs,
    );
    this.resetHead();
    this.state = S_RESYNC;
    this.atLineStart = false;
    return verdict;
  }

  private readHead(buf: Buffer, p: number, end: number, tsUs: number): number {
    if (this.headLen === 0 && this.owner.beforeHead) {
      p = this.owner.beforeHead(buf, p, end, tsUs);
      if (p === end) return p;
    }
    // Leading blank lines between messages are tolerated (RFC 9112 §2.2).
    if (this.headLen === 0) {
      while (p < end && (buf[p] === 0x0d || buf[p] === 0x0a)) p++;
      if (p === end) return p;
    }
    while (p < end) {
      const lf = buf.indexOf(0x0a, p);
      const to = lf < 0 || lf >= end ? end : lf + 1;
      if (!this.appendHead(buf, p, to)) {
        this.owner.onAnomaly(
          `http.${this.side}_header_too_long`,
          `${this.side} head exceeds ${MAX_HEAD_BYTES} bytes`,
          tsUs,
        );
        this.resetHead();
        this.state = S_RESYNC;
        this.atLineStart = false;
        return p;
      }
      p = to;
      const lineDone = this.head[this.headLen - 1] === 0x0a;
      const firstLine = this.lineStart === 0;
      if (firstLine && (lineDone || (!this.startChecked && this.headLen >= 8))) {
        const verdict = this.judgeStart(tsUs, lineDone);
        // A first line without a version may be an HTTP/0.9 request, or a damaged HTTP/1.x one whose header
        // fields follow (libhtp and Zeek read those): keep reading; the answer or the end settles it.
        this.simpleCandidate = verdict === START_SIMPLE && lineDone;
        if (verdict !== START_OK && verdict !== START_SIMPLE) return p;
      }
      if (this.owner.headEnd) {
        const q = this.ownerHeadEnd(p, tsUs, lineDone && firstLine);
        if (q >= 0) return q;
        if (!lineDone) return p;
        this.lineStart = this.headLen;
        continue;
      }
      if (!lineDone) return p;
      const lineLen = this.headLen - this.lineStart;
      const blank = lineLen === 1 || (lineLen === 2 && this.head[this.lineStart] === 0x0d);
      if (blank && !firstLine) return this.finishHead(p, tsUs);
      this.lineStart = this.headLen;
    }
    return p;
  }

  /**
   * Asks the owner where the head ends, when the bytes just added could end it (two line ends with at most a blank
   * between them) or complete the first line. Returns where reading goes on, or -1 to keep collecting.
   */
  private ownerHeadEnd(p: number, tsUs: number, firstLineDone: boolean): number {
    const from = Math.max(0, this.lineStart - 3);
    const tail = this.head.toString('latin1', from, this.headLen);
    if (!firstLineDone && !/[\r\n][ \t\0]?[\r\n]/.test(tail)) return -1;
    const r = this.owner.headEnd!(this.head, this.headLen);
    if (r === HEAD_BODY) {
      this.inMessage = true;
      this.owner.onBody(this.headLen, this.head, 0);
      this.resetHead();
      this.state = S_BODY_CLOSE;
      return p;
    }
    if (r < HEAD_BODY) {
      this.owner.onAnomaly(`http.invalid_${this.side}_line`, `${this.side} has no start line`, tsUs);
      this.resetHead();
      this.state = S_RESYNC;
      this.atLineStart = false;
      return p;
    }
    if (r < 0) return -1;
    // The head may end before the bytes collected (a lone CR ended it): the rest is read again as what follows.
    const leftover = r < this.headLen ? Buffer.from(this.head.subarray(r, this.headLen)) : undefined;
    this.headLen = r;
    const q = this.finishHead(p, tsUs);
    if (leftover) this.onData(leftover, 0, leftover.length, tsUs);
    return q;
  }

  private finishHead(p: number, tsUs: number): number {
    const mode = this.owner.onHead(this.head, this.headLen, tsUs);
    this.resetHead();
    if (this.state === S_TUNNEL) {
      // The owner tunnelled this direction while judging the head (e.g. CONNECT).
      this.inMessage = false;
      return p;
    }
    this.inMessage = true;
    if (mode >= 0) {
      this.remaining = mode;
      if (mode === 0) this.endMessage(tsUs, false);
      else this.state = S_BODY_LENGTH;
    } else if (mode === BODY_NONE) {
      this.endMessage(tsUs, false);
    } else if (mode === BODY_CHUNKED) {
      this.state = S_CHUNK_SIZE;
      this.chunkLine = '';
    } else if (mode === BODY_UNTIL_CLOSE) {
      this.state = S_BODY_CLOSE;
    } else if (mode === BODY_TUNNEL) {
      this.endMessage(tsUs, false);
      this.state = S_TUNNEL;
    } else {
      this.inMessage = false;
      this.state = S_RESYNC;
      this.atLineStart = true;
    }
    return p;
  }

  private readChunkSize(buf: Buffer, p: number, end: number, tsUs: number): number {
    const lf = buf.indexOf(0x0a, p);
    const to = lf < 0 || lf >= end ? end : lf + 1;
    if (this.chunkLine.length + (to - p) > MAX_CHUNK_LINE) {
      this.owner.onAnomaly(
        `http.invalid_${this.side}_chunk_len`,
        `chunk-size line over ${MAX_CHUNK_LINE} bytes`,
        tsUs,
      );
      this.unframeable(tsUs, this.chunkLine + buf.toString('latin1', p, to));
      return to;
    }
    this.chunkLine += buf.toString('latin1', p, to);
    const line = this.chunkLine;
    if (to === end && lf !== end - 1) {
      // No line end yet: a line that already cannot start with a size is not waited for.
      if (!CHUNK_SIZE_START.test(line) && !CHUNK_CTL_ONLY.test(line)) {
        this.chunkLine = '';
        this.owner.onAnomaly(`http.invalid_${this.side}_chunk_len`, 'chunk size line is not hex', tsUs);
        this.unframeable(tsUs, line);
      }
      return end;
    }
    this.chunkLine = '';
    // Line ends, blanks and form feeds around the size are skipped; a line of only those is no size line.
    if (CHUNK_CTL_ONLY.test(line)) return to;
    const m = CHUNK_SIZE.exec(line);
    if (!m) {
      // Not hex: the body cannot be framed. A response's body is then this line and the rest of the connection.
      this.owner.onAnomaly(
        `http.invalid_${this.side}_chunk_len`,
        `chunk size ${JSON.stringify(line.trim().slice(0, 40))}`,
        tsUs,
      );
      this.unframeable(tsUs, line);
      return to;
    }
    // Digits after the size (an extension, junk) are ignored; a size beyond 2^31 - 1 is skipped like a blank line.
    const hex = m[1].replace(/^0+(?=.)/, '');
    if (hex.length > 8 || parseInt(hex, 16) > 0x7fffffff) {
      if (this.side === 'response') return to;
      // A request body cannot be read past such a size: what follows may be a smuggled request.
      this.owner.onAnomaly(`http.invalid_${this.side}_chunk_len`, `chunk size ${hex.slice(0, 40)}`, tsUs);
      this.unframeable(tsUs);
      return to;
    }
    const semi = line.indexOf(';');
    if (semi >= 0 && this.side === 'request' && !this.chunkExtSeen) {
      // libhtp's event for "size;name=value", as Suricata raises it on requests.
      this.chunkExtSeen = true;
      this.owner.onAnomaly(
        'REQUEST_CHUNK_EXTENSION',
        `chunk extension ${JSON.stringify(line.slice(semi, semi + 40))}`,
        tsUs,
      );
    }
    const size = parseInt(hex, 16);
    if (size === 0) {
      this.chunkExtSeen = false;
      this.state = S_CHUNK_TRAILER;
      this.headLen = 0;
      this.trailerLineHasText = false;
    } else {
      this.remaining = size;
      this.state = S_CHUNK_DATA;
    }
    return to;
  }

  /**
   * The body's framing cannot be followed. A response then runs to the close; a request cannot (RFC 9112
   * §6.3), so its message ends here and the next request line is looked for — which is also where a
   * smuggled request would start.
   */
  private unframeable(tsUs: number, pending = ''): void {
    if (this.side === 'response') {
      this.state = S_BODY_CLOSE;
      if (pending.length > 0) {
        const b = Buffer.from(pending, 'latin1');
        this.owner.onBody(b.length, b, 0);
      }
      return;
    }
    this.endMessage(tsUs, true);
    this.state = S_RESYNC;
    this.atLineStart = true;
  }

  /** Trailer fields after the last chunk, up to a blank line; only their size is tracked. */
  private readTrailer(buf: Buffer, p: number, end: number, tsUs: number): number {
    while (p < end) {
      const c = buf[p++];
      this.headLen++;
      if (c === 0x0a) {
        if (!this.trailerLineHasText) {
          this.headLen = 0;
          this.endMessage(tsUs, false);
          return p;
        }
        this.trailerLineHasText = false;
      } else if (c !== 0x0d) {
        this.trailerLineHasText = true;
      }
      if (this.headLen > MAX_HEAD_BYTES) {
        this.owner.onAnomaly(
          `http.${this.side}_header_too_long`,
          `trailer exceeds ${MAX_HEAD_BYTES} bytes`,
          tsUs,
        );
        this.headLen = 0;
        this.endMessage(tsUs, true);
        this.state = S_RESYNC;
        this.atLineStart = false;
        return p;
      }
    }
    return p;
  }

  /** Skips to the next line that starts like a message. */
  private resync(buf: Buffer, p: number, end: number): number {
    while (p < end) {
      if (this.atLineStart) {
        const r = this.owner.looksLikeStart(buf, p, end - p);
        // A candidate cut by the segment end is read tentatively: if its start turns out not to be a
        // message, resynchronisation resumes without another anomaly.
        if (r === 1 || r === 0) {
          this.atLineStart = false;
          this.state = S_HEAD;
          this.resetHead();
          this.tentative = r === 0 ? 'resync' : false;
          return p;
        }
      }
      const lf = buf.indexOf(0x0a, p);
      if (lf < 0 || lf >= end) {
        this.atLineStart = false;
        return end;
      }
      p = lf + 1;
      this.atLineStart = true;
    }
    return p;
  }
}
