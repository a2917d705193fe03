/**
 * Byte-range reassembly: the 206 responses that each carry one range of a resource (`Content-Range: bytes
 * a-b/total`) are joined into the whole file, as Suricata does (its HTTP range containers), so the file is logged
 * once whole beside each range's own file. Ranges are keyed by the request's host and the file's name; they may
 * come in any order and over several connections handled by the same parser set.
 *
 * - A range that starts where the joined file ends is appended as it arrives (digests made on the way, nothing
 *   kept); one that overlaps what is joined has the overlap skipped; one that starts beyond is buffered until the
 *   bytes before it arrive, and merged then.
 * - The file is complete, and handed back once, when its bytes reach the largest total a range named.
 *
 * Bounded memory: buffered ranges count against `memcap` (bytes; a range that does not fit is skipped, as Suricata
 * skips it at its `byterange.memcap`); at most MAX_RANGE_FILES resources are followed at once; a resource no range
 * touched for `timeoutUs` (packet time) is dropped with what it held (Suricata's `byterange.timeout`).
 */
import { fileHasher, type FileHashName, type FileHasher } from './file-hash.js';
import type { FileSink } from './body-file.js';
import type { HttpFile } from './types.js';

/** Resources followed at once; a new one beyond this is not joined. */
export const MAX_RANGE_FILES = 1024;

export interface RangeSettings {
  /** Bytes of out-of-order ranges held at most, all resources together. */
  memcap: number;
  /** A resource untouched this long (µs of packet time) is dropped. */
  timeoutUs: number;
}

/** Suricata's byterange timeout (60 s); moat holds 16 MiB of out-of-order ranges (Suricata: 100 MiB). */
export const DEFAULT_RANGE_SETTINGS: RangeSettings = { memcap: 16 << 20, timeoutUs: 60_000_000 };

interface Fragment {
  start: number;
  /** Gap bytes before its data (a hole inside the range's body). */
  gap: number;
  data: Buffer;
  /** Bytes of `data` filled. */
  len: number;
  /** Bytes counted against the memcap while the range is open. */
  reserved: number;
}

export interface RangeFile {
  name: string;
  total: number;
  /** Bytes joined from offset 0. */
  joined: number;
  gaps: boolean;
  hasher: FileHasher | undefined;
  /** Out-of-order ranges, sorted by start. */
  fragments: Fragment[];
  /** A range is being appended in order right now. */
  owned: boolean;
  touchedUs: number;
}

const MODE_SKIP = 0;
const MODE_APPEND = 1;
const MODE_BUFFER = 2;

/** One response's range on its way into the table: its body's bytes come through the FileSink methods. */
export class RangeBlock implements FileSink {
  /** Bytes at the start of the range already joined. */
  toskip = 0;

  constructor(
    readonly file: RangeFile,
    readonly mode: number,
    readonly fragment: Fragment | undefined,
  ) {}

  data(buf: Buffer, off: number, n: number): void {
    if (this.toskip > 0) {
      const s = Math.min(this.toskip, n);
      this.toskip -= s;
      off += s;
      n -= s;
    }
    if (n <= 0) return;
    const f = this.file;
    if (this.mode === MODE_APPEND) {
      f.hasher?.update(buf, off, n);
      f.joined += n;
    } else if (this.mode === MODE_BUFFER) {
      const fr = this.fragment!;
      const take = Math.min(n, fr.data.length - fr.len);
      buf.copy(fr.data, fr.len, off, off + take);
      fr.len += take;
    }
  }

  gap(n: number): void {
    if (this.toskip > 0) {
      const s = Math.min(this.toskip, n);
      this.toskip -= s;
      n -= s;
    }
    if (n <= 0) return;
    if (this.mode === MODE_APPEND) {
      this.file.joined += n;
      this.file.gaps = true;
    } else if (this.mode === MODE_BUFFER) {
      const fr = this.fragment!;
      // A hole inside a buffered range: what follows it no longer lines up; keep what came before.
      if (fr.len === 0) fr.gap += n;
      else fr.data = fr.data.subarray(0, fr.len);
    }
  }
}

export class RangeTable {
  private readonly files = new Map<string, RangeFile>();
  /** Bytes reserved by buffered ranges. */
  private memuse = 0;

  constructor(
    private readonly hashes: readonly FileHashName[] | undefined,
    private readonly settings: RangeSettings = DEFAULT_RANGE_SETTINGS,
  ) {}

  /** Bytes held by out-of-order ranges now. */
  get held(): number {
    return this.memuse;
  }

  get size(): number {
    return this.files.size;
  }

  /**
   * A response carrying bytes [start, end] of a resource of `total` bytes begins; undefined when it is not joined
   * (a table full of other resources, or no room for an out-of-order range).
   */
  open(
    key: string,
    name: string,
    start: number,
    end: number,
    total: number,
    tsUs: number,
  ): RangeBlock | undefined {
    this.expire(tsUs);
    let f = this.files.get(key);
    if (!f) {
      if (this.files.size >= MAX_RANGE_FILES) return undefined;
      f = {
        name,
        total,
        joined: 0,
        gaps: false,
        hasher: fileHasher(this.hashes),
        fragments: [],
        owned: false,
        touchedUs: tsUs,
      };
      this.files.set(key, f);
    }
    f.touchedUs = tsUs;
    // Ranges naming different totals: the file grows to the largest.
    if (total > f.total) f.total = total;
    const len = end - start + 1;
    if (start === f.joined && !f.owned) {
      f.owned = true;
      return new RangeBlock(f, MODE_APPEND, undefined);
    }
    if (start < f.joined && f.joined - start >= len) {
      const b = new RangeBlock(f, MODE_SKIP, undefined);
      b.toskip = len;
      return b;
    }
    if (start < f.joined && !f.owned) {
      f.owned = true;
      const b = new RangeBlock(f, MODE_APPEND, undefined);
      b.toskip = f.joined - start;
      return b;
    }
    if (this.memuse + len > this.settings.memcap) return undefined;
    this.memuse += len;
    return new RangeBlock(f, MODE_BUFFER, { start, gap: 0, data: Buffer.alloc(len), len: 0, reserved: len });
  }

  /** A range's body is over: the whole file when this range completed it, else undefined. */
  close(b: RangeBlock, key: string): HttpFile | undefined {
    const f = b.file;
    if (this.files.get(key) !== f) {
      // Dropped meanwhile (timeout): only its reservation is left to return.
      if (b.fragment) this.memuse -= b.fragment.reserved;
      return undefined;
    }
    if (b.mode === MODE_SKIP) return undefined;
    if (b.mode === MODE_BUFFER) {
      const fr = b.fragment!;
      const reserved = fr.reserved;
      fr.data = fr.data.subarray(0, fr.len);
      if (
        fr.len === 0 ||
        f.joined >= fr.start + fr.gap + fr.len ||
        f.fragments.some((x) => x.start === fr.start)
      ) {
        this.memuse -= reserved;
        return undefined;
      }
      this.memuse -= reserved - fr.len;
      let i = 0;
      while (i < f.fragments.length && f.fragments[i].start < fr.start) i++;
      f.fragments.splice(i, 0, fr);
      if (f.owned) return undefined;
    } else {
      f.owned = false;
    }
    this.merge(f);
    if (f.joined < f.total) return undefined;
    this.drop(key, f);
    const digests = f.hasher ? f.hasher.digest() : {};
    return { name: f.name, size: f.joined, gaps: f.gaps, state: f.gaps ? 'TRUNCATED' : 'CLOSED', ...digests };
  }

  /** A range whose body will not be closed (its transaction is gone): its claim and reservation are released. */
  abandon(b: RangeBlock, key: string): void {
    if (b.fragment) this.memuse -= b.fragment.reserved;
    if (b.mode === MODE_APPEND && this.files.get(key) === b.file) b.file.owned = false;
  }

  /** Buffered ranges that now continue the joined bytes are appended. */
  private merge(f: RangeFile): void {
    while (f.fragments.length > 0) {
      const fr = f.fragments[0];
      if (fr.start > f.joined) break;
      f.fragments.shift();
      this.memuse -= fr.data.length;
      const dataStart = fr.start + fr.gap;
      if (fr.gap > 0 && f.joined < dataStart) {
        f.gaps = true;
        f.joined = dataStart;
      }
      const skip = f.joined - dataStart;
      if (skip < fr.len) {
        f.hasher?.update(fr.data, skip, fr.len - skip);
        f.joined += fr.len - skip;
      }
    }
  }

  private drop(key: string, f: RangeFile): void {
    for (const fr of f.fragments) this.memuse -= fr.data.length;
    f.fragments = [];
    this.files.delete(key);
  }

  private expire(tsUs: number): void {
    if (this.files.size === 0) return;
    for (const [key, f] of this.files) {
      if (tsUs - f.touchedUs > this.settings.timeoutUs && !f.owned) this.drop(key, f);
    }
  }
}
