/**
 * Classic pcap files: both byte orders, microsecond (0xa1b2c3d4) and nanosecond (0xa1b23c4d) magic, the link type
 * in the header's low 16 bits (the FCS bits above are ignored). Damaged records stop the read with the offset named;
 * a truncated last record is reported, everything before it delivered.
 */
import type { PacketSink, PacketSource, SourceStats } from './packet.js';
import { CaptureFormatError } from './packet.js';
import { ChunkReader, type BufferProvider } from './chunk-reader.js';

/**
 * A record claiming more than this is damaged (libpcap's own ceiling for ordinary link types is 256 KiB); a file
 * whose header announces a larger snapshot length may use up to that, never more than 16 MiB.
 */
const MAX_RECORD = 256 << 10;
const MAX_SNAPLEN = 16 << 20;
/** Alexey Kuznetzov's modified pcap: 8 more bytes per record header (ifindex, protocol, type, pad). */
const MAGIC_KUZNETZOV = 0xa1b2cd34;

/** Unsigned 32-bit reads; the caller has made sure the four bytes are in the buffer. */
function u32le(b: Buffer, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

function u32be(b: Buffer, p: number): number {
  return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}

export class PcapFileSource implements PacketSource {
  readonly description: string;
  /** Bytes of the file consumed so far (progress). */
  bytesRead = 0;

  constructor(
    readonly path: string,
    /** Read-chunk size; tests make it small to exercise records straddling chunk ends. */
    private readonly chunkSize = 8 << 20,
    /** Buffers to read into that are never rewritten behind the sink's back (multi-worker dispatch). */
    private readonly provider?: BufferProvider,
    /** The file is gzip-compressed: read through zlib (offsets in messages are of the decompressed data). */
    private readonly gzip = false,
  ) {
    this.description = `pcap file ${path}${gzip ? ' (gzip)' : ''}`;
  }

  async run(sink: PacketSink): Promise<SourceStats> {
    const r = new ChunkReader(this.path, this.chunkSize, this.provider, this.gzip);
    const stats: SourceStats = { packets: 0, bytes: 0, damaged: 0 };
    try {
      if (!(r.has(24) || (await r.fill(24))))
        throw new CaptureFormatError(this.path, 0, 'file too short for a pcap header (24 bytes)');
      const b = r.buf;
      const h = r.pos;
      const m = b.readUInt32LE(h);
      let le: boolean;
      let nano: boolean;
      const mb = b.readUInt32BE(h);
      if (m === 0xa1b2c3d4 || m === 0xa1b23c4d || m === MAGIC_KUZNETZOV) {
        le = true;
        nano = m === 0xa1b23c4d;
      } else {
        if (mb !== 0xa1b2c3d4 && mb !== 0xa1b23c4d && mb !== MAGIC_KUZNETZOV) {
          throw new CaptureFormatError(
            this.path,
            0,
            `not a pcap file (magic 0x${mb.toString(16).padStart(8, '0')})`,
          );
        }
        le = false;
        nano = mb === 0xa1b23c4d;
      }
      const major = le ? b.readUInt16LE(h + 4) : b.readUInt16BE(h + 4);
      if (major !== 2) throw new CaptureFormatError(this.path, 4, `unsupported pcap version ${major}`);
      const snaplen = le ? b.readUInt32LE(h + 16) : b.readUInt32BE(h + 16);
      const hl = m === MAGIC_KUZNETZOV || mb === MAGIC_KUZNETZOV ? 24 : 16;
      // The upper bits of the link-type field carry FCS presence/length (pcap spec); the link type is the low 16.
      const linkType = (le ? b.readUInt32LE(h + 20) : b.readUInt32BE(h + 20)) & 0xffff;
      r.pos = h + 24;
      const limit = Math.max(MAX_RECORD, snaplen <= MAX_SNAPLEN ? snaplen : 0);
      for (;;) {
        if (!(r.has(hl) || (await r.fill(hl)))) {
          if (r.end - r.pos > 0) stats.stoppedBecause = `truncated record header at byte ${r.offset}`;
          break;
        }
        const buf = r.buf;
        const p = r.pos;
        // Byte arithmetic instead of Buffer.readUInt32*: these four reads run for every record and the
        // method calls (with their bounds checks) cost more than the rest of the loop.
        const sec = le ? u32le(buf, p) : u32be(buf, p);
        const frac = le ? u32le(buf, p + 4) : u32be(buf, p + 4);
        const caplen = le ? u32le(buf, p + 8) : u32be(buf, p + 8);
        const wirelen = le ? u32le(buf, p + 12) : u32be(buf, p + 12);
        if (caplen > limit) {
          stats.stoppedBecause = `damaged record at byte ${r.offset}: captured length ${caplen} exceeds ${limit}`;
          stats.damaged++;
          break;
        }
        if (!(r.has(hl + caplen) || (await r.fill(hl + caplen)))) {
          stats.stoppedBecause = `truncated record at byte ${r.offset}: ${caplen} bytes announced, ${r.end - r.pos - hl} present`;
          break;
        }
        const tsUs = sec * 1e6 + (nano ? Math.floor(frac / 1000) : frac);
        stats.packets++;
        stats.bytes += wirelen;
        r.pos += hl + caplen;
        this.bytesRead = r.offset;
        sink.onPacket(r.buf, r.pos - caplen, caplen, wirelen < caplen ? caplen : wirelen, tsUs, linkType);
      }
      // A cut or damaged gzip stream ends the data like a cut file; its own reason says more.
      if (r.problem)
        stats.stoppedBecause = stats.stoppedBecause ? `${stats.stoppedBecause}; ${r.problem}` : r.problem;
    } finally {
      await r.close();
    }
    return stats;
  }
}
