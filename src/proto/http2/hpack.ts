/**
 * HPACK header block decoding (RFC 7541), one decoder per direction of a connection. The dynamic table is
 * bounded twice: by the size the peer's SETTINGS allow and by MAX_TABLE_SIZE whatever they say, so a hostile
 * peer cannot make moat hold more than that per direction. Damage in a block is reported as an entry (as
 * Suricata logs it) and never throws; a block that cannot be walked further ends with an error entry.
 */
import { STATIC_TABLE } from './hpack-tables.js';
import { huffmanDecode } from './huffman.js';

/** RFC 7541's default and SETTINGS_HEADER_TABLE_SIZE's initial value. */
export const DEFAULT_TABLE_SIZE = 4096;
/** The most moat keeps per direction, whatever SETTINGS allow (each entry costs its bytes + 32). */
export const MAX_TABLE_SIZE = 65536;
/** Fields decoded from one block at most: a block of 1-byte indexed fields cannot make an unbounded list. */
export const MAX_FIELDS = 512;

/** What one representation in a block gave: a field, a table size update, or a decoding error. */
export type HeaderEntry =
  | { name: string; value: string }
  | { sizeUpdate: number }
  | { error: 'HTTP2HeaderDecodeNotIndexed' | 'HTTP2HeaderDecodeIndex0' | 'HTTP2HeaderDecodeError' };

export function isField(e: HeaderEntry): e is { name: string; value: string } {
  return 'name' in e;
}

const vi = { value: 0, next: 0 };

/** RFC 7541 §5.1 integer with an N-bit prefix at buf[p]; false when cut short or beyond 2^31. */
function readInt(buf: Buffer, p: number, end: number, prefixBits: number, out: typeof vi): boolean {
  if (p >= end) return false;
  const max = (1 << prefixBits) - 1;
  let v = buf[p++] & max;
  if (v === max) {
    let shift = 0;
    for (;;) {
      if (p >= end || shift > 28) return false;
      const b = buf[p++];
      v += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) break;
    }
    if (v > 0x7fffffff) return false;
  }
  out.value = v;
  out.next = p;
  return true;
}

const str = { text: '', next: 0 };

/** §5.2 string literal; false when cut short or badly Huffman-coded. */
function readString(buf: Buffer, p: number, end: number): boolean {
  if (p >= end) return false;
  const huff = (buf[p] & 0x80) !== 0;
  if (!readInt(buf, p, end, 7, vi)) return false;
  const at = vi.next;
  const len = vi.value;
  if (at + len > end) return false;
  const s = huff ? huffmanDecode(buf, at, len) : buf.toString('latin1', at, at + len);
  if (s === undefined) return false;
  str.text = s;
  str.next = at + len;
  return true;
}

export class HpackDecoder {
  /** Newest entry last; index 62 is the newest. */
  private readonly names: string[] = [];
  private readonly values: string[] = [];
  private size = 0;
  private maxSize = DEFAULT_TABLE_SIZE;
  /** What the peer's SETTINGS allow the encoder (capped at MAX_TABLE_SIZE). */
  private allowed = DEFAULT_TABLE_SIZE;

  /** The receiver's SETTINGS_HEADER_TABLE_SIZE: the most a table size update may ask for. */
  setAllowed(size: number): void {
    this.allowed = Math.min(size, MAX_TABLE_SIZE);
    // A smaller limit binds at once (the encoder must not use more); a larger one waits for its size update.
    if (this.allowed < this.maxSize) {
      this.maxSize = this.allowed;
      this.evict(0);
    }
  }

  get tableSize(): number {
    return this.size;
  }

  get entryCount(): number {
    return this.names.length;
  }

  /** Decodes one complete header block; `out` receives one entry per representation. */
  decode(buf: Buffer, off: number, end: number, out: HeaderEntry[]): void {
    let p = off;
    while (p < end) {
      if (out.length >= MAX_FIELDS) {
        out.push({ error: 'HTTP2HeaderDecodeError' });
        return;
      }
      const b = buf[p];
      if (b & 0x80) {
        // §6.1 indexed field.
        if (!readInt(buf, p, end, 7, vi)) return void out.push({ error: 'HTTP2HeaderDecodeError' });
        p = vi.next;
        out.push(this.lookup(vi.value, true));
      } else if ((b & 0xe0) === 0x20) {
        // §6.3 dynamic table size update.
        if (!readInt(buf, p, end, 5, vi)) return void out.push({ error: 'HTTP2HeaderDecodeError' });
        p = vi.next;
        this.maxSize = Math.min(vi.value, this.allowed, MAX_TABLE_SIZE);
        this.evict(0);
        out.push({ sizeUpdate: vi.value });
      } else {
        // §6.2 literal: with incremental indexing (01), without (0000) or never indexed (0001).
        const incremental = (b & 0xc0) === 0x40;
        if (!readInt(buf, p, end, incremental ? 6 : 4, vi))
          return void out.push({ error: 'HTTP2HeaderDecodeError' });
        p = vi.next;
        let name: string;
        let nameError: HeaderEntry | undefined;
        if (vi.value === 0) {
          if (!readString(buf, p, end)) return void out.push({ error: 'HTTP2HeaderDecodeError' });
          name = str.text;
          p = str.next;
        } else {
          const e = this.lookup(vi.value, false);
          if (isField(e)) name = e.name;
          else {
            name = '';
            nameError = e;
          }
        }
        if (!readString(buf, p, end)) return void out.push({ error: 'HTTP2HeaderDecodeError' });
        p = str.next;
        const value = str.text;
        if (nameError) {
          out.push(nameError);
          continue;
        }
        if (incremental) this.add(name, value);
        out.push({ name, value });
      }
    }
  }

  private lookup(index: number, withValue: boolean): HeaderEntry {
    if (index === 0) return { error: 'HTTP2HeaderDecodeIndex0' };
    if (index <= STATIC_TABLE.length) {
      const e = STATIC_TABLE[index - 1];
      return { name: e[0], value: withValue ? e[1] : '' };
    }
    const d = index - STATIC_TABLE.length;
    if (d > this.names.length) return { error: 'HTTP2HeaderDecodeNotIndexed' };
    const i = this.names.length - d;
    return { name: this.names[i], value: withValue ? this.values[i] : '' };
  }

  /** §4.4: an entry larger than the table empties it and is not added. */
  private add(name: string, value: string): void {
    const cost = name.length + value.length + 32;
    if (cost > this.maxSize) {
      this.names.length = 0;
      this.values.length = 0;
      this.size = 0;
      return;
    }
    this.evict(cost);
    this.names.push(name);
    this.values.push(value);
    this.size += cost;
  }

  /** Drops the oldest entries until `room` more bytes fit. */
  private evict(room: number): void {
    let drop = 0;
    let size = this.size;
    while (size + room > this.maxSize && drop < this.names.length) {
      size -= this.names[drop].length + this.values[drop].length + 32;
      drop++;
    }
    if (drop > 0) {
      this.names.splice(0, drop);
      this.values.splice(0, drop);
      this.size = size;
    }
  }
}
