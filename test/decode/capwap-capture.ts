/**
 * Builds a CAPWAP data-channel capture from real frames (the corpus has none): each Ethernet frame of the source
 * captures is carried, unchanged, as the IEEE 802.3 payload of a CAPWAP data message (RFC 5415 §4.3, T bit clear)
 * in UDP 5247 between a WTP (10.99.0.1) and its AC (10.99.0.2) — the first source address's packets from the WTP,
 * the others from the AC, as a split-MAC deployment tunnels a client's traffic. Every other message carries the
 * optional Radio MAC Address field (M bit, HLEN 4), so the payload offset comes from HLEN, not a constant. Extra
 * messages without a frame: a keep-alive (K), a DTLS-protected one (preamble type 1), and two malformed headers
 * (HLEN past the datagram, a datagram shorter than the fixed header).
 *
 * `node dist/test/decode/capwap-capture.js OUT.pcap SRC.pcap…` writes it for a look with `tshark -V`.
 */
import { writeFileSync } from 'node:fs';
import { readPackets, type CapturedPacket } from './corpus-frames.js';

const WTP = [10, 99, 0, 1];
const AC = [10, 99, 0, 2];
const WTP_MAC = Buffer.from('02000000aa01', 'hex');
const AC_MAC = Buffer.from('02000000aa02', 'hex');
const CAPWAP_DATA = 5247;

/** The CAPWAP header: preamble 0, HLEN in words, RID 1, WBID 1 (IEEE 802.11 binding), T clear, flags. */
export function capwapHeader(o: { radioMac?: Buffer; keepAlive?: boolean; hlenWords?: number }): Buffer {
  const opt = o.radioMac
    ? // Radio MAC Address: length byte, the address, padded to a 4-byte boundary.
      Buffer.concat([
        Buffer.from([o.radioMac.length]),
        o.radioMac,
        Buffer.alloc((4 - ((1 + o.radioMac.length) % 4)) % 4),
      ])
    : Buffer.alloc(0);
  const hlen = o.hlenWords ?? (8 + opt.length) / 4;
  const rid = 1;
  const wbid = 1;
  const h = Buffer.alloc(8);
  h[0] = 0x00;
  h[1] = (hlen << 3) | (rid >> 2);
  h[2] = ((rid & 0x03) << 6) | (wbid << 1); // T = 0: an IEEE 802.3 frame follows
  h[3] = (o.radioMac ? 0x10 : 0) | (o.keepAlive ? 0x08 : 0);
  return Buffer.concat([h, opt]);
}

function checksum(h: Buffer): number {
  let s = 0;
  for (let i = 0; i < h.length; i += 2) s += (h[i] << 8) | h[i + 1];
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** Outer Ethernet / IPv4 / UDP 5247 → 5247 around a CAPWAP message. */
export function outerFrame(fromWtp: boolean, capwap: Buffer, id: number): Buffer {
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(CAPWAP_DATA, 0);
  udp.writeUInt16BE(CAPWAP_DATA, 2);
  udp.writeUInt16BE(8 + capwap.length, 4);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 8 + capwap.length, 2);
  ip.writeUInt16BE(id & 0xffff, 4);
  ip[8] = 64;
  ip[9] = 17;
  Buffer.from(fromWtp ? WTP : AC).copy(ip, 12);
  Buffer.from(fromWtp ? AC : WTP).copy(ip, 16);
  ip.writeUInt16BE(checksum(ip), 10);
  const eth = Buffer.concat([
    fromWtp ? AC_MAC : WTP_MAC,
    fromWtp ? WTP_MAC : AC_MAC,
    Buffer.from([0x08, 0x00]),
  ]);
  return Buffer.concat([eth, ip, udp, capwap]);
}

/** A classic little-endian pcap (Ethernet) of the frames, with their times. */
export function pcapOf(frames: Array<{ frame: Buffer; tsUs: number }>): Buffer {
  const g = Buffer.alloc(24);
  g.writeUInt32LE(0xa1b2c3d4, 0);
  g.writeUInt16LE(2, 4);
  g.writeUInt16LE(4, 6);
  g.writeUInt32LE(262144, 16);
  g.writeUInt32LE(1, 20);
  const parts: Buffer[] = [g];
  for (const { frame, tsUs } of frames) {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(Math.floor(tsUs / 1e6), 0);
    r.writeUInt32LE(tsUs % 1e6, 4);
    r.writeUInt32LE(frame.length, 8);
    r.writeUInt32LE(frame.length, 12);
    parts.push(r, frame);
  }
  return Buffer.concat(parts);
}

/** The CAPWAP capture of the sources' Ethernet frames, plus the frameless and malformed messages. */
export async function capwapCapture(sources: string[]): Promise<Buffer> {
  const out: Array<{ frame: Buffer; tsUs: number }> = [];
  let id = 1;
  let lastTs = 0;
  for (const src of sources) {
    const pkts: CapturedPacket[] = (await readPackets(src)) ?? [];
    const eth = pkts.filter((p) => p.linkType === 1 && p.caplen === p.wirelen);
    if (eth.length === 0) throw new Error(`${src}: no whole Ethernet frame`);
    // The first frame's IPv4 source is the wireless client, behind the WTP.
    const client = eth[0].frame.subarray(26, 30).toString('hex');
    // Sources follow one another in time.
    const shift = lastTs === 0 ? 0 : lastTs + 1000 - eth[0].tsUs;
    for (const p of eth) {
      const fromWtp = p.frame.subarray(26, 30).toString('hex') === client;
      const radioMac = id % 2 === 0 ? Buffer.from('0a1b2c3d4e5f', 'hex') : undefined;
      const tsUs = p.tsUs + shift;
      out.push({
        frame: outerFrame(fromWtp, Buffer.concat([capwapHeader({ radioMac }), p.frame]), id++),
        tsUs,
      });
      lastTs = Math.max(lastTs, tsUs);
    }
  }
  const extra = [
    // Keep-alive (RFC 5415 §4.4.1): a length — the whole CAPWAP message, as Wireshark checks it — and the Session ID
    // element (type 35, 16 bytes).
    Buffer.concat([
      capwapHeader({ keepAlive: true }),
      Buffer.from([0, 30, 0, 35, 0, 16]),
      Buffer.alloc(16, 0x5a),
    ]),
    Buffer.concat([Buffer.from([0x01, 0, 0, 0]), Buffer.alloc(40, 0x17)]), // DTLS: encrypted payload
    Buffer.concat([capwapHeader({ hlenWords: 31 }), Buffer.alloc(20)]), // HLEN 124 bytes in a 48-byte message
    Buffer.from([0x00, 0x10, 0x02]), // shorter than the fixed 8-byte header
  ];
  for (const m of extra) out.push({ frame: outerFrame(true, m, id++), tsUs: (lastTs += 1000) });
  return pcapOf(out);
}

if (process.argv[1]?.endsWith('capwap-capture.js') && process.argv.length >= 4) {
  writeFileSync(process.argv[2], await capwapCapture(process.argv.slice(3)));
}
