import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIp } from '../../src/address/index.js';
import {
  DECODE_ERROR,
  DECODE_NOT_IP,
  DECODE_OK,
  IPPROTO_GRE,
  IPPROTO_UDP,
} from '../../src/decode/decoded-packet.js';
import { MAX_TUNNEL_DEPTH } from '../../src/decode/cursor.js';
import { decodeFrame } from './helpers.js';
import {
  erspan2,
  erspan3,
  ethernet,
  geneve,
  gre,
  ipv4,
  ipv6,
  tcp,
  u16,
  udp,
  vlanTag,
  vxlan,
} from './frames.js';

const OUTER_SRC = '172.16.0.1';
const OUTER_DST = '172.16.0.2';
const innerTcp = ipv4(
  { src: '10.1.1.1', dst: '10.2.2.2', proto: 6 },
  tcp({ sp: 40000, dp: 8443 }, Buffer.from('in')),
);
const innerV6 = ipv6(
  { src: '2001:db8:1::1', dst: '2001:db8:2::2', nh: 17 },
  udp(5000, 53, Buffer.from('v6')),
);

function outerV4(proto: number, payload: Buffer): Buffer {
  return ethernet(0x0800, ipv4({ src: OUTER_SRC, dst: OUTER_DST, proto }, payload));
}

function assertInnerTcp(frame: Buffer, depth = 1, lt = 1): void {
  const d = decodeFrame(frame, lt);
  assert.equal(d.r, DECODE_OK, d.pkt.anomaly);
  assert.equal(d.src, '10.1.1.1');
  assert.equal(d.dst, '10.2.2.2');
  assert.equal(d.pkt.srcPort, 40000);
  assert.equal(d.pkt.dstPort, 8443);
  assert.equal(d.pkt.tunnelDepth, depth);
  assert.equal(d.payload.toString(), 'in');
  // l3Off points at the inner IP header.
  assert.equal(d.pkt.buf[d.pkt.l3Off], 0x45);
  assert.equal(d.pkt.buf.readUInt32BE(d.pkt.l3Off + 12), 0x0a010101);
}

test('GRE with IPv4 inside, plain and with checksum/key/sequence fields', () => {
  assertInnerTcp(outerV4(47, gre(0x0800, innerTcp)));
  assertInnerTcp(outerV4(47, gre(0x0800, innerTcp, { csum: true, key: 99, seq: 7 })));
  assertInnerTcp(outerV4(47, gre(0x0800, innerTcp, { key: 1 })));
});

test('GRE transparent Ethernet bridging (0x6558), with a VLAN tag inside', () => {
  assertInnerTcp(outerV4(47, gre(0x6558, ethernet(0x0800, innerTcp))));
  const d = decodeFrame(outerV4(47, gre(0x6558, ethernet(0x8100, vlanTag(33, 0x0800, innerTcp)))), 1);
  assert.equal(d.pkt.vlan[0], 33);
  assert.equal(d.pkt.dstPort, 8443);
});

test('ERSPAN type I, II and III (with and without the platform sub-header)', () => {
  assertInnerTcp(outerV4(47, gre(0x88be, ethernet(0x0800, innerTcp))));
  assertInnerTcp(outerV4(47, gre(0x88be, erspan2(ethernet(0x0800, innerTcp)), { seq: 1 })));
  assertInnerTcp(outerV4(47, gre(0x22eb, erspan3(ethernet(0x0800, innerTcp), false), { seq: 1 })));
  assertInnerTcp(outerV4(47, gre(0x22eb, erspan3(ethernet(0x0800, innerTcp), true), { seq: 1 })));
  const badVer = erspan2(ethernet(0x0800, innerTcp));
  badVer[0] = 0x70;
  const d = decodeFrame(outerV4(47, gre(0x88be, badVer, { seq: 1 })), 1);
  assert.equal(d.pkt.anomaly, 'decoder.erspan.unsupported_version');
  // The outer GRE packet stands.
  assert.equal(d.src, OUTER_SRC);
  assert.equal(d.pkt.proto, IPPROTO_GRE);
  assert.equal(d.pkt.tunnelDepth, 0);
});

test('VXLAN (UDP 4789) and Geneve (UDP 6081, with options, Ethernet and IP payloads)', () => {
  assertInnerTcp(outerV4(17, udp(55555, 4789, vxlan(100, ethernet(0x0800, innerTcp)))));
  const opts = Buffer.alloc(12, 0x11);
  assertInnerTcp(outerV4(17, udp(55555, 6081, geneve(0x6558, opts, ethernet(0x0800, innerTcp)))));
  assertInnerTcp(outerV4(17, udp(55555, 6081, geneve(0x0800, Buffer.alloc(0), innerTcp))));
  const v6 = decodeFrame(outerV4(17, udp(1, 6081, geneve(0x86dd, Buffer.alloc(4), innerV6))), 1);
  assert.equal(v6.src, '2001:db8:1::1');
  assert.equal(v6.pkt.dstPort, 53);
});

test('a tunnel holding no IP (ARP in VXLAN) leaves the outer UDP packet as the flow', () => {
  const d = decodeFrame(outerV4(17, udp(55555, 4789, vxlan(1, ethernet(0x0806, Buffer.alloc(28))))), 1);
  assert.equal(d.r, DECODE_OK);
  assert.equal(d.src, OUTER_SRC);
  assert.equal(d.pkt.proto, IPPROTO_UDP);
  assert.equal(d.pkt.dstPort, 4789);
  assert.equal(d.pkt.tunnelDepth, 0);
  assert.equal(d.pkt.payloadLen, 8 + 14 + 28);
});

test('IP-in-IP: 4in4, 6in4, 4in6, 6in6', () => {
  assertInnerTcp(outerV4(4, innerTcp));
  const six4 = decodeFrame(outerV4(41, innerV6), 1);
  assert.equal(six4.src, '2001:db8:1::1');
  assert.equal(six4.pkt.tunnelDepth, 1);
  assertInnerTcp(ethernet(0x86dd, ipv6({ nh: 4 }, innerTcp)));
  const six6 = decodeFrame(ethernet(0x86dd, ipv6({ nh: 41 }, innerV6)), 1);
  assert.equal(six6.src, '2001:db8:1::1');
  assert.equal(six6.pkt.srcPort, 5000);
});

test('PPTP enhanced GRE (version 1) with PPP', () => {
  const hdr = Buffer.concat([u16(0x3001), u16(0x880b), u16(innerTcp.length + 4), u16(5), Buffer.alloc(4)]);
  const ppp = Buffer.concat([Buffer.from([0xff, 0x03, 0x00, 0x21]), innerTcp]);
  assertInnerTcp(outerV4(47, Buffer.concat([hdr, ppp])));
  const noKey = Buffer.concat([u16(0x1001), u16(0x880b), Buffer.alloc(8), ppp]);
  const d = decodeFrame(outerV4(47, noKey), 1);
  assert.equal(d.r, DECODE_ERROR);
  assert.equal(d.pkt.anomaly, 'decoder.gre.version1_no_key');
});

test('GRE in UDP (4754), GRE in GRE, and MPLS inside GRE', () => {
  assertInnerTcp(outerV4(17, udp(1, 4754, gre(0x0800, innerTcp))));
  const inner = ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: 47 }, gre(0x0800, innerTcp));
  assertInnerTcp(outerV4(47, gre(0x0800, inner)), 2);
  const mpls = Buffer.concat([Buffer.from([0x00, 0x01, 0x01, 0x40]), innerTcp]); // label 16, bottom of stack
  assertInnerTcp(outerV4(47, gre(0x8847, mpls)));
});

test('Teredo (UDP 3544) carries IPv6; ordinary traffic on that port stays UDP', () => {
  const origin = Buffer.from([0, 0, 0x12, 0x34, 1, 2, 3, 4]);
  const d = decodeFrame(outerV4(17, udp(3544, 60000, Buffer.concat([origin, innerV6]))), 1);
  assert.equal(d.src, '2001:db8:1::1');
  assert.equal(d.pkt.tunnelDepth, 1);
  const plain = decodeFrame(outerV4(17, udp(3544, 60000, Buffer.from('not teredo at all'))), 1);
  assert.equal(plain.src, OUTER_SRC);
  assert.equal(plain.pkt.tunnelDepth, 0);
});

test(`tunnel nesting is bounded at ${MAX_TUNNEL_DEPTH} levels`, () => {
  let pkt = innerTcp;
  for (let i = 0; i < MAX_TUNNEL_DEPTH + 2; i++)
    pkt = ipv4({ src: `192.0.2.${i + 10}`, dst: '192.0.2.200', proto: 4 }, pkt);
  const d = decodeFrame(ethernet(0x0800, pkt), 1);
  assert.equal(d.r, DECODE_OK);
  assert.equal(d.pkt.tunnelDepth, MAX_TUNNEL_DEPTH);
  assert.equal(d.pkt.anomaly, 'decoder.moat.tunnel_too_deep');
  // The deepest layer decoded is the flow: 6 wrappers, 4 stripped → the 2nd wrapper from the inside.
  assert.equal(d.src, '192.0.2.11');
  assert.equal(d.pkt.proto, 4);
});

test('the outermost IP layer is kept for the EVE tunnel object', () => {
  const inner = ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: 47 }, gre(0x0800, innerTcp));
  const d = decodeFrame(outerV4(47, gre(0x0800, inner)), 1);
  assert.equal(d.pkt.tunnelDepth, 2);
  assert.equal(d.pkt.tunnelIpVersion, 4);
  assert.equal(d.pkt.tunnelProto, IPPROTO_GRE);
  assert.equal(formatIp(d.pkt.tunnelSrc, 4), OUTER_SRC);
  assert.equal(formatIp(d.pkt.tunnelDst, 4), OUTER_DST);
});

test('GTP-U (UDP 2152) G-PDU, with and without the optional fields and an extension header', () => {
  const gtp = (flags: number, extra: Buffer, payload: Buffer) =>
    Buffer.concat([
      Buffer.from([flags, 0xff]),
      u16(extra.length + payload.length),
      Buffer.from([0, 0, 0, 1]),
      extra,
      payload,
    ]);
  assertInnerTcp(outerV4(17, udp(2152, 2152, gtp(0x30, Buffer.alloc(0), innerTcp))));
  // E flag: seq, N-PDU, next extension type 0x85 (PDU session container, 4 bytes, then none).
  const ext = Buffer.from([0, 0, 0, 0x85, 1, 0x10, 1, 0]);
  assertInnerTcp(outerV4(17, udp(2152, 2152, gtp(0x34, ext, innerTcp))));
  // Echo request (type 1) is not user traffic.
  const echo = Buffer.concat([Buffer.from([0x32, 0x01]), u16(4), Buffer.alloc(8)]);
  const d = decodeFrame(outerV4(17, udp(2152, 2152, echo)), 1);
  assert.equal(d.src, OUTER_SRC);
  assert.equal(d.pkt.tunnelDepth, 0);
});

test('AYIYA (UDP 5072) forward packets carry IPv6', () => {
  // Identity length 2^4 = 16 bytes, signature 5 words (SHA-1), opcode 1 forward, next header 41.
  const hdr = Buffer.concat([
    Buffer.from([0x41, 0x52, 0x11, 41]),
    Buffer.alloc(4),
    Buffer.alloc(16),
    Buffer.alloc(20),
  ]);
  const d = decodeFrame(outerV4(17, udp(40000, 5072, Buffer.concat([hdr, innerV6]))), 1);
  assert.equal(d.src, '2001:db8:1::1');
  assert.equal(d.pkt.tunnelDepth, 1);
});

test('802.11 QoS data frames: radiotap link type and Aruba GRE (0x8200); protected frames are not IP', () => {
  const wlanHdr = Buffer.alloc(26);
  wlanHdr[0] = 0x88; // data, QoS data subtype
  wlanHdr[1] = 0x01; // to DS
  const snap = Buffer.concat([Buffer.from([0xaa, 0xaa, 0x03, 0, 0, 0]), u16(0x0800)]);
  const wlan = Buffer.concat([wlanHdr, snap, innerTcp]);
  assertInnerTcp(outerV4(47, gre(0x8200, wlan)));
  const radiotap = Buffer.from([0, 0, 8, 0, 0, 0, 0, 0]);
  const d = decodeFrame(Buffer.concat([radiotap, wlan]), 127);
  assert.equal(d.dst, '10.2.2.2');
  const prot = Buffer.from(wlan);
  prot[1] |= 0x40;
  assert.equal(decodeFrame(Buffer.concat([radiotap, prot]), 127).r, DECODE_NOT_IP);
  const aruba = decodeFrame(outerV4(47, gre(0x8200, prot)), 1);
  assert.equal(aruba.src, OUTER_SRC);
  assert.equal(aruba.pkt.proto, IPPROTO_GRE);
});

test('IPv6 carrying "IPv4" with the wrong version is flagged and left as payload', () => {
  const d = decodeFrame(ethernet(0x86dd, ipv6({ nh: 4 }, innerV6)), 1);
  assert.equal(d.pkt.anomaly, 'decoder.ipv6.ipv4_in_ipv6_wrong_version');
  assert.equal(d.pkt.tunnelDepth, 0);
  assert.equal(d.pkt.proto, 4);
});
