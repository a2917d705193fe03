/**
 * DEFLATE (RFC 1951) decoding written for HTTP bodies as browsers and libhtp read them: the output made before an
 * error or before the input ran out is kept (a truncated or damaged body still yields its first bytes), the output
 * is capped by the caller (decompression bombs), and decoding stops at the end of the first stream (bytes after it
 * are ignored, as multi-member gzip is). zlib (RFC 1950) and gzip (RFC 1952) wrappers are read here too; their
 * checksums are not verified, which is what lets a body with a broken CRC through, as browsers let it.
 *
 * Node's zlib cannot be used: its synchronous calls throw away everything on an error, and its streams are
 * asynchronous while the packet path is not.
 */

/** The stream's final block ended. */
export const INFLATE_END = 0;
/** The input ended inside the stream. */
export const INFLATE_TRUNCATED = 1;
/** The data is not valid DEFLATE (or not the wrapper named). */
export const INFLATE_ERROR = 2;
/** The output reached the caller's cap. */
export const INFLATE_LIMIT = 3;

export interface InflateResult {
  out: Buffer;
  status: number;
}

/** Huffman code in canonical form: codes per length, then the symbols ordered by code. */
interface Huffman {
  count: Uint16Array;
  symbol: Uint16Array;
}

const LEN_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
  227, 258,
];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
  6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** Builds a code from symbol lengths; false when the lengths over-subscribe the code space. */
function build(h: Huffman, lengths: Uint8Array, n: number): boolean {
  h.count.fill(0);
  for (let s = 0; s < n; s++) h.count[lengths[s]]++;
  let left = 1;
  for (let len = 1; len <= 15; len++) {
    left = (left << 1) - h.count[len];
    if (left < 0) return false;
  }
  const offs = new Uint16Array(16);
  for (let len = 1; len < 15; len++) offs[len + 1] = offs[len] + h.count[len];
  for (let s = 0; s < n; s++) if (lengths[s] !== 0) h.symbol[offs[lengths[s]]++] = s;
  return true;
}

const newHuffman = (n: number): Huffman => ({ count: new Uint16Array(16), symbol: new Uint16Array(n) });

let fixedLit: Huffman | undefined;
let fixedDist: Huffman | undefined;

function fixedTables(): [Huffman, Huffman] {
  if (!fixedLit || !fixedDist) {
    const l = new Uint8Array(288);
    l.fill(8, 0, 144);
    l.fill(9, 144, 256);
    l.fill(7, 256, 280);
    l.fill(8, 280, 288);
    fixedLit = newHuffman(288);
    build(fixedLit, l, 288);
    const d = new Uint8Array(30).fill(5);
    fixedDist = newHuffman(30);
    build(fixedDist, d, 30);
  }
  return [fixedLit, fixedDist];
}

/** Thrown inside the decoder; caught at its top. */
class Stop {
  constructor(readonly status: number) {}
}

class Inflater {
  private pos: number;
  private bitBuf = 0;
  private bitCnt = 0;
  private out: Buffer;
  private outLen = 0;

  constructor(
    private readonly input: Buffer,
    start: number,
    private readonly limit: number,
  ) {
    this.pos = start;
    this.out = Buffer.allocUnsafe(Math.min(limit, Math.max(1024, (input.length - start) * 4)));
  }

  result(status: number): InflateResult {
    return { out: this.out.subarray(0, this.outLen), status };
  }

  private bits(need: number): number {
    let val = this.bitBuf;
    while (this.bitCnt < need) {
      if (this.pos >= this.input.length) throw new Stop(INFLATE_TRUNCATED);
      val |= this.input[this.pos++] << this.bitCnt;
      this.bitCnt += 8;
    }
    this.bitBuf = val >>> need;
    this.bitCnt -= need;
    return val & ((1 << need) - 1);
  }

  private put(byte: number): void {
    if (this.outLen === this.out.length) this.grow();
    this.out[this.outLen++] = byte;
  }

  private grow(): void {
    if (this.out.length >= this.limit) throw new Stop(INFLATE_LIMIT);
    const next = Buffer.allocUnsafe(Math.min(this.limit, this.out.length * 2));
    this.out.copy(next, 0, 0, this.outLen);
    this.out = next;
  }

  private decode(h: Huffman): number {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len <= 15; len++) {
      code |= this.bits(1);
      const count = h.count[len];
      if (code - count < first) return h.symbol[index + (code - first)];
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    throw new Stop(INFLATE_ERROR);
  }

  private stored(): void {
    this.bitBuf = 0;
    this.bitCnt = 0;
    if (this.pos + 4 > this.input.length) throw new Stop(INFLATE_TRUNCATED);
    const len = this.input.readUInt16LE(this.pos);
    const nlen = this.input.readUInt16LE(this.pos + 2);
    this.pos += 4;
    if (len !== (~nlen & 0xffff)) throw new Stop(INFLATE_ERROR);
    for (let i = 0; i < len; i++) {
      if (this.pos >= this.input.length) throw new Stop(INFLATE_TRUNCATED);
      this.put(this.input[this.pos++]);
    }
  }

  private codes(lit: Huffman, dist: Huffman): void {
    for (;;) {
      const sym = this.decode(lit);
      if (sym < 256) {
        this.put(sym);
        continue;
      }
      if (sym === 256) return;
      const li = sym - 257;
      if (li >= 29) throw new Stop(INFLATE_ERROR);
      const len = LEN_BASE[li] + this.bits(LEN_EXTRA[li]);
      const di = this.decode(dist);
      if (di >= 30) throw new Stop(INFLATE_ERROR);
      const d = DIST_BASE[di] + this.bits(DIST_EXTRA[di]);
      if (d > this.outLen) throw new Stop(INFLATE_ERROR);
      for (let i = 0; i < len; i++) this.put(this.out[this.outLen - d]);
    }
  }

  private dynamic(): void {
    const nlen = this.bits(5) + 257;
    const ndist = this.bits(5) + 1;
    const ncode = this.bits(4) + 4;
    if (nlen > 286 || ndist > 30) throw new Stop(INFLATE_ERROR);
    const lengths = new Uint8Array(320);
    for (let i = 0; i < ncode; i++) lengths[CL_ORDER[i]] = this.bits(3);
    const lencode = newHuffman(19);
    if (!build(lencode, lengths, 19)) throw new Stop(INFLATE_ERROR);
    lengths.fill(0);
    let i = 0;
    while (i < nlen + ndist) {
      const sym = this.decode(lencode);
      if (sym < 16) {
        lengths[i++] = sym;
        continue;
      }
      let len = 0;
      let rep: number;
      if (sym === 16) {
        if (i === 0) throw new Stop(INFLATE_ERROR);
        len = lengths[i - 1];
        rep = 3 + this.bits(2);
      } else if (sym === 17) rep = 3 + this.bits(3);
      else rep = 11 + this.bits(7);
      if (i + rep > nlen + ndist) throw new Stop(INFLATE_ERROR);
      while (rep-- > 0) lengths[i++] = len;
    }
    if (lengths[256] === 0) throw new Stop(INFLATE_ERROR);
    const lit = newHuffman(286);
    const dist = newHuffman(30);
    if (!build(lit, lengths, nlen)) throw new Stop(INFLATE_ERROR);
    if (!build(dist, lengths.subarray(nlen), ndist)) throw new Stop(INFLATE_ERROR);
    this.codes(lit, dist);
  }

  run(): InflateResult {
    try {
      let last = 0;
      while (last === 0) {
        last = this.bits(1);
        const type = this.bits(2);
        if (type === 0) this.stored();
        else if (type === 1) {
          const [l, d] = fixedTables();
          this.codes(l, d);
        } else if (type === 2) this.dynamic();
        else throw new Stop(INFLATE_ERROR);
      }
      return this.result(INFLATE_END);
    } catch (e) {
      if (e instanceof Stop) return this.result(e.status);
      throw e;
    }
  }
}

/** Raw DEFLATE from `input[start…]`, at most `limit` bytes out. */
export function inflateRaw(input: Buffer, limit: number, start = 0): InflateResult {
  return new Inflater(input, start, limit).run();
}

/** zlib-wrapped DEFLATE: the two-byte header must name DEFLATE, check, and need no preset dictionary. */
export function inflateZlib(input: Buffer, limit: number): InflateResult {
  if (input.length < 2) return { out: Buffer.alloc(0), status: INFLATE_TRUNCATED };
  const cmf = input[0];
  const flg = input[1];
  if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0 || (flg & 0x20) !== 0)
    return { out: Buffer.alloc(0), status: INFLATE_ERROR };
  return inflateRaw(input, limit, 2);
}

/**
 * gzip: the member header is read field by field as its flags announce (extra, name, comment, header CRC; reserved
 * flag bits and the CRC's value are not judged), then DEFLATE; the trailer is not checked.
 */
export function inflateGzip(input: Buffer, limit: number): InflateResult {
  const none = (status: number): InflateResult => ({ out: Buffer.alloc(0), status });
  const n = input.length;
  for (let i = 0; i < 3 && i < n; i++) if (input[i] !== [0x1f, 0x8b, 0x08][i]) return none(INFLATE_ERROR);
  if (n < 10) return none(INFLATE_TRUNCATED);
  const flags = input[3];
  let p = 10;
  if (flags & 0x04) {
    if (p + 2 > n) return none(INFLATE_TRUNCATED);
    p += 2 + input.readUInt16LE(p);
  }
  for (const bit of [0x08, 0x10]) {
    if (!(flags & bit)) continue;
    const nul = input.indexOf(0, p);
    if (nul < 0) return none(INFLATE_TRUNCATED);
    p = nul + 1;
  }
  if (flags & 0x02) p += 2;
  if (p > n) return none(INFLATE_TRUNCATED);
  return inflateRaw(input, limit, p);
}
