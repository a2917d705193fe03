/**
 * Desensitises pcapng captures (A-82) with the same frame rewriter as classic pcap: addresses become
 * keyed pseudonyms (prefix structure kept), IP/TCP checksums are recomputed, payloads are cut. What
 * pcapng adds beyond packets is obfuscated by removal: Name Resolution blocks (address → host name),
 * Decryption Secrets, custom blocks, comments, and the section/interface options that name machines,
 * operating systems, interfaces and their addresses. Kept: timestamps' resolution and offset, FCS
 * length, interface statistics. Every byte order and section is handled; damage is reported with the
 * offset of the block.
 */
import type { Pseudonymiser } from './pseudonymise.js';
import { PcapRewriteError, REWRITABLE_LINKS, rewriteFrame } from './pcap.js';

const SHB = 0x0a0d0d0a;
const IDB = 1;
const OPB = 2;
const SPB = 3;
const ISB = 5;
const EPB = 6;
/** Interface options safe to keep: if_tsresol (9), if_fcslen (13), if_tsoffset (14). */
const KEEP_IDB_OPTIONS = new Set([9, 13, 14]);

const pad4 = (n: number): number => (n + 3) & ~3;

export interface PcapngRewriteStats {
  packets: number;
  droppedBlocks: Record<string, number>;
}

export function pseudonymisePcapng(
  input: Buffer,
  p: Pseudonymiser,
  opts: { keepPayload?: boolean; stats?: PcapngRewriteStats } = {},
): Buffer {
  if (input.length < 28 || input.readUInt32LE(0) !== SHB)
    throw new PcapRewriteError('not a pcapng file: no Section Header Block at offset 0');
  const out: Buffer[] = [];
  const stats = opts.stats ?? { packets: 0, droppedBlocks: {} };
  const drop = (what: string): void =>
    void (stats.droppedBlocks[what] = (stats.droppedBlocks[what] ?? 0) + 1);
  let le = true;
  let links: Array<{ link: number; snaplen: number }> = [];
  let o = 0;
  while (o < input.length) {
    if (o + 12 > input.length) throw new PcapRewriteError(`block at offset ${o}: truncated header`);
    let type = input.readUInt32LE(o);
    if (type === SHB) {
      const bom = input.readUInt32LE(o + 8);
      if (bom === 0x1a2b3c4d) le = true;
      else if (bom === 0x4d3c2b1a) le = false;
      else throw new PcapRewriteError(`section at offset ${o}: bad byte-order magic 0x${bom.toString(16)}`);
      links = [];
    }
    const u32 = (at: number): number => (le ? input.readUInt32LE(at) : input.readUInt32BE(at));
    const u16 = (at: number): number => (le ? input.readUInt16LE(at) : input.readUInt16BE(at));
    type = u32(o);
    const len = u32(o + 4);
    if (len < 12 || len % 4 !== 0 || o + len > input.length)
      throw new PcapRewriteError(`block at offset ${o}: length ${len} is invalid or runs past the end`);
    if (u32(o + len - 4) !== len)
      throw new PcapRewriteError(`block at offset ${o}: trailing length does not match ${len}`);
    const body = input.subarray(o + 8, o + len - 4);
    const w = new BlockWriter(le);
    switch (type) {
      case SHB:
        // byte-order magic, version, section length unknown (-1): options (hardware, OS, app) dropped
        w.raw(body.subarray(0, 8));
        w.raw(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
        w.endOptions([]);
        out.push(w.block(SHB));
        break;
      case IDB: {
        const link = u16(o + 8);
        links.push({ link, snaplen: u32(o + 12) });
        if (!REWRITABLE_LINKS.has(link))
          throw new PcapRewriteError(
            `interface ${links.length - 1} (block at offset ${o}): link type ${link} not supported`,
          );
        w.raw(body.subarray(0, 8));
        w.endOptions(options(body.subarray(8), le).filter((x) => KEEP_IDB_OPTIONS.has(x.code)));
        out.push(w.block(IDB));
        break;
      }
      case EPB:
      case OPB: {
        const iface = type === EPB ? u32(o + 8) : u16(o + 8);
        const caplen = u32(o + 20);
        if (28 + caplen > body.length + 8)
          throw new PcapRewriteError(
            `packet block at offset ${o}: captured length ${caplen} runs past the block`,
          );
        const l = links[iface];
        if (!l) throw new PcapRewriteError(`packet block at offset ${o}: unknown interface ${iface}`);
        const pkt = Buffer.from(body.subarray(20, 20 + caplen));
        const keep = rewriteFrame(pkt, l.link, p, opts.keepPayload ?? false);
        // always written as an EPB: interface, timestamp, lengths; options (comments, hashes) dropped
        w.u32(iface);
        w.raw(body.subarray(4, 12));
        w.u32(keep);
        w.raw(body.subarray(16, 20));
        w.padded(pkt.subarray(0, keep));
        w.endOptions([]);
        out.push(w.block(EPB));
        stats.packets++;
        break;
      }
      case SPB: {
        const l = links[0];
        if (!l) throw new PcapRewriteError(`simple packet block at offset ${o}: no interface 0`);
        const orig = u32(o + 8);
        const caplen = Math.min(orig, l.snaplen || orig, body.length - 4);
        const pkt = Buffer.from(body.subarray(4, 4 + caplen));
        const keep = rewriteFrame(pkt, l.link, p, opts.keepPayload ?? false);
        // an SPB's captured length is implied by the block length: a cut packet keeps its original length
        w.u32(orig);
        w.padded(pkt.subarray(0, keep));
        out.push(w.block(SPB));
        stats.packets++;
        break;
      }
      case ISB:
        // interface id and timestamp; counters kept, comments dropped
        w.raw(body.subarray(0, 12));
        w.endOptions(options(body.subarray(12), le).filter((x) => x.code >= 2 && x.code <= 8));
        out.push(w.block(ISB));
        break;
      default:
        drop(
          (
            {
              4: 'name-resolution',
              0x0a: 'decryption-secrets',
              0xbad: 'custom',
              0x40000bad: 'custom',
            } as Record<number, string>
          )[type] ?? `type-0x${type.toString(16)}`,
        );
    }
    o += len;
  }
  return Buffer.concat(out);
}

interface Option {
  code: number;
  value: Buffer;
}

function options(b: Buffer, le: boolean): Option[] {
  const rd = (at: number): number => (le ? b.readUInt16LE(at) : b.readUInt16BE(at));
  const out: Option[] = [];
  let o = 0;
  while (o + 4 <= b.length) {
    const code = rd(o);
    const len = rd(o + 2);
    if (code === 0 || o + 4 + len > b.length) break;
    out.push({ code, value: Buffer.from(b.subarray(o + 4, o + 4 + len)) });
    o += 4 + pad4(len);
  }
  return out;
}

class BlockWriter {
  private parts: Buffer[] = [];
  constructor(private readonly le: boolean) {}

  raw(b: Buffer): void {
    this.parts.push(Buffer.from(b));
  }

  u32(v: number): void {
    const b = Buffer.alloc(4);
    if (this.le) b.writeUInt32LE(v >>> 0);
    else b.writeUInt32BE(v >>> 0);
    this.parts.push(b);
  }

  padded(b: Buffer): void {
    this.parts.push(Buffer.from(b), Buffer.alloc(pad4(b.length) - b.length));
  }

  endOptions(opts: Option[]): void {
    if (opts.length === 0) return;
    for (const x of opts) {
      const h = Buffer.alloc(4);
      if (this.le) {
        h.writeUInt16LE(x.code, 0);
        h.writeUInt16LE(x.value.length, 2);
      } else {
        h.writeUInt16BE(x.code, 0);
        h.writeUInt16BE(x.value.length, 2);
      }
      this.padded(Buffer.concat([h, x.value]));
    }
    this.parts.push(Buffer.alloc(4));
  }

  block(type: number): Buffer {
    const body = Buffer.concat(this.parts);
    const len = body.length + 12;
    const head = Buffer.alloc(8);
    const tail = Buffer.alloc(4);
    if (this.le) {
      head.writeUInt32LE(type >>> 0, 0);
      head.writeUInt32LE(len, 4);
      tail.writeUInt32LE(len, 0);
    } else {
      head.writeUInt32BE(type >>> 0, 0);
      head.writeUInt32BE(len, 4);
      tail.writeUInt32BE(len, 0);
    }
    return Buffer.concat([head, body, tail]);
  }
}
