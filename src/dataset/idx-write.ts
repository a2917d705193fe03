/** Writes the corpus layout (idx3 images, idx1 labels, gzip) that `moat ml train --ustc DIR` reads. */
import { gzipSync } from 'node:zlib';

export function idxImages(bytes: Uint8Array, n: number, width: number): Buffer {
  // 784 bytes are the corpus's 28 × 28; other widths are one row.
  const rows = width === 784 ? 28 : 1;
  const head = Buffer.alloc(16);
  head.writeUInt32BE(0x803, 0);
  head.writeUInt32BE(n, 4);
  head.writeUInt32BE(rows, 8);
  head.writeUInt32BE(width / rows, 12);
  // mtime 0 in the gzip header: the same rows give the same file, hence the same hash.
  return gzipSync(Buffer.concat([head, bytes.subarray(0, n * width)]), { level: 9 });
}

export function idxLabels(labels: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(0x801, 0);
  head.writeUInt32BE(labels.length, 4);
  return gzipSync(Buffer.concat([head, labels]), { level: 9 });
}
