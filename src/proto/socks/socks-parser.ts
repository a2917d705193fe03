/**
 * SOCKS 4/4a/5 proxies (RFC 1928): the client's greeting, the server's choice, the CONNECT request and its reply are
 * walked in both directions; then the proxied stream begins and is handed to the protocol found in it (TLS, HTTP),
 * so a TLS handshake through a proxy is fingerprinted like any other.
 */
import { PROBE_MATCH, PROBE_NEED_MORE, type Direction, type StreamParser } from '../../flow/index.js';
import type { AppContext, StreamProtocolDef } from '../app-layer.js';

const MAX_HANDSHAKE = 1024;

export class SocksStreamParser implements StreamParser {
  readonly proto = 'unknown' as const;
  private readonly buf: [Buffer, Buffer] = [Buffer.alloc(0), Buffer.alloc(0)];
  /** Handshake bytes still to skip per direction before the tunnel starts. */
  private done: [boolean, boolean] = [false, false];
  private inner?: StreamParser;
  private gaveUp = false;
  private probeBuf: [Buffer, Buffer] = [Buffer.alloc(0), Buffer.alloc(0)];

  /** Read from the client's first byte (4 or 5). */
  private version: 4 | 5 = 5;

  constructor(
    private readonly ctx: AppContext,
    private readonly inside: readonly StreamProtocolDef[],
  ) {}

  /** How many bytes of `b` the SOCKS handshake of `dir` takes, or -1 when more are needed. */
  private handshakeLength(dir: Direction, b: Buffer): number {
    if (this.version === 4) {
      if (dir === 1) return b.length >= 8 ? 8 : -1;
      // VN CD DSTPORT(2) DSTIP(4) USERID NUL [HOST NUL for 4a]
      if (b.length < 9) return -1;
      let i = b.indexOf(0, 8);
      if (i < 0) return -1;
      const socks4a = b[4] === 0 && b[5] === 0 && b[6] === 0 && b[7] !== 0;
      if (socks4a) {
        i = b.indexOf(0, i + 1);
        if (i < 0) return -1;
      }
      return i + 1;
    }
    if (dir === 0) {
      // greeting: VER NMETHODS METHODS…, then request: VER CMD RSV ATYP ADDR PORT
      if (b.length < 2) return -1;
      const g = 2 + b[1];
      return this.requestEnd(b, g);
    }
    // method choice (2 bytes), then reply: VER REP RSV ATYP ADDR PORT
    return this.requestEnd(b, 2);
  }

  private requestEnd(b: Buffer, at: number): number {
    if (b.length < at + 5) return -1;
    const atyp = b[at + 3];
    const addr = atyp === 1 ? 4 : atyp === 4 ? 16 : atyp === 3 ? 1 + b[at + 4] : -1;
    if (addr < 0) return -2;
    const end = at + 4 + addr + 2;
    return b.length >= end ? end : -1;
  }

  onData(dir: Direction, data: Buffer, off: number, len: number, tsUs: number): void {
    if (this.gaveUp) return;
    if (this.done[dir]) {
      this.tunnel(dir, data, off, len, tsUs);
      return;
    }
    const b = Buffer.concat([this.buf[dir], data.subarray(off, off + len)]);
    if (dir === 0 && this.buf[0].length === 0 && b.length > 0) this.version = b[0] === 4 ? 4 : 5;
    const n = this.handshakeLength(dir, b);
    if (n === -2 || (n === -1 && b.length > MAX_HANDSHAKE)) {
      this.gaveUp = true;
      this.ctx.emit(
        { type: 'anomaly', anomaly: { event: 'socks.invalid_handshake', detail: `direction ${dir}` } },
        tsUs,
      );
      return;
    }
    if (n < 0) {
      this.buf[dir] = b;
      return;
    }
    this.buf[dir] = Buffer.alloc(0);
    this.done[dir] = true;
    if (n < b.length) this.tunnel(dir, b, n, b.length - n, tsUs);
  }

  private tunnel(dir: Direction, data: Buffer, off: number, len: number, tsUs: number): void {
    if (this.inner) {
      this.inner.onData(dir, data, off, len, tsUs);
      return;
    }
    const b = Buffer.concat([this.probeBuf[dir], data.subarray(off, off + len)]);
    for (const def of this.inside) {
      const r = def.probe(dir, b, 0, b.length, 0, 0);
      if (r === PROBE_MATCH) {
        this.inner = def.create(this.ctx);
        this.probeBuf = [Buffer.alloc(0), Buffer.alloc(0)];
        this.inner.onData(dir, b, 0, b.length, tsUs);
        return;
      }
      if (r === PROBE_NEED_MORE && b.length < 64) {
        this.probeBuf[dir] = b;
        return;
      }
    }
    this.gaveUp = true;
  }

  onGap(dir: Direction, len: number, tsUs: number): void {
    this.inner?.onGap(dir, len, tsUs);
  }

  onEnd(tsUs: number): void {
    this.inner?.onEnd(tsUs);
  }
}
