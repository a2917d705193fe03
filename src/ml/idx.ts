/**
 * The corpus layout of USTC-TFC2016 (and MNIST): a folder holding `images-idx3-ubyte.gz` (magic 0x00000803, count,
 * rows, cols, then count × rows × cols bytes) and `labels-idx1-ubyte.gz` (magic 0x00000801, count, then one byte a
 * label). Headers are big-endian. Every image is one session's first rows × cols bytes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { InputError } from '../framework/errors.js';

export interface SessionSet {
  /** Where it came from (folder), for messages and manifests. */
  source: string;
  n: number;
  /** Bytes per session. */
  width: number;
  /** n × width bytes, row-major. */
  bytes: Uint8Array;
  /** One class id per session. */
  labels: Uint8Array;
}

/** Bigger than any real set: a header that claims more is refused before the allocation. */
const MAX_BYTES = 1 << 30;

function gunzipFile(path: string): Buffer {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    throw new InputError(`${path}: cannot read: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw, { maxOutputLength: MAX_BYTES }) : raw;
  } catch (err) {
    throw new InputError(`${path}: not valid gzip: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Parses an idx3 image file's bytes (after gunzip). */
export function parseIdxImages(
  buf: Uint8Array,
  name: string,
): { n: number; width: number; bytes: Uint8Array } {
  if (buf.length < 16)
    throw new InputError(`${name}: ${buf.length} bytes, shorter than the 16-byte idx3 header`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = dv.getUint32(0);
  if (magic !== 0x803)
    throw new InputError(`${name}: byte 0: magic 0x${magic.toString(16)} is not idx3 unsigned bytes (0x803)`);
  const n = dv.getUint32(4);
  const width = dv.getUint32(8) * dv.getUint32(12);
  if (width === 0 || width > 65536)
    throw new InputError(`${name}: byte 8: image size ${width} bytes is out of range`);
  const need = 16 + n * width;
  if (need > buf.length)
    throw new InputError(
      `${name}: header declares ${n} images of ${width} bytes, the file holds ${buf.length - 16} bytes (truncated)`,
    );
  return { n, width, bytes: buf.subarray(16, need) };
}

export function parseIdxLabels(buf: Uint8Array, name: string): Uint8Array {
  if (buf.length < 8)
    throw new InputError(`${name}: ${buf.length} bytes, shorter than the 8-byte idx1 header`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = dv.getUint32(0);
  if (magic !== 0x801)
    throw new InputError(`${name}: byte 0: magic 0x${magic.toString(16)} is not idx1 unsigned bytes (0x801)`);
  const n = dv.getUint32(4);
  if (8 + n > buf.length)
    throw new InputError(
      `${name}: header declares ${n} labels, the file holds ${buf.length - 8} (truncated)`,
    );
  return buf.subarray(8, 8 + n);
}

/** Reads a folder in the corpus layout. */
export function readUstcFolder(dir: string): SessionSet {
  const imgPath = join(dir, 'images-idx3-ubyte.gz');
  const labPath = join(dir, 'labels-idx1-ubyte.gz');
  const img = parseIdxImages(gunzipFile(imgPath), imgPath);
  const labels = parseIdxLabels(gunzipFile(labPath), labPath);
  if (labels.length !== img.n)
    throw new InputError(`${labPath}: ${labels.length} labels for ${img.n} images in ${imgPath}`);
  return { source: dir, n: img.n, width: img.width, bytes: img.bytes, labels };
}

/** The sessions at `rows`, copied into a new set. */
export function subset(s: SessionSet, rows: ArrayLike<number>): SessionSet {
  const n = rows.length;
  const bytes = new Uint8Array(n * s.width);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    bytes.set(s.bytes.subarray(r * s.width, (r + 1) * s.width), i * s.width);
    labels[i] = s.labels[r];
  }
  return { source: s.source, n, width: s.width, bytes, labels };
}

/** Writes a set as a folder in the corpus layout (square images when the width is a square, else 1 × width). */
export function writeUstcFolder(dir: string, s: SessionSet): void {
  mkdirSync(dir, { recursive: true });
  const side = Math.sqrt(s.width);
  const [rows, cols] = Number.isInteger(side) ? [side, side] : [1, s.width];
  const img = Buffer.alloc(16 + s.n * s.width);
  img.writeUInt32BE(0x803, 0);
  img.writeUInt32BE(s.n, 4);
  img.writeUInt32BE(rows, 8);
  img.writeUInt32BE(cols, 12);
  img.set(s.bytes.subarray(0, s.n * s.width), 16);
  const lab = Buffer.alloc(8 + s.n);
  lab.writeUInt32BE(0x801, 0);
  lab.writeUInt32BE(s.n, 4);
  lab.set(s.labels.subarray(0, s.n), 8);
  writeFileSync(join(dir, 'images-idx3-ubyte.gz'), gzipSync(img));
  writeFileSync(join(dir, 'labels-idx1-ubyte.gz'), gzipSync(lab));
}
