/** Writes classic pcap (microsecond, little-endian): saved packets, test inputs, sandbox captures. */
import { closeSync, openSync, writeSync } from 'node:fs';

export class PcapWriter {
  private readonly fd: number;
  private readonly hdr = Buffer.alloc(16);
  packets = 0;

  constructor(
    path: string,
    readonly linkType = 1,
    snaplen = 262144,
  ) {
    this.fd = openSync(path, 'w');
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(snaplen, 16);
    h.writeUInt32LE(linkType, 20);
    writeSync(this.fd, h);
  }

  write(frame: Uint8Array, tsUs: number, wirelen = frame.length): void {
    const sec = Math.floor(tsUs / 1e6);
    this.hdr.writeUInt32LE(sec, 0);
    this.hdr.writeUInt32LE(Math.floor(tsUs - sec * 1e6), 4);
    this.hdr.writeUInt32LE(frame.length, 8);
    this.hdr.writeUInt32LE(wirelen, 12);
    writeSync(this.fd, this.hdr);
    writeSync(this.fd, frame);
    this.packets++;
  }

  close(): void {
    closeSync(this.fd);
  }
}
