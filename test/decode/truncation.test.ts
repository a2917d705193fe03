import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DECODE_ERROR, DECODE_OK, DECODE_TRUNCATED } from '../../src/decode/decoded-packet.js';
import { decodeFrame } from './helpers.js';
import { ethernet, ipv4, ipv6, tcp, udp, vlanTag } from './frames.js';

const data = Buffer.alloc(1000, 0x5a);
const frame = ethernet(0x0800, ipv4({ proto: 6 }, tcp({ sp: 1000, dp: 443, seq: 9 }, data)));

test('snap-length cut (caplen < wirelen): fields so far, payload clamped, no anomaly', () => {
  const d = decodeFrame(frame, 1, { caplen: 14 + 20 + 20 + 100, wirelen: frame.length });
  assert.equal(d.r, DECODE_TRUNCATED);
  assert.equal(d.pkt.truncated, true);
  assert.equal(d.pkt.anomaly, '');
  assert.equal(d.pkt.dstPort, 443);
  assert.equal(d.pkt.tcpSeq, 9);
  assert.equal(d.pkt.payloadLen, 100);
  // Cut inside the TCP header: the ports survive.
  const mid = decodeFrame(frame, 1, { caplen: 14 + 20 + 6, wirelen: frame.length });
  assert.equal(mid.r, DECODE_TRUNCATED);
  assert.equal(mid.pkt.srcPort, 1000);
  assert.equal(mid.pkt.dstPort, 443);
  assert.equal(mid.pkt.payloadLen, 0);
  // Cut inside the IP header: not even addresses.
  const ip = decodeFrame(frame, 1, { caplen: 14 + 10, wirelen: frame.length });
  assert.equal(ip.r, DECODE_TRUNCATED);
  assert.equal(ip.pkt.ipVersion, 0);
});

test('a packet shorter on the wire than its IP header says is decoder.ipv4.trunc_pkt / ipv6.trunc_pkt', () => {
  // Not cut by the snap length: invalid at the IP layer, as Suricata has it (no addresses, no flow).
  const short = frame.subarray(0, 14 + 20 + 20 + 10);
  const d = decodeFrame(short, 1);
  assert.equal(d.r, DECODE_ERROR);
  assert.equal(d.pkt.anomaly, 'decoder.ipv4.trunc_pkt');
  assert.equal(d.pkt.ipVersion, 0);
  const v6 = ethernet(0x86dd, ipv6({ nh: 17 }, udp(1, 2, data)));
  const d6 = decodeFrame(v6.subarray(0, 14 + 40 + 8 + 5), 1);
  assert.equal(d6.r, DECODE_ERROR);
  assert.equal(d6.pkt.anomaly, 'decoder.ipv6.trunc_pkt');
  assert.equal(d6.pkt.ipVersion, 0);
});

test('impossible header values are errors with Suricata event names', () => {
  const cases: [Buffer, string][] = [
    [Buffer.alloc(10), 'decoder.ethernet.pkt_too_small'],
    [ethernet(0x8100, Buffer.from([0, 1])), 'decoder.vlan.header_too_small'],
    [ethernet(0x0800, Buffer.alloc(12, 0x45)), 'decoder.ipv4.pkt_too_small'],
    [ethernet(0x0800, ipv4({ proto: 6, ihl: 4 }, tcp({ sp: 1, dp: 2 }))), 'decoder.ipv4.hlen_too_small'],
    [
      ethernet(0x0800, ipv4({ proto: 6, totalLen: 12 }, tcp({ sp: 1, dp: 2 }))),
      'decoder.ipv4.iplen_smaller_than_hlen',
    ],
    [
      ethernet(0x0800, Buffer.concat([Buffer.from([0x65]), Buffer.alloc(30)])),
      'decoder.ipv4.wrong_ip_version',
    ],
    [ethernet(0x86dd, Buffer.alloc(20, 0x60)), 'decoder.ipv6.pkt_too_small'],
    [ethernet(0x0800, ipv4({ proto: 6 }, tcp({ sp: 1, dp: 2, doff: 4 }))), 'decoder.tcp.invalid_optlen'],
    [ethernet(0x0800, ipv4({ proto: 6 }, tcp({ sp: 1, dp: 2, doff: 15 }))), 'decoder.tcp.hlen_too_small'],
    [ethernet(0x0800, ipv4({ proto: 6 }, Buffer.alloc(12))), 'decoder.tcp.pkt_too_small'],
    [ethernet(0x0800, ipv4({ proto: 17 }, udp(1, 2, Buffer.alloc(4), 40))), 'decoder.udp.pkt_too_small'],
    [ethernet(0x0800, ipv4({ proto: 17 }, udp(1, 2, Buffer.alloc(4), 5))), 'decoder.udp.len_invalid'],
    [ethernet(0x0800, ipv4({ proto: 17 }, Buffer.alloc(6))), 'decoder.udp.hlen_too_small'],
    [ethernet(0x0800, ipv4({ proto: 1 }, Buffer.alloc(3))), 'decoder.icmpv4.pkt_too_small'],
    [ethernet(0x0800, ipv4({ proto: 47 }, Buffer.from([0, 0]))), 'decoder.gre.pkt_too_small'],
    [ethernet(0x0800, ipv4({ proto: 47 }, Buffer.from([0, 5, 8, 0]))), 'decoder.gre.wrong_version'],
    [
      ethernet(0x0800, ipv4({ proto: 47 }, Buffer.from([0xb0, 0, 8, 0, 0, 0]))),
      'decoder.gre.version0_hdr_too_big',
    ],
  ];
  for (const [f, name] of cases) {
    const d = decodeFrame(f, 1);
    assert.equal(d.r, DECODE_ERROR, name);
    assert.equal(d.pkt.anomaly, name);
  }
});

test('a truncated VLAN or IP header inside a cut frame is truncation, not an error', () => {
  const tagged = ethernet(0x8100, vlanTag(5, 0x0800, ipv4({ proto: 17 }, udp(1, 2, data))));
  const d = decodeFrame(tagged, 1, { caplen: 16, wirelen: tagged.length });
  assert.equal(d.r, DECODE_TRUNCATED);
  assert.equal(d.pkt.anomaly, '');
});

test('IPv4 total length 0 (segmentation offload on the capturing host) uses the captured length', () => {
  const tso = ethernet(0x0800, ipv4({ proto: 6, totalLen: 0 }, tcp({ sp: 5, dp: 6 }, Buffer.from('abc'))));
  const d = decodeFrame(tso, 1);
  assert.equal(d.r, DECODE_OK);
  assert.equal(d.payload.toString(), 'abc');
});

test('caplen beyond the buffer, zero or negative, and offsets at the end are handled without throwing', async () => {
  const { PacketDecoder } = await import('../../src/decode/packet-decoder.js');
  const { DecodedPacket } = await import('../../src/decode/decoded-packet.js');
  const dec = new PacketDecoder();
  const pkt = new DecodedPacket();
  // A caplen past the buffer (a source bug) reads only what the buffer holds.
  assert.equal(dec.decode(frame, 0, frame.length + 500, frame.length + 500, 0, 1, pkt), DECODE_OK);
  assert.equal(pkt.dstPort, 443);
  assert.equal(dec.decode(frame, 0, 0, 60, 0, 1, pkt), DECODE_TRUNCATED);
  assert.equal(pkt.ipVersion, 0);
  assert.equal(dec.decode(frame, frame.length, 10, 10, 0, 1, pkt), DECODE_ERROR);
  assert.equal(dec.decode(frame, 0, -5, 0, 0, 1, pkt), DECODE_TRUNCATED);
});
