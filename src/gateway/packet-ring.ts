/**
 * The last N MB of captured packets, kept for the bundle handed to the user on self-isolation. Two halves
 * of N/2 MB each: packets are appended to the current half as pcap records; when it is full the older half is
 * cleared and becomes the current one. So between N/2 and N MB of the most recent traffic is always held, with
 * one copy per packet and no allocation on the packet path.
 */
import { LINKTYPE_ETHERNET } from '../capture/index.js';

const REC = 16;

export class PacketRing {
  private readonly halves: [Buffer, Buffer];
  private readonly used = [0, 0];
  private cur = 0;
  /** Packets not kept because their link type is not the ring's (a pcap holds one link type). */
  skipped = 0;

  constructor(
    bytes: number,
    readonly linkType = LINKTYPE_ETHERNET,
    private readonly snaplen = 65535,
  ) {
    const half = Math.max(REC + snaplen, Math.floor(bytes / 2));
    this.halves = [Buffer.alloc(half), Buffer.alloc(half)];
  }

  push(buf: Buffer, off: number, caplen: number, wirelen: number, tsUs: number, linkType: number): void {
    if (linkType !== this.linkType) {
      this.skipped++;
      return;
    }
    const len = Math.min(caplen, this.snaplen);
    let h = this.halves[this.cur];
    if (this.used[this.cur] + REC + len > h.length) {
      this.cur ^= 1;
      this.used[this.cur] = 0;
      h = this.halves[this.cur];
    }
    let p = this.used[this.cur];
    const sec = Math.floor(tsUs / 1e6);
    h.writeUInt32LE(sec, p);
    h.writeUInt32LE(Math.floor(tsUs - sec * 1e6), p + 4);
    h.writeUInt32LE(len, p + 8);
    h.writeUInt32LE(wirelen, p + 12);
    p += REC;
    buf.copy(h, p, off, off + len);
    this.used[this.cur] = p + len;
  }

  /** Bytes of packet records held now. */
  get size(): number {
    return this.used[0] + this.used[1];
  }

  /** The held packets, oldest first, as one pcap file (copied: the ring goes on filling). */
  toPcap(): Buffer {
    const hdr = Buffer.alloc(24);
    hdr.writeUInt32LE(0xa1b2c3d4, 0);
    hdr.writeUInt16LE(2, 4);
    hdr.writeUInt16LE(4, 6);
    hdr.writeUInt32LE(this.snaplen, 16);
    hdr.writeUInt32LE(this.linkType, 20);
    const old = this.cur ^ 1;
    return Buffer.concat([
      hdr,
      this.halves[old].subarray(0, this.used[old]),
      this.halves[this.cur].subarray(0, this.used[this.cur]),
    ]);
  }
}
