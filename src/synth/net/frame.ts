/**
 * Ethernet II + IPv4/IPv6 + TCP/UDP frames with correct lengths and checksums. The synthetic capture is
 * used to test decoders that verify checksums, so every one of them must be right.
 */
import type { Host } from './address.js';
import { finish, sum16 } from './checksum.js';

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;

export interface TcpHeader {
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  /** Already padded to a multiple of 4 bytes. */
  options?: Buffer;
}

/** Writes Ethernet + IP headers for an L4 payload of `l4len` bytes; returns the L4 offset. */
function writeL2L3(frame: Buffer, src: Host, dst: Host, proto: number, l4len: number, ipId: number): number {
  dst.mac.copy(frame, 0);
  src.mac.copy(frame, 6);
  const v6 = src.ip.length === 16;
  frame.writeUInt16BE(v6 ? 0x86dd : 0x0800, 12);
  const ip = 14;
  if (v6) {
    frame.writeUInt32BE(0x60000000, ip);
    frame.writeUInt16BE(l4len, ip + 4);
    frame[ip + 6] = proto;
    frame[ip + 7] = src.ttl;
    src.ip.copy(frame, ip + 8);
    dst.ip.copy(frame, ip + 24);
    return ip + 40;
  }
  frame[ip] = 0x45;
  frame[ip + 1] = 0;
  frame.writeUInt16BE(20 + l4len, ip + 2);
  frame.writeUInt16BE(ipId & 0xffff, ip + 4);
  frame.writeUInt16BE(0x4000, ip + 6); // DF, as Linux sets on TCP and most UDP
  frame[ip + 8] = src.ttl;
  frame[ip + 9] = proto;
  frame.writeUInt16BE(0, ip + 10);
  src.ip.copy(frame, ip + 12);
  dst.ip.copy(frame, ip + 16);
  frame.writeUInt16BE(finish(sum16(frame, ip, 20)), ip + 10);
  return ip + 20;
}

/** Pseudo-header sum (RFC 793 / RFC 8200 §8.1): addresses, protocol, L4 length. */
function pseudoSum(src: Host, dst: Host, proto: number, l4len: number): number {
  let s = sum16(src.ip, 0, src.ip.length);
  s = sum16(dst.ip, 0, dst.ip.length, s);
  return s + proto + (l4len & 0xffff) + Math.floor(l4len / 0x10000);
}

function ipHeaderLen(src: Host): number {
  return src.ip.length === 16 ? 40 : 20;
}

export function tcpFrame(src: Host, dst: Host, h: TcpHeader, payload: Buffer, ipId: number): Buffer {
  const optLen = h.options ? h.options.length : 0;
  const l4len = 20 + optLen + payload.length;
  const frame = Buffer.alloc(14 + ipHeaderLen(src) + l4len);
  const t = writeL2L3(frame, src, dst, IPPROTO_TCP, l4len, ipId);
  frame.writeUInt16BE(h.sport, t);
  frame.writeUInt16BE(h.dport, t + 2);
  frame.writeUInt32BE(h.seq >>> 0, t + 4);
  frame.writeUInt32BE(h.ack >>> 0, t + 8);
  frame[t + 12] = ((20 + optLen) / 4) << 4;
  frame[t + 13] = h.flags;
  frame.writeUInt16BE(h.window, t + 14);
  if (h.options) h.options.copy(frame, t + 20);
  payload.copy(frame, t + 20 + optLen);
  const sum = sum16(frame, t, l4len, pseudoSum(src, dst, IPPROTO_TCP, l4len));
  frame.writeUInt16BE(finish(sum), t + 16);
  return frame;
}

export function udpFrame(
  src: Host,
  dst: Host,
  sport: number,
  dport: number,
  payload: Buffer,
  ipId: number,
): Buffer {
  const l4len = 8 + payload.length;
  const frame = Buffer.alloc(14 + ipHeaderLen(src) + l4len);
  const u = writeL2L3(frame, src, dst, IPPROTO_UDP, l4len, ipId);
  frame.writeUInt16BE(sport, u);
  frame.writeUInt16BE(dport, u + 2);
  frame.writeUInt16BE(l4len, u + 4);
  payload.copy(frame, u + 8);
  const c = finish(sum16(frame, u, l4len, pseudoSum(src, dst, IPPROTO_UDP, l4len)));
  frame.writeUInt16BE(c === 0 ? 0xffff : c, u + 6); // 0 means "no checksum" in UDP
  return frame;
}

/** SYN options as Linux sends them: MSS, SACK permitted, timestamps, NOP, window scale. */
export function synOptions(mss: number, tsVal: number, tsEcr: number, wscale: number): Buffer {
  const o = Buffer.alloc(20);
  o.writeUInt8(2, 0);
  o.writeUInt8(4, 1);
  o.writeUInt16BE(mss, 2);
  o.writeUInt8(4, 4); // SACK permitted
  o.writeUInt8(2, 5);
  o.writeUInt8(8, 6); // timestamps
  o.writeUInt8(10, 7);
  o.writeUInt32BE(tsVal >>> 0, 8);
  o.writeUInt32BE(tsEcr >>> 0, 12);
  o.writeUInt8(1, 16); // NOP
  o.writeUInt8(3, 17); // window scale
  o.writeUInt8(3, 18);
  o.writeUInt8(wscale, 19);
  return o;
}

/** NOP, NOP, timestamps: what every segment of a connection that negotiated timestamps carries. */
export function tsOptions(tsVal: number, tsEcr: number): Buffer {
  const o = Buffer.alloc(12);
  o[0] = 1;
  o[1] = 1;
  o[2] = 8;
  o[3] = 10;
  o.writeUInt32BE(tsVal >>> 0, 4);
  o.writeUInt32BE(tsEcr >>> 0, 8);
  return o;
}

/** A bare MSS option, as a scanner's SYN probe carries. */
export function mssOption(mss: number): Buffer {
  const o = Buffer.alloc(4);
  o[0] = 2;
  o[1] = 4;
  o.writeUInt16BE(mss, 2);
  return o;
}
