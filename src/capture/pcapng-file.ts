/**
 * pcapng files: sections with their own byte order, interfaces with their own link type and timestamp resolution
 * (if_tsresol, powers of 10 or 2) and offset (if_tsoffset); Enhanced, Simple and obsolete Packet blocks. Unknown
 * blocks are skipped; a packet naming an unknown interface is counted as damaged; an impossible block length stops
 * the read with its offset named.
 */
import type { PacketSink, PacketSource, SourceStats } from './packet.js';
import { CaptureFormatError } from './packet.js';
import { ChunkReader, type BufferProvider } from './chunk-reader.js';

const SHB = 0x0a0d0d0a;
const IDB = 1;
const OPB = 2;
const SPB = 3;
const EPB = 6;
const MAX_BLOCK = 32 << 20;

interface Iface {
  linkType: number;
  snaplen: number;
  /** Units per second as a divisor to µs: 10^v resolutions give exact integer arithmetic. */
  pow10: number;
  /** For 2^-k resolutions: k (pow10 = 0 then). */
  pow2: number;
  offsetUs: number;
}

/**
 * µs (rounded down) from a 64-bit tick count split in two 32-bit halves, plus the interface's if_tsoffset. Integer
 * arithmetic stays below 2^53 for 10^-v resolutions up to v = 12 and 2^-k resolutions up to k = 32.
 */
function ticksToUs(hi: number, lo: number, f: Iface): number {
  if (f.pow10 !== 0) {
    if (f.pow10 <= 6) return (hi * 4294967296 + lo) * 10 ** (6 - f.pow10) + f.offsetUs;
    const d = 10 ** (f.pow10 - 6);
    const q = Math.floor(4294967296 / d);
    const rem = 4294967296 - q * d;
    return hi * q + Math.floor((hi * rem + lo) / d) + f.offsetUs;
  }
  const k = f.pow2;
  if (k <= 32) {
    const unit = 2 ** k;
    const frac = lo % unit;
    return (hi * 2 ** (32 - k) + (lo - frac) / unit) * 1e6 + Math.floor((frac * 1e6) / unit) + f.offsetUs;
  }
  // Finer than 2^-32 s: whole seconds from the high half, the rest approximated (below 1 µs of error).
  const hiUnit = 2 ** (k - 32);
  const hiFrac = hi % hiUnit;
  const sec = (hi - hiFrac) / hiUnit;
  return sec * 1e6 + Math.floor(((hiFrac * 4294967296 + lo) / 2 ** k) * 1e6) + f.offsetUs;
}

/**
 * Unsigned reads in the section's byte order. Plain functions (not closures made per block, not Buffer
 * methods with their checks): they run several times for every packet. Callers keep offsets in bounds.
 */
function rd32(b: Buffer, at: number, le: boolean): number {
  return le
    ? (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0
    : ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

function rd16(b: Buffer, at: number, le: boolean): number {
  return le ? b[at] | (b[at + 1] << 8) : (b[at] << 8) | b[at + 1];
}

export class PcapngFileSource implements PacketSource {
  readonly description: string;
  bytesRead = 0;

  constructor(
    readonly path: string,
    /** Read-chunk size; tests make it small to exercise blocks straddling chunk ends. */
    private readonly chunkSize = 8 << 20,
    /** Buffers to read into that are never rewritten behind the sink's back (multi-worker dispatch). */
    private readonly provider?: BufferProvider,
    /** The file is gzip-compressed: read through zlib (offsets in messages are of the decompressed data). */
    private readonly gzip = false,
  ) {
    this.description = `pcapng file ${path}${gzip ? ' (gzip)' : ''}`;
  }

  async run(sink: PacketSink): Promise<SourceStats> {
    const r = new ChunkReader(this.path, this.chunkSize, this.provider, this.gzip);
    const stats: SourceStats = { packets: 0, bytes: 0, damaged: 0 };
    let le = true;
    let ifaces: Iface[] = [];
    try {
      for (let first = true; ; first = false) {
        if (!(r.has(12) || (await r.fill(12)))) {
          if (r.end - r.pos > 0) stats.stoppedBecause = `truncated block header at byte ${r.offset}`;
          break;
        }
        let b = r.buf;
        let p = r.pos;
        const typeLe = rd32(b, p, true);
        if (typeLe === SHB) {
          const bom = b.readUInt32LE(p + 8);
          if (bom === 0x1a2b3c4d) le = true;
          else if (bom === 0x4d3c2b1a) le = false;
          else
            throw new CaptureFormatError(
              this.path,
              r.offset + 8,
              `bad section byte-order magic 0x${bom.toString(16)}`,
            );
          ifaces = [];
        } else if (first) {
          throw new CaptureFormatError(this.path, 0, 'not a pcapng file (no section header block)');
        }
        const type = le ? typeLe : rd32(b, p, false);
        const len = rd32(b, p + 4, le);
        if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK) {
          stats.stoppedBecause = `damaged block at byte ${r.offset}: length ${len}`;
          stats.damaged++;
          break;
        }
        if (!(r.has(len) || (await r.fill(len)))) {
          stats.stoppedBecause = `truncated block at byte ${r.offset}: ${len} bytes announced, ${r.end - r.pos} present`;
          break;
        }
        b = r.buf;
        p = r.pos;
        r.pos += len;
        this.bytesRead = r.offset;
        if (rd32(b, p + len - 4, le) !== len) {
          // Trailing length disagrees with the leading one: the block's bounds are uncertain, so nothing in it is used.
          stats.damaged++;
          continue;
        }
        if (type === IDB) {
          if (len < 20) {
            stats.damaged++;
            continue;
          }
          const f: Iface = {
            linkType: rd16(b, p + 8, le),
            snaplen: rd32(b, p + 12, le),
            pow10: 6,
            pow2: 0,
            offsetUs: 0,
          };
          // Options: code, length, value padded to 4.
          let o = 16;
          while (o + 4 <= len - 4) {
            const code = rd16(b, p + o, le);
            const olen = rd16(b, p + o + 2, le);
            if (code === 0 || o + 4 + olen > len - 4) break;
            if (code === 9 && olen >= 1) {
              const v = b[p + o + 4];
              if (v & 0x80) {
                f.pow10 = 0;
                f.pow2 = v & 0x7f;
              } else f.pow10 = v;
            } else if (code === 14 && olen >= 8) {
              // Signed 64-bit seconds added to every timestamp of the interface.
              const a = rd32(b, p + o + 4, le);
              const c = rd32(b, p + o + 8, le);
              f.offsetUs = (le ? (c | 0) * 4294967296 + a : (a | 0) * 4294967296 + c) * 1e6;
            }
            o += 4 + olen + ((4 - (olen % 4)) % 4);
          }
          if (f.pow10 > 12 || f.pow2 > 63) {
            stats.damaged++;
            f.pow10 = 6;
            f.pow2 = 0;
          }
          ifaces.push(f);
        } else if (type === EPB || type === OPB) {
          const hdr = 28; // EPB and OPB share the layout up to the packet data
          if (len < hdr + 4) {
            stats.damaged++;
            continue;
          }
          const ifId = type === EPB ? rd32(b, p + 8, le) : rd16(b, p + 8, le);
          const f = ifaces[ifId];
          const caplen = rd32(b, p + 20, le);
          const wirelen = rd32(b, p + 24, le);
          if (!f || caplen > len - hdr - 4) {
            stats.damaged++;
            continue;
          }
          stats.packets++;
          stats.bytes += wirelen;
          sink.onPacket(
            b,
            p + hdr,
            caplen,
            wirelen < caplen ? caplen : wirelen,
            ticksToUs(rd32(b, p + 12, le), rd32(b, p + 16, le), f),
            f.linkType,
          );
        } else if (type === SPB) {
          const f = ifaces[0];
          if (!f || len < 16) {
            stats.damaged++;
            continue;
          }
          const wirelen = rd32(b, p + 8, le);
          let caplen = Math.min(wirelen, len - 16);
          if (f.snaplen > 0) caplen = Math.min(caplen, f.snaplen);
          stats.packets++;
          stats.bytes += wirelen;
          sink.onPacket(b, p + 12, caplen, wirelen < caplen ? caplen : wirelen, 0, f.linkType);
        }
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
