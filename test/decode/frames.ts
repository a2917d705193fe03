/**
 * Builders for hand-made frames in decode tests. Allocation is fine here; the decoder is what must not allocate.
 * Addresses are dotted IPv4 or IPv6 text; checksums are left zero (the decoder does not verify them).
 */
import { parseIp } from '../../src/address/index.js';

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function addrBytes(text: string, v: 4 | 6): Buffer {
  const p = parseIp(text);
  if (!p) throw new Error(`bad address ${text}`);
  const b = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) b.writeUInt32BE(p.words[i] >>> 0, 4 * i);
  return v === 4 ? b.subarray(12) : b;
}

export const MAC_A = Buffer.from('020000000001', 'hex');
export const MAC_B = Buffer.from('020000000002', 'hex');

export function ethernet(type: number, payload: Buffer): Buffer {
  return Buffer.concat([MAC_B, MAC_A, u16(type), payload]);
}

export function vlanTag(id: number, type: number, payload: Buffer): Buffer {
  return Buffer.concat([u16(id), u16(type), payload]);
}

export interface Ipv4Opts {
  src?: string;
  dst?: string;
  proto: number;
  id?: number;
  ttl?: number;
  /** Byte offset of this fragment (multiple of 8). */
  fragOffset?: number;
  more?: boolean;
  options?: Buffer;
  /** Override the total length field. */
  totalLen?: number;
  /** Override the header length field (in 32-bit words). */
  ihl?: number;
}

export function ipv4(o: Ipv4Opts, payload: Buffer): Buffer {
  const opts = o.options ?? Buffer.alloc(0);
  const hlen = 20 + opts.length;
  const h = Buffer.alloc(20);
  h[0] = 0x40 | (o.ihl ?? hlen / 4);
  h.writeUInt16BE(o.totalLen ?? hlen + payload.length, 2);
  h.writeUInt16BE(o.id ?? 0x1234, 4);
  h.writeUInt16BE(((o.more ? 0x2000 : 0) | ((o.fragOffset ?? 0) >> 3)) & 0xffff, 6);
  h[8] = o.ttl ?? 64;
  h[9] = o.proto;
  addrBytes(o.src ?? '10.0.0.1', 4).copy(h, 12);
  addrBytes(o.dst ?? '10.0.0.2', 4).copy(h, 16);
  return Buffer.concat([h, opts, payload]);
}

export interface Ipv6Opts {
  src?: string;
  dst?: string;
  nh: number;
  hopLimit?: number;
  payloadLen?: number;
}

export function ipv6(o: Ipv6Opts, payload: Buffer): Buffer {
  const h = Buffer.alloc(40);
  h.writeUInt32BE(0x60000000, 0);
  h.writeUInt16BE(o.payloadLen ?? payload.length, 4);
  h[6] = o.nh;
  h[7] = o.hopLimit ?? 64;
  addrBytes(o.src ?? '2001:db8::1', 6).copy(h, 8);
  addrBytes(o.dst ?? '2001:db8::2', 6).copy(h, 24);
  return Buffer.concat([h, payload]);
}

/** A generic IPv6 extension header (hop-by-hop, routing, destination options): `len8` 8-byte units after the first. */
export function ext6(nh: number, len8: number): Buffer {
  const b = Buffer.alloc(8 * (len8 + 1));
  b[0] = nh;
  b[1] = len8;
  return b;
}

export function frag6(nh: number, fragOffset: number, more: boolean, id: number): Buffer {
  const b = Buffer.alloc(8);
  b[0] = nh;
  b.writeUInt16BE((fragOffset & 0xfff8) | (more ? 1 : 0), 2);
  b.writeUInt32BE(id >>> 0, 4);
  return b;
}

export interface TcpOpts {
  sp: number;
  dp: number;
  seq?: number;
  ack?: number;
  flags?: number;
  win?: number;
  options?: Buffer;
  /** Override the data offset (32-bit words). */
  doff?: number;
}

export function tcp(o: TcpOpts, payload: Buffer = Buffer.alloc(0)): Buffer {
  const opts = o.options ?? Buffer.alloc(0);
  const h = Buffer.alloc(20);
  h.writeUInt16BE(o.sp, 0);
  h.writeUInt16BE(o.dp, 2);
  h.writeUInt32BE((o.seq ?? 1000) >>> 0, 4);
  h.writeUInt32BE((o.ack ?? 0) >>> 0, 8);
  h[12] = (o.doff ?? (20 + opts.length) / 4) << 4;
  h[13] = o.flags ?? 0x02;
  h.writeUInt16BE(o.win ?? 65535, 14);
  return Buffer.concat([h, opts, payload]);
}

export function udp(sp: number, dp: number, payload: Buffer = Buffer.alloc(0), len?: number): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sp, 0);
  h.writeUInt16BE(dp, 2);
  h.writeUInt16BE(len ?? 8 + payload.length, 4);
  return Buffer.concat([h, payload]);
}

export function icmp(type: number, code: number, payload: Buffer = Buffer.alloc(4)): Buffer {
  return Buffer.concat([Buffer.from([type, code, 0, 0]), payload]);
}

/** GRE header (RFC 2784/2890): checksum, key, sequence fields when given. */
export function gre(
  proto: number,
  payload: Buffer,
  f: { csum?: boolean; key?: number; seq?: number } = {},
): Buffer {
  let flags = 0;
  const parts: Buffer[] = [];
  if (f.csum) {
    flags |= 0x8000;
    parts.push(u32(0));
  }
  if (f.key !== undefined) {
    flags |= 0x2000;
    parts.push(u32(f.key));
  }
  if (f.seq !== undefined) {
    flags |= 0x1000;
    parts.push(u32(f.seq));
  }
  return Buffer.concat([u16(flags), u16(proto), ...parts, payload]);
}

export function vxlan(vni: number, frame: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x08, 0, 0, 0]), u32(vni << 8), frame]);
}

export function geneve(proto: number, options: Buffer, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = options.length / 4;
  h.writeUInt16BE(proto, 2);
  h.writeUInt32BE(0x123400, 4);
  return Buffer.concat([h, options, payload]);
}

export function erspan2(frame: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x1000 | 7, 0); // version 1, VLAN 7
  h.writeUInt16BE(42, 2); // session id
  return Buffer.concat([h, frame]);
}

export function erspan3(frame: Buffer, subHeader: boolean): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(0x2000, 0); // version 2
  h[11] = subHeader ? 1 : 0;
  return Buffer.concat([h, subHeader ? Buffer.alloc(8) : Buffer.alloc(0), frame]);
}

export function sll(proto: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(0, 0); // to us
  h.writeUInt16BE(1, 2); // ARPHRD_ETHER
  h.writeUInt16BE(6, 4);
  MAC_A.copy(h, 6);
  h.writeUInt16BE(proto, 14);
  return Buffer.concat([h, payload]);
}

export function sll2(proto: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(proto, 0);
  h.writeUInt32BE(3, 4); // ifindex
  h.writeUInt16BE(1, 8);
  h[10] = 0;
  h[11] = 6;
  MAC_A.copy(h, 12);
  return Buffer.concat([h, payload]);
}
