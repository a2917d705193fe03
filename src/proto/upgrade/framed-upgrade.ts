/**
 * A length-framed plaintext protocol that may switch to TLS in the same connection (LDAP StartTLS, RDP's X.224
 * negotiation): each direction's messages are framed by the protocol's length rule, only a short prefix of each is
 * looked at (the rest is skipped without being held), and when the protocol says the next bytes are TLS both
 * directions go to the TLS parser from the end of the message that decided it. Memory per flow is two fixed
 * prefixes; a session that never upgrades is given up after a bounded amount of plaintext.
 */
import type { Direction, StreamParser } from '../../flow/index.js';
import type { AppContext, StreamProtocolDef } from '../app-layer.js';

/** Frame length still unknown: more header bytes are needed. */
export const FRAME_NEED_MORE = -1;
/** The bytes are not this protocol's framing: parsing stops. */
export const FRAME_BAD = -2;

/** What a message decided. */
export const GO_ON = 0;
/** The bytes after this message (both directions) are TLS. */
export const TLS_NEXT = 1;
/** Nothing more to learn from this connection. */
export const STOP = 2;
export type Decision = 0 | 1 | 2;

/** The protocol's part: its framing and what its messages mean. */
export interface FramedProtocol {
  /** Bytes of a message looked at (at most). */
  readonly prefix: number;
  /** Plaintext bytes (both directions) followed before the connection is given up. */
  readonly maxPlaintext: number;
  /** Total length of the message whose first `n` bytes are `head[0, n)`, or FRAME_NEED_MORE / FRAME_BAD. */
  frameLength(head: Buffer, n: number): number;
  /** A message of `total` bytes whose first `n` (≤ prefix) are `head[0, n)` was seen in `dir`. */
  message(dir: Direction, head: Buffer, n: number, total: number): Decision;
  /** Whether TLS has taken over the flow's app_proto (LDAP: yes, as Suricata's protocol change; RDP: no). */
  readonly changeProto: boolean;
}

export class FramedUpgradeParser implements StreamParser {
  private readonly head: [Buffer, Buffer];
  private readonly fill = [0, 0];
  /** Bytes of the current message (per direction) still to pass over once its prefix was looked at. */
  private readonly skip = [0, 0];
  private plaintext = 0;
  private stopped = false;
  private tlsNext = false;
  private inner: StreamParser | null = null;

  constructor(
    readonly proto: string,
    private readonly ctx: AppContext,
    private readonly p: FramedProtocol,
    private readonly tls: StreamProtocolDef,
  ) {
    this.head = [Buffer.alloc(p.prefix), Buffer.alloc(p.prefix)];
  }

  get finished(): boolean {
    return this.stopped || (this.inner?.finished ?? false);
  }

  onData(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void {
    if (this.inner !== null) {
      this.inner.onData(dir, buf, off, len, tsUs);
      return;
    }
    if (this.stopped) return;
    const end = off + len;
    let at = off;
    while (at < end && !this.stopped) {
      if (this.tlsNext && this.skip[dir] === 0 && this.fill[dir] === 0) {
        this.startTls(dir, buf, at, end - at, tsUs);
        return;
      }
      if (this.skip[dir] > 0) {
        const n = Math.min(this.skip[dir], end - at);
        this.skip[dir] -= n;
        at += n;
        continue;
      }
      at = this.readMessage(dir, buf, at, end);
    }
  }

  /** Gathers the current message's prefix; returns where its bytes stopped being consumed. */
  private readMessage(dir: Direction, buf: Buffer, at: number, end: number): number {
    const head = this.head[dir];
    let n = this.fill[dir];
    let total = n > 0 ? this.p.frameLength(head, n) : FRAME_NEED_MORE;
    while (at < end) {
      const want = total >= 0 ? Math.min(total, this.p.prefix) : this.p.prefix;
      if (n >= want) break;
      head[n++] = buf[at++];
      if (total < 0) {
        total = this.p.frameLength(head, n);
        if (total === FRAME_BAD) {
          this.stopped = true;
          return end;
        }
      }
    }
    this.fill[dir] = n;
    if (total < 0) {
      if (n >= this.p.prefix) this.stopped = true;
      return at;
    }
    if (n < Math.min(total, this.p.prefix)) return at;
    this.plaintext += total;
    if (this.plaintext > this.p.maxPlaintext) {
      this.stopped = true;
      return end;
    }
    this.fill[dir] = 0;
    this.skip[dir] = total - n;
    const d = this.p.message(dir, head, n, total);
    if (d === STOP) this.stopped = true;
    else if (d === TLS_NEXT) this.tlsNext = true;
    return at;
  }

  private startTls(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void {
    this.inner = this.tls.create(this.ctx);
    if (this.p.changeProto) this.ctx.changeProto?.(this.tls.proto);
    this.inner.onData(dir, buf, off, len, tsUs);
  }

  onGap(dir: Direction, len: number, tsUs: number): void {
    if (this.inner !== null) this.inner.onGap(dir, len, tsUs);
    // Lost plaintext: the framing cannot be trusted again.
    else this.stopped = true;
  }

  onEnd(tsUs: number): void {
    this.inner?.onEnd(tsUs);
  }
}
