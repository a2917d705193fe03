/**
 * Classic pcap files: both byte orders, microsecond (0xa1b2c3d4) and nanosecond (0xa1b23c4d) magic, the link type
 * in the header's low 16 bits (the FCS bits above are ignored). Damaged records stop the read with the offset named;
 * a truncated last record is reported, everything before it delivered.
 */
import type { PacketSink, PacketSource, SourceStats } from './packet.js';
import { CaptureFormatError } from './packet.js';
import { ChunkReader } from './chunk-reader.js';

/** A record claiming more than this is damaged: no link layer captures 16 MiB frames. */
const MAX_RECORD = 16 << 20;

export class PcapFileSource implements PacketSource {
  readonly description: string;
  /** Bytes of the file consumed so far (progress). */
  bytesRead = 0;

  constructor(readonly path: string) {
    this.description = `pcap file ${path}`;
  }

  async run(sink: PacketSink): Promise<SourceStats> {
    const r = new ChunkReader(this.path);
    const stats: SourceStats = { packets: 0, bytes: 0, damaged: 0 };
    try {
      if (!r.ensure(24))
        throw new CaptureFormatError(this.path, 0, 'file too short for a pcap header (24 bytes)');
      const b = r.buf;
      const m = b.readUInt32LE(0);
      let le: boolean;
      let nano: boolean;
      if (m === 0xa1b2c3d4 || m === 0xa1b23c4d) {
        le = true;
        nano = m === 0xa1b23c4d;
      } else {
        const mb = b.readUInt32BE(0);
        if (mb !== 0xa1b2c3d4 && mb !== 0xa1b23c4d) {
          throw new CaptureFormatError(
            this.path,
            0,
            `not a pcap file (magic 0x${m.toString(16).padStart(8, '0')})`,
          );
        }
        le = false;
        nano = mb === 0xa1b23c4d;
      }
      const major = le ? b.readUInt16LE(4) : b.readUInt16BE(4);
      if (major !== 2) throw new CaptureFormatError(this.path, 4, `unsupported pcap version ${major}`);
      const snaplen = le ? b.readUInt32LE(16) : b.readUInt32BE(16);
      const linkType = (le ? b.readUInt32LE(20) : b.readUInt32BE(20)) & 0xffff;
      r.pos = 24;
      const limit = Math.max(MAX_RECORD, snaplen > 0 && snaplen < 0x7fffffff ? snaplen : 0);
      for (;;) {
        if (!r.ensure(16)) {
          if (r.end - r.pos > 0) stats.stoppedBecause = `truncated record header at byte ${r.offset}`;
          break;
        }
        const buf = r.buf;
        const p = r.pos;
        const sec = le ? buf.readUInt32LE(p) : buf.readUInt32BE(p);
        const frac = le ? buf.readUInt32LE(p + 4) : buf.readUInt32BE(p + 4);
        const caplen = le ? buf.readUInt32LE(p + 8) : buf.readUInt32BE(p + 8);
        const wirelen = le ? buf.readUInt32LE(p + 12) : buf.readUInt32BE(p + 12);
        if (caplen > limit) {
          stats.stoppedBecause = `damaged record at byte ${r.offset}: captured length ${caplen} exceeds ${limit}`;
          stats.damaged++;
          break;
        }
        if (!r.ensure(16 + caplen)) {
          stats.stoppedBecause = `truncated record at byte ${r.offset}: ${caplen} bytes announced, ${r.end - r.pos - 16} present`;
          break;
        }
        const tsUs = sec * 1e6 + (nano ? Math.floor(frac / 1000) : frac);
        stats.packets++;
        stats.bytes += wirelen;
        r.pos += 16 + caplen;
        this.bytesRead = r.offset;
        sink.onPacket(r.buf, r.pos - caplen, caplen, wirelen < caplen ? caplen : wirelen, tsUs, linkType);
      }
    } finally {
      r.close();
    }
    return stats;
  }
}
