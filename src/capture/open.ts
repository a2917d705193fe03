/** Opens a capture file by its magic number — never by its name (some `.pcapng` files are classic pcap). */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { CaptureFormatError, type PacketSource } from './packet.js';
import { PcapFileSource } from './pcap-file.js';
import type { BufferProvider } from './chunk-reader.js';
import { PcapngFileSource } from './pcapng-file.js';

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
  const head = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (n < 4) throw new CaptureFormatError(path, 0, `file too short (${n} bytes) to be a capture`);
  const le = head.readUInt32LE(0);
  const be = head.readUInt32BE(0);
  if (le === 0x0a0d0d0a) return new PcapngFileSource(path, opts.chunkSize, opts.provider);
  if (le === 0xa1b2c3d4 || le === 0xa1b23c4d || be === 0xa1b2c3d4 || be === 0xa1b23c4d)
    return new PcapFileSource(path, opts.chunkSize, opts.provider);
  throw new CaptureFormatError(
    path,
    0,
    `not a pcap or pcapng file (magic 0x${be.toString(16).padStart(8, '0')})`,
  );
}
