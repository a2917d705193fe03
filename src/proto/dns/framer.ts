/**
 * DNS frames as Suricata marks them: each message is a `pdu` — a whole datagram over UDP, over TCP the message
 * after its 2-byte length (so a rule's offsets are the same over both).
 */
import type { Direction, Framer } from '../../flow/index.js';
import type { AppContext } from '../app-layer.js';
import { FrameIds } from '../frames/index.js';

export class DnsDatagramFramer implements Framer {
  private readonly ids: FrameIds;

  constructor(ctx: AppContext) {
    this.ids = new FrameIds(ctx);
  }

  onData(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void {
    const data = Buffer.from(buf.subarray(off, off + len));
    this.ids.emit({ proto: 'dns', type: 'pdu', id: this.ids.take(1), dir, length: len, data }, tsUs);
  }

  onGap(): void {}
}

interface Side {
  offset: number;
  /** The length prefix so far (2 bytes), then the message. */
  prefix: number;
  prefixLen: number;
  start: number;
  msg: Buffer | null;
  msgLen: number;
  id: number;
  stopped: boolean;
}

const side = (): Side => ({
  offset: 0,
  prefix: 0,
  prefixLen: 0,
  start: 0,
  msg: null,
  msgLen: 0,
  id: 0,
  stopped: false,
});

export class DnsStreamFramer implements Framer {
  private readonly ids: FrameIds;
  private readonly sides: [Side, Side] = [side(), side()];

  constructor(ctx: AppContext) {
    this.ids = new FrameIds(ctx);
  }

  onData(dir: Direction, buf: Buffer, off: number, len: number, tsUs: number): void {
    const s = this.sides[dir];
    let p = off;
    const end = off + len;
    while (p < end && !s.stopped) {
      if (s.msg === null) {
        s.prefix = (s.prefix << 8) | buf[p++];
        if (++s.prefixLen < 2) continue;
        s.start = s.offset + (p - off);
        s.msg = Buffer.allocUnsafe(s.prefix & 0xffff);
        s.msgLen = 0;
        s.id = this.ids.take(1);
      }
      const take = Math.min(s.msg.length - s.msgLen, end - p);
      buf.copy(s.msg, s.msgLen, p, p + take);
      s.msgLen += take;
      p += take;
      if (s.msgLen === s.msg.length) this.message(dir, s, tsUs);
    }
    s.offset += len;
  }

  onGap(dir: Direction, len: number, tsUs: number): void {
    const s = this.sides[dir];
    if (!s.stopped && s.msg !== null) this.message(dir, s, tsUs);
    s.stopped = true;
    s.offset += len;
  }

  private message(dir: Direction, s: Side, tsUs: number): void {
    const msg = s.msg!;
    this.ids.emit(
      {
        proto: 'dns',
        type: 'pdu',
        id: s.id,
        dir,
        streamOffset: s.start,
        length: msg.length,
        data: msg.subarray(0, s.msgLen),
      },
      tsUs,
    );
    s.msg = null;
    s.prefix = 0;
    s.prefixLen = 0;
  }
}
