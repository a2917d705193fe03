/**
 * IPv4 and IPv6 fragment reassembly with bounded memory.
 *
 * Datagrams are keyed by (version, src, dst, id, protocol for IPv4, VLAN ids) and compared on the full key
 * (a hash picks the bucket only). Memory is bounded three ways: datagrams held, bytes per datagram (an IP
 * datagram is at most 65535 bytes) and bytes in the whole table; the oldest datagram is dropped to make room.
 * Datagrams older than the timeout (packet time) are dropped when the next fragment arrives.
 *
 * Overlaps keep the bytes that arrived first (a fixed policy, so a given capture always reassembles the same
 * way) and the completed datagram carries decoder.ipv4.frag_overlap / decoder.ipv6.frag_overlap.
 *
 * A completed datagram is written, as an unfragmented IP packet, into an output buffer owned by the
 * reassembler (one per nesting level, reused), and decoding continues from there.
 */
import {
  IPV4_FRAG_IGNORED,
  IPV4_FRAG_OVERLAP,
  IPV4_FRAG_PKT_TOO_LARGE,
  IPV6_FRAG_IGNORED,
  IPV6_FRAG_OVERLAP,
  IPV6_FRAG_PKT_TOO_LARGE,
  setAnomaly,
} from './anomalies.js';
import type { DecodedPacket } from './decoded-packet.js';
import { Datagram, EMPTY, KEY_WORDS, MAX_DATA } from './fragment-datagram.js';

/** The fragment was stored; the datagram is not complete yet. */
export const FRAG_HELD = -1;
/** The fragment was rejected (too large, no room); `pkt.anomaly` says why. */
export const FRAG_DROPPED = -2;

export interface ReassemblyOptions {
  /** Datagrams held at once (default 1024). */
  maxDatagrams?: number;
  /** Bytes of fragment data held in the whole table (default 32 MiB). */
  maxTableBytes?: number;
  /** Packet-time timeout for an incomplete datagram, µs (default 30 s, Suricata's default). */
  timeoutUs?: number;
}

export interface ReassemblyStats {
  fragments: number;
  completed: number;
  timedOut: number;
  /** Incomplete datagrams dropped to stay within the datagram or byte bounds. */
  evicted: number;
  overlaps: number;
  tooLarge: number;
}

/** Output buffer size: an IPv6 header + the largest payload. */
const OUT_SIZE = 40 + MAX_DATA + 1;
/** Output buffers: the outer datagram, inner datagrams in tunnels, with room to spare. */
const MAX_OUTPUTS = 8;
const POOL_MAX = 32;
const POOLED_DATA_MAX = 16384;

export class IpReassembler {
  readonly stats: ReassemblyStats = {
    fragments: 0,
    completed: 0,
    timedOut: 0,
    evicted: 0,
    overlaps: 0,
    tooLarge: 0,
  };
  /** The buffer the last completed datagram was written to. */
  output: Buffer = Buffer.alloc(0);

  private readonly maxDatagrams: number;
  private readonly maxTableBytes: number;
  private readonly timeoutUs: number;
  private readonly buckets = new Map<number, Datagram>();
  private oldest: Datagram | null = null;
  private newest: Datagram | null = null;
  private count = 0;
  private tableBytes = 0;
  private readonly pool: Datagram[] = [];
  private readonly outputs: Buffer[] = [];
  private readonly key = new Uint32Array(KEY_WORDS);

  constructor(opts: ReassemblyOptions = {}) {
    this.maxDatagrams = opts.maxDatagrams ?? 1024;
    this.maxTableBytes = opts.maxTableBytes ?? 32 * 1024 * 1024;
    this.timeoutUs = opts.timeoutUs ?? 30_000_000;
  }

  /** Datagrams currently held (for tests and stats). */
  get held(): number {
    return this.count;
  }

  /** Bytes of fragment storage currently held. */
  get bytesHeld(): number {
    return this.tableBytes;
  }

  /**
   * An IPv4 fragment: header at `hdrOff` (`hlen` bytes), payload [dataOff, dataEnd) at byte `fragOffset` of
   * the datagram. Returns the length of the completed packet written to `output`, FRAG_HELD or FRAG_DROPPED.
   */
  addIpv4(
    b: Buffer,
    hdrOff: number,
    hlen: number,
    dataOff: number,
    dataEnd: number,
    fragOffset: number,
    more: boolean,
    pkt: DecodedPacket,
    outIndex: number,
  ): number {
    this.stats.fragments++;
    if (fragOffset + (dataEnd - dataOff) > MAX_DATA - hlen) {
      this.stats.tooLarge++;
      setAnomaly(pkt, IPV4_FRAG_PKT_TOO_LARGE);
      return FRAG_DROPPED;
    }
    if (outIndex >= MAX_OUTPUTS) {
      setAnomaly(pkt, IPV4_FRAG_IGNORED);
      return FRAG_DROPPED;
    }
    this.fillKey(pkt, 4, pkt.ipId, pkt.proto);
    const dg = this.findOrCreate(pkt.tsUs);
    if (fragOffset === 0 && dg.headerLen === 0) {
      b.copy(dg.header, 0, hdrOff, hdrOff + hlen);
      dg.headerLen = hlen;
    }
    if (!this.insert(dg, b, dataOff, dataEnd, fragOffset, more))
      return this.dropNoRoom(pkt, dg, IPV4_FRAG_IGNORED);
    if (!dg.complete()) return FRAG_HELD;
    const out = this.outputBuffer(outIndex);
    const h = dg.headerLen;
    dg.header.copy(out, 0, 0, h);
    const len = h + dg.total;
    out[2] = len >>> 8;
    out[3] = len & 255;
    out[6] = 0;
    out[7] = 0;
    dg.data.copy(out, h, 0, dg.total);
    if (dg.overlap) setAnomaly(pkt, IPV4_FRAG_OVERLAP);
    this.finish(dg);
    this.output = out;
    return len;
  }

  /** An IPv6 fragment: fixed header at `hdrOff`, fragmentable part [dataOff, dataEnd) at `fragOffset`. */
  addIpv6(
    b: Buffer,
    hdrOff: number,
    dataOff: number,
    dataEnd: number,
    fragOffset: number,
    more: boolean,
    nextHeader: number,
    pkt: DecodedPacket,
    outIndex: number,
  ): number {
    this.stats.fragments++;
    if (fragOffset + (dataEnd - dataOff) > MAX_DATA) {
      this.stats.tooLarge++;
      setAnomaly(pkt, IPV6_FRAG_PKT_TOO_LARGE);
      return FRAG_DROPPED;
    }
    if (outIndex >= MAX_OUTPUTS) {
      setAnomaly(pkt, IPV6_FRAG_IGNORED);
      return FRAG_DROPPED;
    }
    this.fillKey(pkt, 6, pkt.ipId, 0);
    const dg = this.findOrCreate(pkt.tsUs);
    if (fragOffset === 0 && dg.headerLen === 0) {
      b.copy(dg.header, 0, hdrOff, hdrOff + 40);
      dg.headerLen = 40;
      dg.nextHeader = nextHeader;
    }
    if (!this.insert(dg, b, dataOff, dataEnd, fragOffset, more))
      return this.dropNoRoom(pkt, dg, IPV6_FRAG_IGNORED);
    if (!dg.complete()) return FRAG_HELD;
    const out = this.outputBuffer(outIndex);
    dg.header.copy(out, 0, 0, 40);
    out[4] = dg.total >>> 8;
    out[5] = dg.total & 255;
    // The unfragmentable extension headers are not kept: the rebuilt packet goes straight to the payload.
    out[6] = dg.nextHeader;
    dg.data.copy(out, 40, 0, dg.total);
    const len = 40 + dg.total;
    if (dg.overlap) setAnomaly(pkt, IPV6_FRAG_OVERLAP);
    this.finish(dg);
    this.output = out;
    return len;
  }

  /** Drops every datagram older than the timeout at packet time `nowUs`. */
  expire(nowUs: number): void {
    while (this.oldest !== null && nowUs - this.oldest.firstUs > this.timeoutUs) {
      this.stats.timedOut++;
      this.remove(this.oldest);
    }
  }

  private outputBuffer(i: number): Buffer {
    while (this.outputs.length <= i) this.outputs.push(Buffer.alloc(OUT_SIZE));
    return this.outputs[i];
  }

  private fillKey(pkt: DecodedPacket, version: number, id: number, proto: number): void {
    const k = this.key;
    k[0] = version;
    for (let i = 0; i < 4; i++) {
      k[1 + i] = pkt.src[i];
      k[5 + i] = pkt.dst[i];
    }
    k[9] = id;
    k[10] = proto;
    k[11] = pkt.vlanCount > 0 ? pkt.vlan[0] + 1 : 0;
    k[12] = pkt.vlanCount > 1 ? pkt.vlan[1] + 1 + (pkt.vlanCount > 2 ? (pkt.vlan[2] + 1) * 8192 : 0) : 0;
  }

  private findOrCreate(nowUs: number): Datagram {
    this.expire(nowUs);
    const k = this.key;
    let h = 0x811c9dc5;
    for (let i = 0; i < KEY_WORDS; i++) h = Math.imul(h ^ k[i], 0x01000193);
    h >>>= 0;
    let dg = this.buckets.get(h) ?? null;
    while (dg !== null) {
      let same = true;
      for (let i = 0; i < KEY_WORDS; i++) {
        if (dg.key[i] !== k[i]) {
          same = false;
          break;
        }
      }
      if (same) return dg;
      dg = dg.bucketNext;
    }
    while (this.count >= this.maxDatagrams && this.oldest !== null) {
      this.stats.evicted++;
      this.remove(this.oldest);
    }
    dg = this.pool.pop() ?? new Datagram();
    dg.clear();
    // Pooled storage counts again once the datagram is in use.
    this.tableBytes += dg.data.length;
    dg.key.set(k);
    dg.hash = h;
    dg.firstUs = nowUs;
    dg.bucketNext = this.buckets.get(h) ?? null;
    this.buckets.set(h, dg);
    dg.older = this.newest;
    if (this.newest !== null) this.newest.newer = dg;
    else this.oldest = dg;
    this.newest = dg;
    this.count++;
    return dg;
  }

  /** Stores a fragment's bytes (first arrival wins); false when the table has no room for it. */
  private insert(
    dg: Datagram,
    b: Buffer,
    dataOff: number,
    dataEnd: number,
    fragOffset: number,
    more: boolean,
  ): boolean {
    const before = dg.overlapEvents;
    const end = dg.fragmentEnd(fragOffset, dataEnd - dataOff, more);
    if (end > fragOffset) {
      if (!this.reserve(dg, end)) return false;
      dg.store(b, dataOff, fragOffset, end);
    }
    this.stats.overlaps += dg.overlapEvents - before;
    return true;
  }

  /** Grows the datagram's storage to `end` bytes within the table bound, evicting older datagrams if needed. */
  private reserve(dg: Datagram, end: number): boolean {
    const cur = dg.data.length;
    let cap = cur;
    if (end > cur) {
      cap = Math.max(2048, cur * 2);
      while (cap < end) cap *= 2;
      if (cap > MAX_DATA + 1) cap = MAX_DATA + 1;
    }
    const grow = cap - cur;
    while (this.tableBytes + grow > this.maxTableBytes && this.oldest !== null && this.oldest !== dg) {
      this.stats.evicted++;
      this.remove(this.oldest);
    }
    if (this.tableBytes + grow > this.maxTableBytes) return false;
    if (grow === 0) return true;
    const data = Buffer.allocUnsafe(cap);
    dg.data.copy(data, 0, 0, cur);
    dg.data = data;
    this.tableBytes += grow;
    return true;
  }

  private dropNoRoom(pkt: DecodedPacket, dg: Datagram, anomaly: string): number {
    this.stats.evicted++;
    this.remove(dg);
    setAnomaly(pkt, anomaly);
    return FRAG_DROPPED;
  }

  private finish(dg: Datagram): void {
    this.stats.completed++;
    this.remove(dg);
  }

  private remove(dg: Datagram): void {
    // Unlink from the hash chain.
    let head = this.buckets.get(dg.hash) ?? null;
    if (head === dg) {
      if (dg.bucketNext === null) this.buckets.delete(dg.hash);
      else this.buckets.set(dg.hash, dg.bucketNext);
    } else {
      while (head !== null && head.bucketNext !== dg) head = head.bucketNext;
      if (head !== null) head.bucketNext = dg.bucketNext;
    }
    // Unlink from the age list.
    if (dg.older !== null) dg.older.newer = dg.newer;
    else this.oldest = dg.newer;
    if (dg.newer !== null) dg.newer.older = dg.older;
    else this.newest = dg.older;
    this.count--;
    this.tableBytes -= dg.data.length;
    dg.clear();
    if (this.pool.length < POOL_MAX) {
      // Pooled datagrams keep modest storage for reuse; it counts against the table again when reused.
      if (dg.data.length > POOLED_DATA_MAX) dg.data = EMPTY;
      this.pool.push(dg);
    }
  }
}
