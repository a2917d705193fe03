/**
 * Opens a capture file by its magic number — never by its name (some `.pcapng` files are classic pcap, and a
 * gzip-compressed capture is recognised by gzip's own magic bytes, 1f 8b, whatever it is called). The file
 * header is checked here, so a caller can open its input before it creates any output: a file that is not a
 * capture fails before an empty EVE file exists.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { CaptureFormatError, type PacketSource } from './packet.js';
import { PcapFileSource } from './pcap-file.js';
import type { BufferProvider } from './chunk-reader.js';
import { PcapngFileSource } from './pcapng-file.js';
import { gunzipHead, isGzip } from './gunzip-feed.js';

/** Bytes of file header looked at: a pcap file header, or a pcapng block header with its byte-order magic. */
const HEAD = 24;

function readHead(path: string): Buffer {
  const head = Buffer.alloc(HEAD);
  const fd = openSync(path, 'r');
  try {
    return head.subarray(0, readSync(fd, head, 0, HEAD, 0));
  } finally {
    closeSync(fd);
  }
}

/** Throws CaptureFormatError unless `head` starts a pcap or pcapng file moat reads; returns which it is. */
function captureKind(path: string, head: Buffer): 'pcap' | 'pcapng' {
  if (head.length < 4)
    throw new CaptureFormatError(path, 0, `file too short (${head.length} bytes) to be a capture`);
  const le = head.readUInt32LE(0);
  const be = head.readUInt32BE(0);
  if (le === 0x0a0d0d0a) {
    if (head.length >= 12) {
      const bom = head.readUInt32LE(8);
      if (bom !== 0x1a2b3c4d && bom !== 0x4d3c2b1a)
        throw new CaptureFormatError(path, 8, `bad section byte-order magic 0x${bom.toString(16)}`);
    }
    return 'pcapng';
  }
  const pcapLe = le === 0xa1b2c3d4 || le === 0xa1b23c4d || le === 0xa1b2cd34;
  const pcapBe = be === 0xa1b2c3d4 || be === 0xa1b23c4d || be === 0xa1b2cd34;
  if (pcapLe || pcapBe) {
    if (head.length >= 6) {
      const major = pcapLe ? head.readUInt16LE(4) : head.readUInt16BE(4);
      if (major !== 2) throw new CaptureFormatError(path, 4, `unsupported pcap version ${major}`);
    }
    return 'pcap';
  }
  throw new CaptureFormatError(
    path,
    0,
    `not a pcap or pcapng file (magic 0x${be.toString(16).padStart(8, '0')})`,
  );
}

export function openCaptureFile(
  path: string,
  opts: { chunkSize?: number; provider?: BufferProvider } = {},
): PacketSource & { bytesRead: number } {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    throw new CaptureFormatError(path, 0, `cannot open: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!st.isFile()) throw new CaptureFormatError(path, 0, 'not a regular file');
  let head = readHead(path);
  const gzip = isGzip(head);
  if (gzip) {
    try {
      head = gunzipHead(path, HEAD);
    } catch (err) {
      throw new CaptureFormatError(
        path,
        0,
        `gzip data does not decompress: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  const kind = captureKind(gzip ? `${path} (decompressed)` : path, head);
  return kind === 'pcapng'
    ? new PcapngFileSource(path, opts.chunkSize, opts.provider, gzip)
    : new PcapFileSource(path, opts.chunkSize, opts.provider, gzip);
}
