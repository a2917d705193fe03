/**
 * Where synthetic frames go. The CLI writes them through the capture layer's pcap writer; this module
 * only fixes the shape it needs, plus an in-memory classic-pcap encoding used until/unless a writer is
 * supplied (and by tests that compare bytes).
 */
import { LINKTYPE_ETHERNET } from '../capture/index.js';
import type { SynthFrame } from './net/capture.js';

export interface FrameWriter {
  write(buf: Buffer, tsUs: number, wirelen?: number): void;
  close(): void | Promise<void>;
}

/** Classic little-endian microsecond pcap (magic a1b2c3d4, version 2.4, snaplen 262144, Ethernet). */
export function encodePcap(frames: readonly SynthFrame[]): Buffer {
  let size = 24;
  for (const f of frames) size += 16 + f.data.length;
  const out = Buffer.alloc(size);
  out.writeUInt32LE(0xa1b2c3d4, 0);
  out.writeUInt16LE(2, 4);
  out.writeUInt16LE(4, 6);
  out.writeUInt32LE(262144, 16);
  out.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  let off = 24;
  for (const f of frames) {
    const sec = Math.floor(f.tsUs / 1e6);
    out.writeUInt32LE(sec, off);
    out.writeUInt32LE(f.tsUs - sec * 1e6, off + 4);
    out.writeUInt32LE(f.data.length, off + 8);
    out.writeUInt32LE(f.data.length, off + 12);
    f.data.copy(out, off + 16);
    off += 16 + f.data.length;
  }
  return out;
}
