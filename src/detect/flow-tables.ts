/**
 * The rule engine's own per-flow state for stream_size and for the protocols it recognizes itself, kept without an
 * object per flow: flows live until they time out, so on a capture like the bench corpus's big.pcap (43k TCP flows,
 * all still open at its end) a 4-number typed array or a small object per flow was ~10 MB of the peak.
 */
import { guessProto } from './proto-guess.js';

/** Sequence numbers per flow in one shared Float64Array, four a flow (see `StreamSeqs.slot`). */
export class StreamSeqs {
  private readonly at = new Map<number, number>();
  private readonly free: number[] = [];
  private used = 0;
  /** The values; replaced by a larger copy when the table grows, so read it again after `slot`. */
  vals = new Float64Array(4 * 256);

  /**
   * Where the flow's [initial, next] of direction 0 then of direction 1 start in `vals`: made (all NaN, nothing
   * seen yet) on the flow's first use.
   */
  slot(flowId: number): number {
    let i = this.at.get(flowId);
    if (i !== undefined) return i;
    i = this.free.pop();
    if (i === undefined) {
      if (this.used === this.vals.length) {
        const grown = new Float64Array(this.vals.length * 2);
        grown.set(this.vals);
        this.vals = grown;
      }
      i = this.used;
      this.used += 4;
    }
    this.vals.fill(NaN, i, i + 4);
    this.at.set(flowId, i);
    return i;
  }

  /** The flow's slot, or -1 when it has none. */
  find(flowId: number): number {
    return this.at.get(flowId) ?? -1;
  }

  delete(flowId: number): void {
    const i = this.at.get(flowId);
    if (i === undefined) return;
    this.at.delete(flowId);
    this.free.push(i);
  }
}

/**
 * The protocol recognized on each TCP flow by its first data in each direction (see proto-guess.ts), one small
 * integer a flow: the directions already looked at (bits 0 and 1) and the index of the name (from bit 2).
 */
export class FlowGuesses {
  private readonly at = new Map<number, number>();
  /** Index 0: nothing recognized. */
  private readonly names: string[] = [''];

  /** Looks at the flow's first data in direction `dir`; later data that way changes nothing. */
  note(flowId: number, dir: number, b: Uint8Array, off: number, len: number): void {
    const v = this.at.get(flowId) ?? 0;
    const bit = 1 << dir;
    if (v >> 2 !== 0 || (v & bit) !== 0) return;
    const p = guessProto(dir, b, off, len);
    let n = 0;
    if (p !== undefined) {
      n = this.names.indexOf(p);
      if (n < 0) n = this.names.push(p) - 1;
    }
    this.at.set(flowId, (n << 2) | (v & 3) | bit);
  }

  /** The protocol recognized on the flow, '' when none (yet). */
  get(flowId: number): string {
    return this.names[(this.at.get(flowId) ?? 0) >> 2];
  }

  delete(flowId: number): void {
    this.at.delete(flowId);
  }
}
