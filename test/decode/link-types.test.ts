import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  LINKTYPE_RAW_BSD,
  LINKTYPE_RAW_OPENBSD,
} from '../../src/capture/packet.js';
import {
  DECODE_ERROR,
  DECODE_NOT_IP,
  DECODE_OK,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  TCP_ACK,
  TCP_SYN,
} from '../../src/decode/decoded-packet.js';
import { DecodedPacket } from '../../src/decode/decoded-packet.js';
import { LINKTYPE_NFLOG, LINKTYPE_PPP, PacketDecoder } from '../../src/decode/packet-decoder.js';
import { decodeFrame } from './helpers.js';
import { ethernet, icmp, ipv4, ipv6, sll, sll2, tcp, u16, u32, udp, vlanTag } from './frames.js';

const synV4 = ipv4(
  { src: '192.168.1.10', dst: '93.184.216.34', proto: 6, id: 777, ttl: 61 },
  tcp(
    { sp: 51000, dp: 443, seq: 0xfffffff0, ack: 5, flags: TCP_SYN | TCP_ACK, win: 29200 },
    Buffer.from('hello'),
  ),
);
const udpV6 = ipv6(
  { src: 'fe80::1', dst: 'ff02::fb', nh: 17, hopLimit: 255 },
  udp(5353, 5353, Buffer.from('mdns')),
);

test('Ethernet IPv4 TCP: addresses IPv4-mapped, ports, flags, seq/ack/window, payload', () => {
  const d = decodeFrame(ethernet(0x0800, synV4), LINKTYPE_ETHERNET);
  assert.equal(d.r, DECODE_OK);
  const p = d.pkt;
  assert.equal(p.ipVersion, 4);
  assert.deepEqual([...p.src], [0, 0, 0xffff, 0xc0a8010a]);
  assert.equal(d.src, '192.168.1.10');
  assert.equal(d.dst, '93.184.216.34');
  assert.equal(p.proto, IPPROTO_TCP);
  assert.equal(p.srcPort, 51000);
  assert.equal(p.dstPort, 443);
  assert.equal(p.tcpFlags, TCP_SYN | TCP_ACK);
  assert.equal(p.tcpSeq, 0xfffffff0);
  assert.equal(p.tcpAck, 5);
  assert.equal(p.tcpWindow, 29200);
  assert.equal(p.ttl, 61);
  assert.equal(p.ipId, 777);
  assert.equal(p.l3Off, 7 + 14);
  assert.equal(d.payload.toString(), 'hello');
  assert.equal(p.vlanCount, 0);
  assert.equal(p.tunnelDepth, 0);
  assert.equal(p.anomaly, '');
});

test('Ethernet padding after a short IP packet is not payload', () => {
  const small = ipv4({ proto: 17 }, udp(1000, 53, Buffer.from('q')));
  const frame = Buffer.concat([ethernet(0x0800, small), Buffer.alloc(60 - 14 - small.length)]);
  const d = decodeFrame(frame, LINKTYPE_ETHERNET);
  assert.equal(d.r, DECODE_OK);
  assert.equal(d.payload.toString(), 'q');
});

test('TCP options are skipped', () => {
  const opts = Buffer.from([2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 0, 0]);
  const d = decodeFrame(
    ethernet(0x0800, ipv4({ proto: 6 }, tcp({ sp: 1, dp: 2, options: opts }, Buffer.from('x')))),
    1,
  );
  assert.equal(d.r, DECODE_OK);
  assert.equal(d.payload.toString(), 'x');
});

test('IPv4 options are skipped', () => {
  const d = decodeFrame(
    ethernet(
      0x0800,
      ipv4({ proto: 17, options: Buffer.from([0x94, 4, 0, 0]) }, udp(7, 9, Buffer.from('ab'))),
    ),
    1,
  );
  assert.equal(d.r, DECODE_OK);
  assert.equal(d.pkt.srcPort, 7);
  assert.equal(d.payload.toString(), 'ab');
});

test('IPv6 UDP over Ethernet', () => {
  const d = decodeFrame(ethernet(0x86dd, udpV6), LINKTYPE_ETHERNET);
  assert.equal(d.r, DECODE_OK);
  assert.equal(d.pkt.ipVersion, 6);
  assert.equal(d.src, 'fe80::1');
  assert.equal(d.dst, 'ff02::fb');
  assert.equal(d.pkt.proto, IPPROTO_UDP);
  assert.equal(d.pkt.srcPort, 5353);
  assert.equal(d.pkt.ttl, 255);
  assert.equal(d.payload.toString(), 'mdns');
});

test('ICMP and ICMPv6 type/code', () => {
  const d4 = decodeFrame(ethernet(0x0800, ipv4({ proto: 1 }, icmp(8, 0))), 1);
  assert.equal(d4.r, DECODE_OK);
  assert.equal(d4.pkt.proto, IPPROTO_ICMP);
  assert.equal(d4.pkt.icmpType, 8);
  assert.equal(d4.pkt.icmpCode, 0);
  const d6 = decodeFrame(ethernet(0x86dd, ipv6({ nh: 58 }, icmp(1, 4))), 1);
  assert.equal(d6.r, DECODE_OK);
  assert.equal(d6.pkt.proto, IPPROTO_ICMPV6);
  assert.equal(d6.pkt.icmpType, 1);
  assert.equal(d6.pkt.icmpCode, 4);
});

test('802.1Q tag, QinQ and a third tag fill pkt.vlan; a fourth is flagged', () => {
  const one = decodeFrame(ethernet(0x8100, vlanTag(0x2064, 0x0800, synV4)), 1);
  assert.equal(one.r, DECODE_OK);
  assert.equal(one.pkt.vlanCount, 1);
  assert.equal(one.pkt.vlan[0], 100); // priority bits dropped
  assert.equal(one.pkt.dstPort, 443);
  const two = decodeFrame(ethernet(0x88a8, vlanTag(10, 0x8100, vlanTag(20, 0x86dd, udpV6))), 1);
  assert.equal(two.r, DECODE_OK);
  assert.deepEqual([two.pkt.vlanCount, two.pkt.vlan[0], two.pkt.vlan[1]], [2, 10, 20]);
  assert.equal(two.pkt.srcPort, 5353);
  const three = decodeFrame(
    ethernet(0x88a8, vlanTag(1, 0x8100, vlanTag(2, 0x8100, vlanTag(3, 0x0800, synV4)))),
    1,
  );
  // Three tags are kept, as Suricata keeps them; a fourth is decoded through and flagged.
  assert.equal(three.r, DECODE_OK);
  assert.deepEqual([...three.pkt.vlan.subarray(0, three.pkt.vlanCount)], [1, 2, 3]);
  assert.equal(three.pkt.anomaly, '');
  assert.equal(three.pkt.dstPort, 443);
  const four = decodeFrame(
    ethernet(0x88a8, vlanTag(1, 0x8100, vlanTag(2, 0x8100, vlanTag(3, 0x8100, vlanTag(4, 0x0800, synV4))))),
    1,
  );
  assert.equal(four.r, DECODE_OK);
  assert.equal(four.pkt.vlanCount, 3);
  assert.equal(four.pkt.anomaly, 'decoder.vlan.too_many_layers');
  assert.equal(four.pkt.dstPort, 443);
  // A stack of 100 tags is malformed, and stops well before the decoder's layer bound.
  let deep = vlanTag(0, 0x0800, synV4);
  for (let i = 0; i < 100; i++) deep = vlanTag(i, 0x8100, deep);
  const d = decodeFrame(ethernet(0x8100, deep), 1);
  assert.equal(d.r, DECODE_ERROR);
  assert.equal(d.pkt.anomaly, 'decoder.vlan.too_many_layers');
});

test('Linux cooked v1 and v2', () => {
  const v1 = decodeFrame(sll(0x0800, synV4), LINKTYPE_LINUX_SLL);
  assert.equal(v1.r, DECODE_OK);
  assert.equal(v1.dst, '93.184.216.34');
  assert.equal(v1.pkt.l3Off, 7 + 16);
  const v2 = decodeFrame(sll2(0x86dd, udpV6), LINKTYPE_LINUX_SLL2);
  assert.equal(v2.r, DECODE_OK);
  assert.equal(v2.src, 'fe80::1');
  assert.equal(v2.pkt.l3Off, 7 + 20);
  const vlanInSll = decodeFrame(sll(0x8100, vlanTag(5, 0x0800, synV4)), LINKTYPE_LINUX_SLL);
  assert.equal(vlanInSll.pkt.vlan[0], 5);
  assert.equal(vlanInSll.pkt.dstPort, 443);
  assert.equal(decodeFrame(sll(0x0806, Buffer.alloc(28)), LINKTYPE_LINUX_SLL).r, DECODE_NOT_IP);
});

test('BSD null loopback in either host byte order, and OpenBSD LOOP in network order', () => {
  const le = (n: number) => Buffer.from([n, 0, 0, 0]);
  assert.equal(decodeFrame(Buffer.concat([le(2), synV4]), LINKTYPE_NULL).dst, '93.184.216.34');
  assert.equal(decodeFrame(Buffer.concat([u32(2), synV4]), LINKTYPE_NULL).dst, '93.184.216.34');
  for (const af of [24, 28, 30]) {
    const d = decodeFrame(Buffer.concat([le(af), udpV6]), LINKTYPE_NULL);
    assert.equal(d.r, DECODE_OK, `AF ${af}`);
    assert.equal(d.pkt.ipVersion, 6);
    assert.equal(decodeFrame(Buffer.concat([u32(af), udpV6]), LINKTYPE_NULL).pkt.ipVersion, 6);
    assert.equal(decodeFrame(Buffer.concat([u32(af), udpV6]), LINKTYPE_LOOP).pkt.ipVersion, 6);
  }
  assert.equal(decodeFrame(Buffer.concat([u32(2), synV4]), LINKTYPE_LOOP).pkt.dstPort, 443);
  assert.equal(decodeFrame(Buffer.concat([le(23), udpV6]), LINKTYPE_NULL).pkt.ipVersion, 6);
  assert.equal(decodeFrame(Buffer.concat([le(10), synV4]), LINKTYPE_NULL).r, DECODE_NOT_IP);
  const odd = decodeFrame(Buffer.concat([le(7), synV4]), LINKTYPE_NULL);
  assert.equal(odd.r, DECODE_NOT_IP);
  assert.equal(odd.pkt.anomaly, 'decoder.ltnull.unsupported_type');
});

test('raw IP link types take the version from the first nibble', () => {
  for (const lt of [LINKTYPE_RAW, LINKTYPE_RAW_BSD, LINKTYPE_RAW_OPENBSD, LINKTYPE_IPV4, LINKTYPE_IPV6]) {
    assert.equal(decodeFrame(synV4, lt).pkt.dstPort, 443, `link type ${lt}`);
    assert.equal(decodeFrame(udpV6, lt).pkt.srcPort, 5353, `link type ${lt}`);
  }
  const bad = decodeFrame(Buffer.concat([Buffer.from([0x50]), synV4]), LINKTYPE_RAW);
  assert.equal(bad.r, DECODE_ERROR);
  assert.equal(bad.pkt.anomaly, 'decoder.ipraw.invalid_ip_version');
});

test('PPP and NFLOG link types', () => {
  const ppp = decodeFrame(Buffer.concat([Buffer.from([0xff, 0x03, 0x00, 0x21]), synV4]), LINKTYPE_PPP);
  assert.equal(ppp.pkt.dstPort, 443);
  // NFLOG: family, version, resource id; a prefix TLV, then the payload TLV (little-endian lengths).
  const prefix = Buffer.from([8, 0, 10, 0, 0x61, 0x62, 0x63, 0]);
  const payloadTlv = Buffer.alloc(4);
  payloadTlv.writeUInt16LE(4 + udpV6.length, 0);
  payloadTlv.writeUInt16LE(9, 2);
  const nflog = decodeFrame(
    Buffer.concat([Buffer.from([10, 0, 0, 1]), prefix, payloadTlv, udpV6]),
    LINKTYPE_NFLOG,
  );
  assert.equal(nflog.r, DECODE_OK);
  assert.equal(nflog.src, 'fe80::1');
});

test('802.3 frames with LLC/SNAP carry an ethertype; other LLC is not IP', () => {
  const snap = Buffer.concat([Buffer.from([0xaa, 0xaa, 0x03, 0, 0, 0]), u16(0x0800), synV4]);
  const frame = Buffer.concat([ethernet(snap.length, snap)]);
  assert.equal(decodeFrame(frame, 1).pkt.dstPort, 443);
  const stp = Buffer.from([0x42, 0x42, 0x03, 0, 0, 0, 0, 0]);
  assert.equal(decodeFrame(ethernet(stp.length, stp), 1).r, DECODE_NOT_IP);
});

test('ARP, LLDP and unknown link types are not IP', () => {
  assert.equal(decodeFrame(ethernet(0x0806, Buffer.alloc(28)), 1).r, DECODE_NOT_IP);
  assert.equal(decodeFrame(ethernet(0x88cc, Buffer.alloc(40)), 1).r, DECODE_NOT_IP);
  const unk = decodeFrame(synV4, 147);
  assert.equal(unk.r, DECODE_NOT_IP);
  assert.equal(unk.pkt.ipVersion, 0);
});

test('the decoder is reusable: fields from one packet do not leak into the next', () => {
  const decoder = new PacketDecoder();
  const pkt = new DecodedPacket();
  const tagged = decodeFrame(ethernet(0x8100, vlanTag(9, 0x0800, synV4)), 1, { decoder, pkt });
  assert.equal(tagged.pkt.vlanCount, 1);
  assert.equal(tagged.pkt.tcpFlags, TCP_SYN | TCP_ACK);
  const ping = decodeFrame(ethernet(0x0800, ipv4({ proto: 1 }, icmp(8, 0))), 1, { decoder, pkt });
  assert.equal(ping.pkt.vlanCount, 0);
  assert.equal(ping.pkt.srcPort, 0);
  assert.equal(ping.pkt.tcpFlags, 0);
  assert.equal(ping.pkt.icmpType, 8);
  const arp = decodeFrame(ethernet(0x0806, Buffer.alloc(28)), 1, { decoder, pkt });
  assert.equal(arp.r, DECODE_NOT_IP);
  assert.equal(arp.pkt.ipVersion, 0);
});

test('Ethernet nested in Ethernet (0x6558) without end is bounded: decoder.moat.too_many_layers', () => {
  let f = synV4;
  let type = 0x0800;
  for (let i = 0; i < 100; i++) {
    f = ethernet(type, f);
    type = 0x6558;
  }
  const d = decodeFrame(ethernet(0x6558, f), 1);
  assert.equal(d.r, DECODE_ERROR);
  assert.equal(d.pkt.anomaly, 'decoder.moat.too_many_layers');
});
