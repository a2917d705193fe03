/**
 * A deliberately small classic-pcap reader for parser tests on real captures, independent of moat's own
 * capture/decode/flow stages (so a parser test does not fail because another stage does): Ethernet (with
 * 802.1Q), raw IP, BSD loopback and Linux cooked v1; IPv4/IPv6; UDP and TCP payloads in capture order, no reassembly
 * (the suricata-verify DNS captures are small and in order).
 */
import { readFileSync } from 'node:fs';

export interface Payload {
  proto: 6 | 17;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  payload: Buffer;
  tsUs: number;
  /** 1-based packet number (Suricata's pcap_cnt). */
  pcapCnt: number;
  /** TCP sequence number of the first payload byte (0 for UDP). */
  seq: number;
}

export function readPayloads(file: string): Payload[] {
  const buf = readFileSync(file);
  const magic = buf.readUInt32LE(0);
  const known: Record<number, [boolean, boolean]> = {
    0xa1b2c3d4: [true, false],
    0xd4c3b2a1: [false, false],
    0xa1b23c4d: [true, true],
    0x4d3cb2a1: [false, true],
  };
  const kind = known[magic];
  if (!kind) throw new Error(`${file}: not a classic pcap (magic 0x${magic.toString(16)})`);
  const [le, nano] = kind;
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20) & 0xffff;
  const out: Payload[] = [];
  let p = 24;
  let n = 0;
  while (p + 16 <= buf.length) {
    const sec = u32(p);
    const frac = u32(p + 4);
    const incl = u32(p + 8);
    const data = p + 16;
    p = data + incl;
    n++;
    if (p > buf.length) break;
    const tsUs = sec * 1e6 + (nano ? Math.floor(frac / 1000) : frac);
    let off = data;
    let etherType: number;
    if (linkType === 1) {
      etherType = buf.readUInt16BE(off + 12);
      off += 14;
      while (etherType === 0x8100 || etherType === 0x88a8) {
        etherType = buf.readUInt16BE(off + 2);
        off += 4;
      }
    } else if (linkType === 0) {
      // BSD loopback: address family in host byte order (2 = IPv4; 24, 28, 30 = IPv6).
      const fam = buf.readUInt32LE(off) > 0xffff ? buf.readUInt32BE(off) : buf.readUInt32LE(off);
      etherType = fam === 2 ? 0x0800 : 0x86dd;
      off += 4;
    } else if (linkType === 113) {
      etherType = buf.readUInt16BE(off + 14);
      off += 16;
    } else if (linkType === 101 || linkType === 12 || linkType === 228 || linkType === 229) {
      etherType = buf[off] >> 4 === 6 ? 0x86dd : 0x0800;
    } else continue;
    let proto: number;
    let src: string;
    let dst: string;
    let l4: number;
    let ipEnd: number;
    if (etherType === 0x0800) {
      const ihl = (buf[off] & 15) * 4;
      proto = buf[off + 9];
      ipEnd = Math.min(off + buf.readUInt16BE(off + 2), p);
      src = [...buf.subarray(off + 12, off + 16)].join('.');
      dst = [...buf.subarray(off + 16, off + 20)].join('.');
      if ((buf.readUInt16BE(off + 6) & 0x1fff) !== 0) continue;
      l4 = off + ihl;
    } else if (etherType === 0x86dd) {
      proto = buf[off + 6];
      ipEnd = Math.min(off + 40 + buf.readUInt16BE(off + 4), p);
      src = buf.toString('hex', off + 8, off + 24);
      dst = buf.toString('hex', off + 24, off + 40);
      l4 = off + 40;
    } else continue;
    if (proto === 17) {
      out.push({
        proto: 17,
        src,
        dst,
        srcPort: buf.readUInt16BE(l4),
        dstPort: buf.readUInt16BE(l4 + 2),
        payload: buf.subarray(l4 + 8, ipEnd),
        tsUs,
        pcapCnt: n,
        seq: 0,
      });
    } else if (proto === 6) {
      const hl = (buf[l4 + 12] >> 4) * 4;
      const payload = buf.subarray(l4 + hl, ipEnd);
      if (payload.length === 0) continue;
      out.push({
        proto: 6,
        src,
        dst,
        srcPort: buf.readUInt16BE(l4),
        dstPort: buf.readUInt16BE(l4 + 2),
        payload,
        tsUs,
        pcapCnt: n,
        seq: buf.readUInt32BE(l4 + 4),
      });
    }
  }
  return out;
}
