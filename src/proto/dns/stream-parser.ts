/**
 * DNS over TCP (RFC 1035 §4.2.2, RFC 7766): each message is preceded by a two-byte length; a stream may
 * carry several messages and a message may span segments. Complete messages inside one segment are parsed
 * in place; only a message cut by a segment boundary is copied, into a buffer sized by its own length
 * (≤ 64 KiB + 2). After a gap the framing is lost: the direction waits for bytes that look like a new
 * length-prefixed message, or stays silent.
 */
import { PROBE_NO, type Direction, type StreamParser } from '../../flow/index.js';
import type { AppContext } from '../app-layer.js';
import { emitDnsMessage } from './datagram-parser.js';
import { probeDnsStream } from './probe.js';
import { DnsTransactions } from './transactions.js';

class DirectionState {
  /** Bytes of an incomplete frame (length prefix included), or null. */
  pending: Buffer | null = null;
  have = 0;
  /** Lost framing after a gap; cleared when a plausible frame start arrives. */
  lost = false;
}

export class DnsStreamParser implements StreamParser {
  readonly proto = 'dns' as const;
  private readonly txs = new DnsTransactions();
  private readonly dirs = [new DirectionState(), new DirectionState()];

  constructor(private readonly ctx: AppContext) {}

  onData(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void {
    const st = this.dirs[dir];
    let p = off;
    const end = off + len;
    if (st.lost) {
      if (probeDnsStream(buf, off, len, 0, 0) === PROBE_NO) return;
      st.lost = false;
    }
    // Finish a frame started in an earlier segment.
    if (st.pending) {
      p = this.fillPending(st, buf, p, end);
      const frame = st.pending;
      if (st.have < 2 || st.have < 2 + frame.readUInt16BE(0)) return;
      st.pending = null;
      st.have = 0;
      emitDnsMessage(this.ctx, this.txs, frame, 2, frame.readUInt16BE(0), 'tcp', tsUs, dir);
    }
    while (p < end) {
      if (end - p < 2) {
        this.startPending(st, buf, p, end, 2);
        return;
      }
      const msgLen = buf.readUInt16BE(p);
      if (end - p - 2 < msgLen) {
        this.startPending(st, buf, p, end, 2 + msgLen);
        return;
      }
      emitDnsMessage(this.ctx, this.txs, buf, p + 2, msgLen, 'tcp', tsUs, dir);
      p += 2 + msgLen;
    }
  }

  /** Copies the partial frame `buf[p, end)` whose known size so far is `size`. */
  private startPending(st: DirectionState, buf: Buffer, p: number, end: number, size: number): void {
    st.pending = Buffer.allocUnsafe(Math.max(size, 2));
    buf.copy(st.pending, 0, p, end);
    st.have = end - p;
  }

  /** Appends to the pending frame up to its full length; returns the offset of the first unused byte. */
  private fillPending(st: DirectionState, buf: Buffer, p: number, end: number): number {
    let frame = st.pending as Buffer;
    if (st.have < 2) {
      const take = Math.min(2 - st.have, end - p);
      buf.copy(frame, st.have, p, p + take);
      st.have += take;
      p += take;
      if (st.have < 2) return p;
      const need = 2 + frame.readUInt16BE(0);
      if (frame.length < need) {
        const grown = Buffer.allocUnsafe(need);
        frame.copy(grown, 0, 0, st.have);
        frame = grown;
        st.pending = grown;
      }
    }
    const need = 2 + frame.readUInt16BE(0);
    const take = Math.min(need - st.have, end - p);
    buf.copy(frame, st.have, p, p + take);
    st.have += take;
    return p + take;
  }

  onGap(dir: Direction, _len: number, _tsUs: number): void {
    const st = this.dirs[dir];
    st.pending = null;
    st.have = 0;
    st.lost = true;
  }

  onEnd(tsUs: number): void {
    for (const st of this.dirs) {
      if (st.pending && st.have > 2) {
        this.ctx.emit(
          {
            type: 'anomaly',
            anomaly: {
              event: 'dns.malformed_data',
              detail: `stream ended inside a ${st.pending.readUInt16BE(0)}-byte message (${st.have - 2} bytes seen)`,
            },
          },
          tsUs,
        );
      }
      st.pending = null;
      st.have = 0;
    }
  }
}
