/**
 * DTLS handshake message reassembly (RFC 6347 §4.2.3, RFC 9147 §5.5): each message travels as fragments
 * (message_seq, fragment_offset, fragment_length) that may be split over records and datagrams, repeated, or
 * arrive out of order. Bounded: a message longer than MAX_MESSAGE and more than MAX_PENDING messages at once are
 * refused.
 */

/** As the TLS parser's bound: admits a large certificate chain, bounds a hostile length. */
export const MAX_MESSAGE = 512 * 1024;
export const MAX_PENDING = 16;

interface Pending {
  type: number;
  length: number;
  buf: Buffer;
  /** Byte ranges received, merged and sorted. */
  ranges: [number, number][];
}

export interface Completed {
  type: number;
  seq: number;
  body: Buffer;
}

export class MessageAssembler {
  private readonly pending = new Map<number, Pending>();
  /** Sequence numbers already completed (retransmissions are ignored). */
  private readonly done = new Set<number>();

  /** Adds one fragment; returns the message when it is now complete, or a reason it was refused. */
  add(
    type: number,
    length: number,
    seq: number,
    fragOff: number,
    frag: Buffer,
  ): Completed | { error: string } | undefined {
    if (this.done.has(seq)) return undefined;
    if (length > MAX_MESSAGE) return { error: `handshake message of ${length} bytes over ${MAX_MESSAGE}` };
    if (fragOff + frag.length > length)
      return { error: `fragment beyond its message (${fragOff}+${frag.length} > ${length})` };
    if (fragOff === 0 && frag.length === length) {
      this.done.add(seq);
      this.pending.delete(seq);
      return { type, seq, body: frag };
    }
    let p = this.pending.get(seq);
    if (!p) {
      if (this.pending.size >= MAX_PENDING)
        return { error: `over ${MAX_PENDING} handshake messages incomplete` };
      p = { type, length, buf: Buffer.alloc(length), ranges: [] };
      this.pending.set(seq, p);
    } else if (p.type !== type || p.length !== length)
      return { error: `fragments of message ${seq} disagree` };
    frag.copy(p.buf, fragOff);
    const r = [...p.ranges, [fragOff, fragOff + frag.length] as [number, number]].sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const x of r) {
      const last = merged[merged.length - 1];
      if (last && x[0] <= last[1]) last[1] = Math.max(last[1], x[1]);
      else merged.push([x[0], x[1]]);
    }
    p.ranges = merged;
    if (merged.length === 1 && merged[0][0] === 0 && merged[0][1] === length) {
      this.pending.delete(seq);
      this.done.add(seq);
      return { type, seq, body: p.buf };
    }
    return undefined;
  }
}
