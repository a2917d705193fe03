/**
 * pcapng files: sections with their own byte order, interfaces with their own link type and timestamp resolution
 * (if_tsresol, powers of 10 or 2) and offset (if_tsoffset); Enhanced, Simple and obsolete Packet blocks. Unknown
 * blocks are skipped; a packet naming an unknown interface is counted as damaged; an impossible block length stops
 * the read with its offset named.
 */
import type { PacketSink, PacketSource, SourceStats } from './packet.js';
import { CaptureFormatError } from './packet.js';
import { ChunkReader } from './chunk-reader.js';

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

export class PcapngFileSource implements PacketSource {
  readonly description: string;
  bytesRead = 0;

  constructor(
    readonly path: string,
    /** Read-chunk size; tests make it small to exercise blocks straddling chunk ends. */
    private readonly chunkSize = 8 << 20,
  ) {
    this.description = `pcapng file ${path}`;
  }

  async run(sink: PacketSink): Promise<SourceStats> {
    const r = new ChunkReader(this.path, this.chunkSize);
    const stats: SourceStats = { packets: 0, bytes: 0, damaged: 0 };
    let le = true;
    let ifaces: Iface[] = [];
    try {
      for (let first = true; ; first = false) {
        if (!r.ensure(12)) {
          if (r.end - r.pos > 0) stats.stoppedBecause = `truncated block header at byte ${r.offset}`;
          break;
        }
        let b = r.buf;
        let p = r.pos;
        const typeLe = b.readUInt32LE(p);
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
        const type = le ? typeLe : b.readUInt32BE(p);
        const len = le ? b.readUInt32LE(p + 4) : b.readUInt32BE(p + 4);
        if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK) {
          stats.stoppedBecause = `damaged block at byte ${r.offset}: length ${len}`;
          stats.damaged++;
          break;
        }
        if (!r.ensure(len)) {
          stats.stoppedBecause = `truncated block at byte ${r.offset}: ${len} bytes announced, ${r.end - r.pos} present`;
          break;
        }
        b = r.buf;
        p = r.pos;
        const u32 = (o: number): number => (le ? b.readUInt32LE(p + o) : b.readUInt32BE(p + o));
        const u16 = (o: number): number => (le ? b.readUInt16LE(p + o) : b.readUInt16BE(p + o));
        r.pos += len;
        this.bytesRead = r.offset;
        if (u32(len - 4) !== len) {
          // Trailing length disagrees with the leading one: the block's bounds are uncertain, so nothing in it is used.
          stats.damaged++;
          continue;
        }
        if (type === IDB) {
          if (len < 20) {
            stats.damaged++;
            continue;
          }
          const f: Iface = { linkType: u16(8), snaplen: u32(12), pow10: 6, pow2: 0, offsetUs: 0 };
          // Options: code, length, value padded to 4.
          let o = 16;
          while (o + 4 <= len - 4) {
            const code = u16(o);
            const olen = u16(o + 2);
            if (code === 0 || o + 4 + olen > len - 4) break;
            if (code === 9 && olen >= 1) {
              const v = b[p + o + 4];
              if (v & 0x80) {
                f.pow10 = 0;
                f.pow2 = v & 0x7f;
              } else f.pow10 = v;
            } else if (code === 14 && olen >= 8) {
              // Signed 64-bit seconds added to every timestamp of the interface.
              const a = u32(o + 4);
              const c = u32(o + 8);
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
          const ifId = type === EPB ? u32(8) : u16(8);
          const f = ifaces[ifId];
          const caplen = u32(20);
          const wirelen = u32(24);
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
            ticksToUs(u32(12), u32(16), f),
            f.linkType,
          );
        } else if (type === SPB) {
          const f = ifaces[0];
          if (!f || len < 16) {
            stats.damaged++;
            continue;
          }
          const wirelen = u32(8);
          let caplen = Math.min(wirelen, len - 16);
          if (f.snaplen > 0) caplen = Math.min(caplen, f.snaplen);
          stats.packets++;
          stats.bytes += wirelen;
          sink.onPacket(b, p + 12, caplen, wirelen < caplen ? caplen : wirelen, 0, f.linkType);
        }
      }
    } finally {
      r.close();
    }
    return stats;
  }
}
