/**
 * One IP datagram being reassembled: its key, the first fragment's header, and its payload with a bitmap of
 * the 8-byte blocks already stored. Overlapping bytes keep what arrived first (a fixed policy, so a capture
 * always reassembles the same way); any overlap marks the datagram. The table (ip-reassembly.ts) owns
 * lookup, ageing and the memory bounds.
 */

/** version, src (4 words), dst (4), id, protocol, two VLAN ids. */
export const KEY_WORDS = 13;
/** The largest IP payload a datagram can carry. */
export const MAX_DATA = 65535;
const BLOCKS = 8192;
export const EMPTY = Buffer.alloc(0);

export class Datagram {
  readonly key = new Uint32Array(KEY_WORDS);
  hash = 0;
  data: Buffer = EMPTY;
  /** One bit per 8-byte block of the payload that holds data. */
  readonly covered = new Uint8Array(BLOCKS / 8 + 1);
  coveredBlocks = 0;
  /** One past the highest payload byte stored. */
  maxEnd = 0;
  /** Payload length, known once the last fragment (MF = 0) arrived; -1 before. */
  total = -1;
  /** The first fragment's IP header (IPv4 with options; IPv6's fixed 40 bytes). */
  readonly header = Buffer.alloc(60);
  headerLen = 0;
  /** IPv6: the next header the fragment header announced. */
  nextHeader = 0;
  firstUs = 0;
  overlap = false;
  /** Fragments that overlapped stored data or contradicted the end (for the table's statistics). */
  overlapEvents = 0;
  bucketNext: Datagram | null = null;
  older: Datagram | null = null;
  newer: Datagram | null = null;

  clear(): void {
    this.covered.fill(0);
    this.coveredBlocks = 0;
    this.maxEnd = 0;
    this.total = -1;
    this.headerLen = 0;
    this.overlap = false;
    this.overlapEvents = 0;
    this.bucketNext = null;
    this.older = null;
    this.newer = null;
  }

  /**
   * Where a fragment at `fragOffset` with `len` bytes really ends once the datagram's end is taken into
   * account; records an end set by the last fragment. A result <= fragOffset means nothing to store.
   */
  fragmentEnd(fragOffset: number, len: number, more: boolean): number {
    let end = fragOffset + len;
    if (more) {
      // Only the last fragment may end off an 8-byte boundary; stray tail bytes of others are not data.
      end &= ~7;
    } else if (this.total < 0) {
      this.total = end;
      if (this.maxEnd > end) {
        // Data was stored past the end the last fragment sets: it is not part of the datagram.
        this.markOverlap();
        this.dropBlocksFrom((end + 7) >>> 3);
        this.maxEnd = end;
      }
    } else if (end !== this.total) {
      // A second, different "last" fragment: the first one stands.
      this.markOverlap();
    }
    if (this.total >= 0 && end > this.total) {
      this.markOverlap();
      end = this.total;
    }
    return end;
  }

  /** Copies the fragment's bytes into blocks not yet stored (storage must already reach `end`). */
  store(b: Buffer, dataOff: number, fragOffset: number, end: number): void {
    if (end > this.maxEnd) this.maxEnd = end;
    const cov = this.covered;
    const lastBlock = (end + 7) >>> 3;
    let i = fragOffset >>> 3;
    let overlapped = false;
    while (i < lastBlock) {
      if ((cov[i >>> 3] & (1 << (i & 7))) !== 0) {
        overlapped = true;
        i++;
        continue;
      }
      let j = i;
      while (j < lastBlock && (cov[j >>> 3] & (1 << (j & 7))) === 0) {
        cov[j >>> 3] |= 1 << (j & 7);
        j++;
      }
      this.coveredBlocks += j - i;
      const from = i << 3;
      const to = Math.min(j << 3, end);
      b.copy(this.data, from, dataOff + (from - fragOffset), dataOff + (to - fragOffset));
      i = j;
    }
    if (overlapped) this.markOverlap();
  }

  /** Every block up to the end is stored, and the first fragment's header is known. */
  complete(): boolean {
    return this.total >= 0 && this.headerLen > 0 && this.coveredBlocks === (this.total + 7) >>> 3;
  }

  private markOverlap(): void {
    this.overlap = true;
    this.overlapEvents++;
  }

  private dropBlocksFrom(first: number): void {
    const cov = this.covered;
    for (let i = first; i < BLOCKS; i++) {
      if ((cov[i >>> 3] & (1 << (i & 7))) !== 0) {
        cov[i >>> 3] &= ~(1 << (i & 7));
        this.coveredBlocks--;
      }
    }
  }
}
