/**
 * Plaintext protocols that upgrade to TLS in the same connection (SMTP/FTP `STARTTLS`/`AUTH TLS`, IMAP `STARTTLS`,
 * POP3 `STLS`, IRC `STARTTLS` → 670, XMPP `<starttls/>` → `<proceed/>`): the plaintext is followed until the client
 * asks for TLS and the server agrees; from there both
 * directions go to the TLS parser, so the handshake is fingerprinted and its certificates judged like any other.
 * Plaintext is bounded: a session that never upgrades is given up (finished) after a few kilobytes.
 */
import type { Direction, StreamParser } from '../../flow/index.js';
import type { AppContext, StreamProtocolDef } from '../app-layer.js';

const MAX_LINE = 8192;
const MAX_PLAINTEXT = 256 * 1024;
const UPGRADE = /^(?:[A-Za-z0-9.]+ )?(?:STARTTLS|STLS|AUTH (?:TLS|SSL))\s*$/i;
/** A positive answer: SMTP/FTP 2xx, POP3 +OK, IMAP "<tag> OK", IRC numeric 670. */
const AGREE = /^(?:2\d\d[ -]|\+OK|[A-Za-z0-9.]+ OK\b|:\S+ 670 )/i;

export class StartTlsParser implements StreamParser {
  readonly proto = 'unknown' as const;
  private readonly line: [string, string] = ['', ''];
  private asked = false;
  private inner?: StreamParser;
  private plaintext = 0;
  private gaveUp = false;

  /** XMPP is not line-based: its request and answer are elements anywhere in the stream. Set by the first bytes. */
  private xmpp: boolean | undefined;

  constructor(
    private readonly ctx: AppContext,
    private readonly tls: StreamProtocolDef,
  ) {}

  get finished(): boolean {
    return this.gaveUp || (this.inner?.finished ?? false);
  }

  onData(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void {
    if (this.inner) {
      this.inner.onData(dir, buf, off, len, tsUs);
      return;
    }
    if (this.gaveUp) return;
    this.plaintext += len;
    if (this.plaintext > MAX_PLAINTEXT) {
      this.gaveUp = true;
      return;
    }
    if (this.xmpp === undefined && len > 0) this.xmpp = dir === 0 && buf[off] === 0x3c;
    if (this.xmpp) {
      this.onXmpp(dir, buf, off, len, tsUs);
      return;
    }
    let start = off;
    const end = off + len;
    for (let i = off; i < end; i++) {
      if (buf[i] !== 0x0a) continue;
      const text = this.line[dir] + buf.toString('latin1', start, i);
      this.line[dir] = '';
      start = i + 1;
      if (this.onLine(dir, text.replace(/\r$/, ''))) {
        // The server agreed: what follows in this segment (rare: pipelined) is already TLS.
        this.inner = this.tls.create(this.ctx);
        if (start < end) this.inner.onData(dir, buf, start, end - start, tsUs);
        return;
      }
    }
    if (start < end) {
      this.line[dir] += buf.toString('latin1', start, end);
      if (this.line[dir].length > MAX_LINE) this.line[dir] = this.line[dir].slice(-MAX_LINE);
    }
  }

  private onXmpp(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void {
    const text = this.line[dir] + buf.toString('latin1', off, off + len);
    if (dir === 0 && /<starttls\b/.test(text)) this.asked = true;
    const at = dir === 1 && this.asked ? text.search(/<proceed\b[^>]*>/) : -1;
    if (at >= 0) {
      const close = text.indexOf('>', at) + 1;
      this.inner = this.tls.create(this.ctx);
      const consumed = close - this.line[dir].length;
      if (consumed < len) this.inner.onData(dir, buf, off + consumed, len - consumed, tsUs);
      return;
    }
    // Keep a tail so an element split across segments is still seen.
    this.line[dir] = text.slice(-256);
  }

  /** true when the upgrade is agreed (the server's positive answer to the client's request). */
  private onLine(dir: Direction, text: string): boolean {
    if (dir === 0) {
      this.asked = UPGRADE.test(text);
      return false;
    }
    if (!this.asked) return false;
    // Multi-line SMTP replies ("250-…") before the final line don't decide.
    if (/^\d\d\d-/.test(text)) return false;
    const ok = AGREE.test(text);
    this.asked = false;
    return ok;
  }

  onGap(dir: Direction, n: number, tsUs: number): void {
    this.inner?.onGap(dir, n, tsUs);
  }

  onEnd(tsUs: number): void {
    this.inner?.onEnd(tsUs);
  }
}
