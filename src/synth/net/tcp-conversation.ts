/**
 * One TCP connection as a capture point next to the client sees it: three-way handshake, data cut into
 * MSS-sized segments with consistent seq/ack, delayed ACKs every second segment, FIN or RST teardown.
 * Times: the client's packets appear at once, the server's one round trip later.
 */
import type { Host } from './address.js';
import type { SynthCapture } from './capture.js';
import { synOptions, tcpFrame, tsOptions, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from './frame.js';
import type { Prng } from '../prng.js';

export type Dir = 'c2s' | 's2c';

export interface TcpTuning {
  /** Round trip between capture point and server, µs. */
  rttUs?: number;
  /** MSS each side announces; IPv6 defaults to 1440 (1500 - 40 - 20). */
  mss?: number;
  /** Negotiate RFC 7323 timestamps (then every segment carries 12 option bytes, payload = MSS - 12). */
  timestamps?: boolean;
}

interface Side {
  host: Host;
  port: number;
  seq: number;
  /** Next byte expected from the peer (the ack field this side sends). */
  rcvNext: number;
  ipId: number;
  tsBase: number;
  window: number;
  lastTx: number;
  /** Segments received and not yet acknowledged. */
  unacked: number;
}

export class TcpConversation {
  private readonly c: Side;
  private readonly s: Side;
  private readonly rtt: number;
  private readonly mss: number;
  private readonly ts: boolean;
  private readonly start: number;
  private lastDir: Dir = 'c2s';
  /** Time of the most recent packet in the conversation. */
  now: number;
  packets = 0;

  constructor(
    private readonly cap: SynthCapture,
    private readonly rng: Prng,
    client: Host,
    cport: number,
    server: Host,
    sport: number,
    startUs: number,
    tuning: TcpTuning = {},
  ) {
    const side = (host: Host, port: number, window: number): Side => ({
      host,
      port,
      seq: rng.u32(),
      rcvNext: 0,
      ipId: rng.int(1, 0xffff),
      tsBase: rng.u32(),
      window,
      lastTx: 0,
      unacked: 0,
    });
    this.c = side(client, cport, 502);
    this.s = side(server, sport, 509);
    this.rtt = tuning.rttUs ?? rng.int(8_000, 90_000);
    this.mss = tuning.mss ?? (client.ip.length === 16 ? 1440 : 1460);
    this.ts = tuning.timestamps ?? true;
    this.start = startUs;
    this.now = startUs;
  }

  get clientPort(): number {
    return this.c.port;
  }

  get rttUs(): number {
    return this.rtt;
  }

  private side(dir: Dir): [Side, Side] {
    return dir === 'c2s' ? [this.c, this.s] : [this.s, this.c];
  }

  private tsVal(s: Side, t: number): number {
    return (s.tsBase + Math.floor((t - this.start) / 1000)) >>> 0;
  }

  private emit(from: Side, to: Side, t: number, flags: number, payload: Buffer, options?: Buffer): number {
    t = Math.max(t, from.lastTx + 1);
    from.lastTx = t;
    let opts = options;
    if (!opts && this.ts && !(flags & TCP_RST)) opts = tsOptions(this.tsVal(from, t), this.tsVal(to, t - 1));
    const frame = tcpFrame(
      from.host,
      to.host,
      {
        sport: from.port,
        dport: to.port,
        seq: from.seq,
        ack: flags & TCP_ACK ? from.rcvNext : 0,
        flags,
        window: from.window,
        options: opts,
      },
      payload,
      from.ipId,
    );
    from.ipId = (from.ipId + 1) & 0xffff;
    this.cap.add(t, frame);
    this.packets++;
    this.now = Math.max(this.now, t);
    return t;
  }

  /** SYN, SYN/ACK, ACK. */
  connect(): void {
    const { c, s } = this;
    const w = Math.min(65535, this.mss * 44);
    const t0 = this.start;
    const synOpts = this.ts ? synOptions(this.mss, this.tsVal(c, t0), 0, 7) : undefined;
    const saveWin = c.window;
    c.window = w;
    this.emit(c, s, t0, TCP_SYN, Buffer.alloc(0), synOpts);
    c.window = saveWin;
    c.seq = (c.seq + 1) >>> 0;
    s.rcvNext = c.seq;
    const t1 = t0 + this.rtt;
    s.window = 65160;
    const synAckOpts = this.ts ? synOptions(this.mss, this.tsVal(s, t1), this.tsVal(c, t0), 7) : undefined;
    this.emit(s, c, t1, TCP_SYN | TCP_ACK, Buffer.alloc(0), synAckOpts);
    s.window = 509;
    s.seq = (s.seq + 1) >>> 0;
    c.rcvNext = s.seq;
    this.emit(c, s, t1 + this.rng.int(20, 120), TCP_ACK, Buffer.alloc(0));
    this.lastDir = 'c2s';
  }

  /** When the first byte of the next write in `dir` leaves, given who spoke last. */
  private startOf(dir: Dir, thinkUs: number): number {
    if (dir === this.lastDir) return this.now + thinkUs;
    // A reply: the server's answer comes a round trip after the client's last packet; the client's
    // reaction to the server's data is immediate at the capture point.
    return dir === 's2c' ? this.now + this.rtt + thinkUs : this.now + thinkUs;
  }

  /**
   * Writes `data` from one side: segments of at most MSS payload bytes (PSH on the last), and the peer's
   * delayed ACK after every second segment. `thinkUs` is the sender's processing delay before it writes.
   * With `peerReplies` the trailing odd segment is left for the peer's next data to acknowledge.
   */
  send(dir: Dir, data: Buffer, thinkUs = this.rng.int(50, 400), peerReplies = true): void {
    const [from, to] = this.side(dir);
    const maxSeg = this.mss - (this.ts ? 12 : 0);
    let t = this.startOf(dir, thinkUs);
    // The peer's packets appear at the capture point late when the peer is the server.
    const ackDelay = dir === 'c2s' ? this.rtt : this.rng.int(20, 60);
    for (let off = 0; off < data.length; off += maxSeg) {
      const chunk = data.subarray(off, Math.min(data.length, off + maxSeg));
      const last = off + maxSeg >= data.length;
      t = this.emit(from, to, t, TCP_ACK | (last ? TCP_PSH : 0), chunk);
      from.seq = (from.seq + chunk.length) >>> 0;
      to.rcvNext = from.seq;
      to.unacked++;
      if (to.unacked >= 2 || (last && !peerReplies)) {
        this.emit(to, from, t + ackDelay, TCP_ACK, Buffer.alloc(0));
        to.unacked = 0;
      }
      // Serialisation at ~100 Mbit/s plus jitter between back-to-back segments.
      t += Math.ceil(chunk.length * 0.08) + this.rng.int(5, 60);
    }
    this.now = Math.max(this.now, from.lastTx);
    this.lastDir = dir;
    if (peerReplies) to.unacked = 0; // the reply carries the ACK
  }

  /** Orderly close started by `by`: FIN/ACK, the peer's FIN/ACK, the last ACK. */
  close(by: Dir = 'c2s', thinkUs = this.rng.int(100, 3000)): void {
    const [a, b] = this.side(by);
    let t = this.startOf(by, thinkUs);
    t = this.emit(a, b, t, TCP_FIN | TCP_ACK, Buffer.alloc(0));
    a.seq = (a.seq + 1) >>> 0;
    b.rcvNext = a.seq;
    const away = by === 'c2s' ? this.rtt : this.rng.int(30, 200);
    t = this.emit(b, a, t + away, TCP_FIN | TCP_ACK, Buffer.alloc(0));
    b.seq = (b.seq + 1) >>> 0;
    a.rcvNext = b.seq;
    this.emit(a, b, t + (by === 'c2s' ? this.rng.int(20, 80) : this.rtt), TCP_ACK, Buffer.alloc(0));
  }

  /** `by` aborts with RST/ACK (what a client does after a failed handshake, or a server to a stray SYN). */
  abort(by: Dir = 'c2s', thinkUs = this.rng.int(50, 500)): void {
    const [a, b] = this.side(by);
    this.emit(a, b, this.startOf(by, thinkUs), TCP_RST | TCP_ACK, Buffer.alloc(0));
    this.lastDir = by;
  }
}
