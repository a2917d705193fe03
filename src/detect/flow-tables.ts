/**
 * The rule engine's own per-flow state — stream_size's sequence numbers, the protocol it recognizes itself, whether
 * the flow's payload is ciphertext — in typed arrays indexed by a slot each flow gets on first use, one map from
 * flow id to slot for all of it. Flows live until they time out, so on a capture like the bench corpus's big.pcap
 * (43k TCP flows, all still open at its end) a 4-number typed array or a small object per flow, and a map per kind
 * of state, were ~14 MB of the peak.
 */
import { guessProto } from './proto-guess.js';

/** Bits of a slot's mark: the directions already looked at for recognition (1, 2), ciphertext; the name above. */
const ENCRYPTED = 4;
const NAME_SHIFT = 3;

export class RuleFlows {
  private readonly at = new Map<number, number>();
  private readonly free: number[] = [];
  private used = 0;
  private marks = new Uint8Array(256);
  /** Per slot and direction (2 × slot + dir), the name recognized from that direction's first data (0: none). */
  private dirNames = new Uint8Array(512);
  /**
   * Per slot, [initial, next] sequence number of direction 0 then of direction 1 (NaN until seen), when the rules
   * use stream_size; replaced by a larger copy when the table grows, so read it again after `slot`.
   */
  seqs: Float64Array | undefined;
  /** Recognized protocol names; index 0: nothing recognized. */
  private readonly names: string[] = [''];

  constructor(withSeqs: boolean) {
    if (withSeqs) this.seqs = new Float64Array(4 * this.marks.length);
  }

  /**
   * The flow asked for last and its slot: packets come in runs of one flow (a transfer's segments, its ACKs), so
   * most packets skip the map lookup. lastId -1: none.
   */
  private lastId = -1;
  private lastSlot = -1;

  /** The flow's slot, made (nothing seen yet) on its first use. */
  slot(flowId: number): number {
    if (flowId === this.lastId) return this.lastSlot;
    let i = this.at.get(flowId);
    if (i !== undefined) {
      this.lastId = flowId;
      this.lastSlot = i;
      return i;
    }
    i = this.free.pop();
    if (i === undefined) {
      if (this.used === this.marks.length) this.grow();
      i = this.used++;
    }
    this.marks[i] = 0;
    this.dirNames[2 * i] = 0;
    this.dirNames[2 * i + 1] = 0;
    this.seqs?.fill(NaN, 4 * i, 4 * i + 4);
    this.at.set(flowId, i);
    this.lastId = flowId;
    this.lastSlot = i;
    return i;
  }

  /** The flow's slot, or -1 when it has none. */
  find(flowId: number): number {
    if (flowId === this.lastId) return this.lastSlot;
    return this.at.get(flowId) ?? -1;
  }

  delete(flowId: number): void {
    const i = this.at.get(flowId);
    if (i === undefined) return;
    if (flowId === this.lastId) this.lastId = -1;
    this.at.delete(flowId);
    this.free.push(i);
  }

  private grow(): void {
    const marks = new Uint8Array(this.marks.length * 2);
    marks.set(this.marks);
    this.marks = marks;
    const dirNames = new Uint8Array(2 * marks.length);
    dirNames.set(this.dirNames);
    this.dirNames = dirNames;
    if (this.seqs) {
      const seqs = new Float64Array(4 * marks.length);
      seqs.set(this.seqs);
      this.seqs = seqs;
    }
  }

  /** The flow's payload is ciphertext from now on (its TLS handshake is over). */
  setEncrypted(flowId: number): void {
    this.marks[this.slot(flowId)] |= ENCRYPTED;
  }

  encrypted(flowId: number): boolean {
    const i = this.find(flowId);
    return i >= 0 && (this.marks[i] & ENCRYPTED) !== 0;
  }

  /** `encrypted` by slot (the packet path looks the slot up once per packet). */
  encryptedAt(i: number): boolean {
    return (this.marks[i] & ENCRYPTED) !== 0;
  }

  /** The recognized protocol's number at slot i: 0 none (yet); it names `recognizedAt(i)`. */
  recognizedIdAt(i: number): number {
    return this.marks[i] >> NAME_SHIFT;
  }

  recognizedAt(i: number): string {
    return this.names[this.marks[i] >> NAME_SHIFT];
  }

  /**
   * Recognition (see proto-guess.ts) from the flow's first data in direction `dir`: later data that way changes
   * nothing; the flow keeps the first name recognized, each direction its own.
   */
  note(flowId: number, dir: number, b: Uint8Array, off: number, len: number): void {
    this.noteAt(this.slot(flowId), dir, b, off, len);
  }

  /** As `note`, by slot; true when this data made a protocol known for its direction. */
  noteAt(i: number, dir: number, b: Uint8Array, off: number, len: number): boolean {
    const m = this.marks[i];
    const bit = 1 << dir;
    if ((m & bit) !== 0) return false;
    const p = guessProto(dir, b, off, len);
    let n = 0;
    if (p !== undefined) {
      n = this.names.indexOf(p);
      if (n < 0) n = this.names.push(p) - 1;
    }
    this.dirNames[2 * i + dir] = n;
    // guessProto's four names fit the five name bits; the flow keeps its first.
    this.marks[i] = m >> NAME_SHIFT !== 0 ? m | bit : (n << NAME_SHIFT) | m | bit;
    return n !== 0;
  }

  /** Whether direction `dir` of slot i has had data looked at. */
  seenAt(i: number, dir: number): boolean {
    return (this.marks[i] & (1 << dir)) !== 0;
  }

  /** The name recognized from direction `dir`'s first data at slot i, '' when none. */
  recognizedDirAt(i: number, dir: number): string {
    return this.names[this.dirNames[2 * i + dir]];
  }

  /** The protocol recognized on the flow, '' when none (yet). */
  recognized(flowId: number): string {
    const i = this.find(flowId);
    return i < 0 ? '' : this.names[this.marks[i] >> NAME_SHIFT];
  }
}
