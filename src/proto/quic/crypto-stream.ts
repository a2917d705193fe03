/**
 * CRYPTO frame reassembly for one direction's Initial packets (RFC 9000 §19.6): frames carry
 * (offset, data) and may arrive split over packets or out of order (Chrome splits its ClientHello over two
 * Initials). Bounded: bytes beyond MAX_CRYPTO are refused.
 */
import { readVarint } from './varint.js';

/** A ClientHello with a post-quantum key share is a few KiB; 64 KiB leaves ample room. */
export const MAX_CRYPTO = 64 * 1024;

const FRAME_PADDING = 0x00;
const FRAME_PING = 0x01;
const FRAME_ACK = 0x02;
const FRAME_ACK_ECN = 0x03;
const FRAME_CRYPTO = 0x06;
const FRAME_CONNECTION_CLOSE = 0x1c;

const vi = { value: 0, next: 0 };

export class CryptoStream {
  private buf: Buffer = Buffer.alloc(0);
  /** Byte ranges received, kept merged and sorted. */
  private ranges: [number, number][] = [];

  /** Bytes available contiguously from offset 0. */
  get contiguous(): number {
    return this.ranges.length > 0 && this.ranges[0][0] === 0 ? this.ranges[0][1] : 0;
  }

  get bytes(): Buffer {
    return this.buf;
  }

  /** Walks the frames of one decrypted payload; returns an error for damage or an oversize stream. */
  addFrames(p: Buffer): string | undefined {
    let i = 0;
    while (i < p.length) {
      const type = p[i];
      if (type === FRAME_PADDING || type === FRAME_PING) {
        i++;
        continue;
      }
      if (type === FRAME_ACK || type === FRAME_ACK_ECN) {
        // largest, delay, range count, first range, then count × (gap, length), then ECN counts.
        let q = i + 1;
        const vals: number[] = [];
        for (let k = 0; k < 4; k++) {
          if (!readVarint(p, q, p.length, vi)) return 'ACK frame cut short';
          vals.push(vi.value);
          q = vi.next;
        }
        const more = vals[2] * 2 + (type === FRAME_ACK_ECN ? 3 : 0);
        if (more > p.length) return 'ACK frame range count beyond the packet';
        for (let k = 0; k < more; k++) {
          if (!readVarint(p, q, p.length, vi)) return 'ACK frame cut short';
          q = vi.next;
        }
        i = q;
        continue;
      }
      if (type === FRAME_CRYPTO) {
        if (!readVarint(p, i + 1, p.length, vi)) return 'CRYPTO frame cut short';
        const offset = vi.value;
        if (!readVarint(p, vi.next, p.length, vi)) return 'CRYPTO frame cut short';
        const len = vi.value;
        const at = vi.next;
        if (at + len > p.length) return 'CRYPTO frame data beyond the packet';
        if (offset + len > MAX_CRYPTO) return `CRYPTO data up to offset ${offset + len} beyond ${MAX_CRYPTO}`;
        this.put(offset, p.subarray(at, at + len));
        i = at + len;
        continue;
      }
      if (type === FRAME_CONNECTION_CLOSE) return undefined;
      return `unexpected frame type 0x${type.toString(16)} in an Initial packet`;
    }
    return undefined;
  }

  private put(offset: number, chunk: Buffer): void {
    const end = offset + chunk.length;
    if (end > this.buf.length) {
      const grown = Buffer.alloc(Math.min(MAX_CRYPTO, Math.max(end, this.buf.length * 2, 2048)));
      this.buf.copy(grown);
      this.buf = grown;
    }
    chunk.copy(this.buf, offset);
    const r = [...this.ranges, [offset, end] as [number, number]].sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const x of r) {
      const last = merged[merged.length - 1];
      if (last && x[0] <= last[1]) last[1] = Math.max(last[1], x[1]);
      else merged.push([x[0], x[1]]);
    }
    this.ranges = merged;
  }
}
