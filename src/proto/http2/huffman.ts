/**
 * HPACK Huffman decoding (RFC 7541 §5.2): a binary trie built once from Appendix B's code table, walked bit
 * by bit. Padding must be a prefix of EOS (all ones) and at most 7 bits; an EOS symbol inside the string is an
 * error (§5.2). Errors return undefined, never throw.
 */
import { HUFFMAN_CODES, HUFFMAN_LENGTHS } from './hpack-tables.js';

/** Node i's children at 2i (bit 0) and 2i+1 (bit 1): 0 = none, > 0 = node index, < 0 = leaf −(symbol+1). */
const trie = buildTrie();

function buildTrie(): Int32Array {
  const t = new Int32Array(2 * 512);
  let nodes = 1;
  for (let sym = 0; sym < 256; sym++) {
    const code = HUFFMAN_CODES[sym];
    const len = HUFFMAN_LENGTHS[sym];
    let n = 0;
    for (let b = len - 1; b >= 0; b--) {
      const slot = 2 * n + ((code >>> b) & 1);
      if (b === 0) t[slot] = -(sym + 1);
      else {
        if (t[slot] === 0) t[slot] = nodes++;
        n = t[slot];
      }
    }
  }
  return t;
}

/** Scratch for decoded bytes: a string is at most 8/5 of its encoded length (5 bits is the shortest code). */
let scratch = Buffer.allocUnsafe(4096);

/** Decodes buf[off, off+len) as Huffman-coded text; undefined when the code is invalid. */
export function huffmanDecode(buf: Buffer, off: number, len: number): string | undefined {
  const need = Math.ceil((len * 8) / 5);
  if (need > scratch.length) scratch = Buffer.allocUnsafe(need);
  let out = 0;
  let node = 0;
  // Bits since the last symbol, and whether they were all ones (only such a tail may be padding).
  let tail = 0;
  let ones = true;
  for (let i = off; i < off + len; i++) {
    const byte = buf[i];
    for (let b = 7; b >= 0; b--) {
      const bit = (byte >>> b) & 1;
      const next = trie[2 * node + bit];
      tail++;
      if (bit === 0) ones = false;
      if (next < 0) {
        scratch[out++] = -next - 1;
        node = 0;
        tail = 0;
        ones = true;
      } else if (next === 0) {
        return undefined; // only EOS's 30 ones lead nowhere in this trie: EOS in a string is an error
      } else node = next;
    }
  }
  if (tail > 7 || !ones) return undefined;
  return scratch.toString('latin1', 0, out);
}
