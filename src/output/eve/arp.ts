/**
 * EVE `arp` records as Suricata 8 writes them when its eve-log turns `arp` on: one per Ethernet/IPv4 ARP packet,
 * with the opcode's name and the sender's and target's hardware and protocol addresses.
 */
import type { DecodedPacket } from '../../decode/index.js';
import { writeFlowlessPacketHeader } from './header.js';
import { num, raw, str, type EveBytesOut } from './json-out.js';

const OPCODES = ['unknown', 'request', 'reply', 'request_reverse', 'reply_reverse'];

/** A MAC address as Suricata writes it: `"aa:bb:…"`, lower-case hex. */
export function writeMac(o: EveBytesOut, b: Buffer, off: number): void {
  raw(o, '"');
  for (let i = 0; i < 6; i++) {
    if (i > 0) raw(o, ':');
    const v = b[off + i];
    raw(o, (v < 16 ? '0' : '') + v.toString(16));
  }
  raw(o, '"');
}

function writeIpv4At(o: EveBytesOut, b: Buffer, off: number): void {
  raw(o, '"');
  for (let i = 0; i < 4; i++) {
    if (i > 0) raw(o, '.');
    num(o, b[off + i]);
  }
  raw(o, '"');
}

/** The whole record for a packet whose ARP header the decoder accepted (`pkt.arpOff` ≥ 0). */
export function writeArpRecord(o: EveBytesOut, pkt: DecodedPacket, iface: string | undefined): void {
  // ARP carried in a tunnel (GRE) is logged with the IP packet around it.
  writeFlowlessPacketHeader(o, pkt, 'arp', iface);
  if (pkt.pcapCnt > 0) raw(o, ',"pkt_src":"wire/pcap"');
  const b = pkt.arpBuf;
  const a = pkt.arpOff;
  const op = (b[a + 6] << 8) | b[a + 7];
  raw(o, ',"arp":{"hw_type":"ethernet","proto_type":"ipv4","opcode":');
  str(o, OPCODES[op] ?? 'unknown');
  raw(o, ',"src_mac":');
  writeMac(o, b, a + 8);
  raw(o, ',"src_ip":');
  writeIpv4At(o, b, a + 14);
  raw(o, ',"dest_mac":');
  writeMac(o, b, a + 18);
  raw(o, ',"dest_ip":');
  writeIpv4At(o, b, a + 24);
  raw(o, '}}');
}
