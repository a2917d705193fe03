import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DECODE_ERROR,
  DECODE_FRAGMENT_HELD,
  DECODE_OK,
  DecodedPacket,
  IPPROTO_TCP,
  IPPROTO_UDP,
} from '../../src/decode/decoded-packet.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { decodeFrame, type Decoded } from './helpers.js';
import { ethernet, frag6, gre, ipv4, ipv6, tcp, udp, vlanTag } from './frames.js';

/** Splits an IPv4 payload into fragments of `size` bytes (a multiple of 8 except the last). */
function fragments4(payload: Buffer, size: number, id: number, proto = 17): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o < payload.length; o += size) {
    const part = payload.subarray(o, o + size);
    out.push(ethernet(0x0800, ipv4({ proto, id, fragOffset: o, more: o + size < payload.length }, part)));
  }
  return out;
}

function fragments6(payload: Buffer, size: number, id: number, nh = 17): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o < payload.length; o += size) {
    const part = payload.subarray(o, o + size);
    out.push(
      ethernet(0x86dd, ipv6({ nh: 44 }, Buffer.concat([frag6(nh, o, o + size < payload.length, id), part]))),
    );
  }
  return out;
}

/** One view per frame (the results are compared afterwards), one decoder for all. */
function feed(dec: PacketDecoder, frames: Buffer[], tsUs = 1_000_000): Decoded[] {
  return frames.map((f, i) => decodeFrame(f, 1, { decoder: dec, tsUs: tsUs + i }));
}

const body = Buffer.alloc(3000);
for (let i = 0; i < body.length; i++) body[i] = (i * 7 + 3) & 255;
const dgram = udp(1111, 2222, body);

test('IPv4 fragments in order reassemble into one UDP datagram in a reassembly buffer', () => {
  const dec = new PacketDecoder();
  const frames = fragments4(dgram, 1480, 0x4242);
  const res = feed(dec, frames);
  assert.deepEqual(
    res.slice(0, -1).map((d) => d.r),
    [DECODE_FRAGMENT_HELD, DECODE_FRAGMENT_HELD],
  );
  const last = res[res.length - 1];
  assert.equal(last.r, DECODE_OK);
  assert.equal(last.pkt.proto, IPPROTO_UDP);
  assert.equal(last.pkt.srcPort, 1111);
  assert.equal(last.pkt.dstPort, 2222);
  assert.equal(last.pkt.ipId, 0x4242);
  assert.ok(last.payload.equals(body));
  assert.equal(last.pkt.buf, dec.reassembler.output);
  assert.equal(last.pkt.l3Off, 0);
  assert.equal(last.pkt.anomaly, '');
  assert.equal(dec.reassembler.held, 0);
  assert.equal(dec.reassembler.stats.completed, 1);
});

test('IPv4 fragments out of order (last first) reassemble the same bytes', () => {
  const dec = new PacketDecoder();
  const frames = fragments4(dgram, 1000, 7);
  const order = [3, 1, 0, 2].map((i) => frames[i]);
  const res = feed(dec, order);
  assert.deepEqual(
    res.map((d) => d.r),
    [DECODE_FRAGMENT_HELD, DECODE_FRAGMENT_HELD, DECODE_FRAGMENT_HELD, DECODE_OK],
  );
  assert.ok(res[3].payload.equals(body));
});

test('overlapping IPv4 fragments: the bytes that arrived first win, and the datagram is flagged', () => {
  const dec = new PacketDecoder();
  const first = Buffer.alloc(24, 0x41); // bytes 0..23
  const overlap = Buffer.alloc(16, 0x42); // bytes 16..31, overlapping 16..23
  const tail = Buffer.alloc(8, 0x43); // bytes 32..39, last
  const mk = (p: Buffer, off: number, more: boolean) =>
    ethernet(0x0800, ipv4({ proto: 253, id: 9, fragOffset: off, more }, p));
  const res = feed(dec, [mk(first, 0, true), mk(overlap, 16, true), mk(tail, 32, false)]);
  const done = res[2];
  assert.equal(done.r, DECODE_OK);
  assert.equal(done.pkt.anomaly, 'decoder.ipv4.frag_overlap');
  const expected = Buffer.concat([Buffer.alloc(24, 0x41), Buffer.alloc(8, 0x42), Buffer.alloc(8, 0x43)]);
  assert.ok(done.payload.equals(expected), done.payload.toString('hex'));
  assert.equal(dec.reassembler.stats.overlaps, 1);
});

test('a fragment arriving after the timeout (packet time) starts over; the stale datagram is dropped', () => {
  const dec = new PacketDecoder({ reassembly: { timeoutUs: 30_000_000 } });
  const frames = fragments4(dgram, 1480, 5);
  const pkt = new DecodedPacket();
  assert.equal(decodeFrame(frames[0], 1, { decoder: dec, pkt, tsUs: 0 }).r, DECODE_FRAGMENT_HELD);
  assert.equal(decodeFrame(frames[1], 1, { decoder: dec, pkt, tsUs: 31_000_000 }).r, DECODE_FRAGMENT_HELD);
  assert.equal(dec.reassembler.stats.timedOut, 1);
  // The first fragment is gone, so even the last one leaves the datagram incomplete.
  assert.equal(decodeFrame(frames[2], 1, { decoder: dec, pkt, tsUs: 31_000_001 }).r, DECODE_FRAGMENT_HELD);
  assert.equal(dec.reassembler.held, 1);
  // Within the timeout everything completes.
  assert.equal(decodeFrame(frames[0], 1, { decoder: dec, pkt, tsUs: 32_000_000 }).r, DECODE_OK);
  assert.ok(Buffer.from(pkt.buf.subarray(pkt.payloadOff, pkt.payloadOff + pkt.payloadLen)).equals(body));
});

test('fragments of different datagrams (id, protocol, addresses) are kept apart', () => {
  const dec = new PacketDecoder();
  const a = fragments4(udp(1, 2, Buffer.alloc(64, 1)), 40, 100);
  const b = fragments4(udp(3, 4, Buffer.alloc(64, 2)), 40, 101);
  const res = feed(dec, [a[0], b[0], b[1], a[1]]);
  assert.deepEqual(
    res.map((d) => d.r),
    [DECODE_FRAGMENT_HELD, DECODE_FRAGMENT_HELD, DECODE_OK, DECODE_OK],
  );
  assert.equal(res[2].pkt.srcPort, 3);
  assert.ok(res[2].payload.equals(Buffer.alloc(64, 2)));
  assert.equal(res[3].pkt.srcPort, 1);
  assert.ok(res[3].payload.equals(Buffer.alloc(64, 1)));
});

test('a datagram beyond 65535 bytes is refused with frag_pkt_too_large', () => {
  const d = decodeFrame(
    ethernet(0x0800, ipv4({ proto: 17, fragOffset: 65528, more: false }, Buffer.alloc(100))),
    1,
  );
  assert.equal(d.r, DECODE_ERROR);
  assert.equal(d.pkt.anomaly, 'decoder.ipv4.frag_pkt_too_large');
});

test('memory stays bounded: datagram count and table bytes', () => {
  const dec = new PacketDecoder({ reassembly: { maxDatagrams: 50, maxTableBytes: 64 * 1024 } });
  const pkt = new DecodedPacket();
  for (let id = 0; id < 2000; id++) {
    // First fragments only: nothing ever completes.
    const f = ethernet(0x0800, ipv4({ proto: 17, id, fragOffset: 0, more: true }, Buffer.alloc(1480)));
    assert.equal(decodeFrame(f, 1, { decoder: dec, pkt, tsUs: id }).r, DECODE_FRAGMENT_HELD);
    assert.ok(dec.reassembler.held <= 50);
    assert.ok(dec.reassembler.bytesHeld <= 64 * 1024);
  }
  assert.ok(dec.reassembler.stats.evicted >= 1950);
});

test('IPv6 fragments reassemble (in and out of order) into TCP', () => {
  const seg = tcp({ sp: 4444, dp: 443, seq: 77 }, body);
  for (const order of [
    [0, 1, 2],
    [2, 0, 1],
  ]) {
    const dec = new PacketDecoder();
    const frames = fragments6(seg, 1232, 0xdeadbeef, 6);
    const res = feed(
      dec,
      order.map((i) => frames[i]),
    );
    const last = res[2];
    assert.equal(res[0].r, DECODE_FRAGMENT_HELD);
    assert.equal(last.r, DECODE_OK, last.pkt.anomaly);
    assert.equal(last.pkt.ipVersion, 6);
    assert.equal(last.pkt.proto, IPPROTO_TCP);
    assert.equal(last.pkt.ipId, 0xdeadbeef);
    assert.equal(last.pkt.srcPort, 4444);
    assert.equal(last.pkt.tcpSeq, 77);
    assert.equal(last.src, '2001:db8::1');
    assert.ok(last.payload.equals(body));
  }
});

test('IPv6 overlapping fragments are flagged; an atomic fragment is a whole packet', () => {
  const dec = new PacketDecoder();
  const mk = (p: Buffer, off: number, more: boolean) =>
    ethernet(0x86dd, ipv6({ nh: 44 }, Buffer.concat([frag6(59, off, more, 1), p])));
  const res = feed(dec, [mk(Buffer.alloc(16, 1), 0, true), mk(Buffer.alloc(16, 2), 8, false)]);
  assert.equal(res[1].r, DECODE_OK);
  assert.equal(res[1].pkt.anomaly, 'decoder.ipv6.frag_overlap');
  assert.ok(res[1].payload.equals(Buffer.concat([Buffer.alloc(16, 1), Buffer.alloc(8, 2)])));
  const atomic = decodeFrame(
    ethernet(0x86dd, ipv6({ nh: 44 }, Buffer.concat([frag6(17, 0, false, 5), udp(9, 10)]))),
    1,
  );
  assert.equal(atomic.r, DECODE_OK);
  assert.equal(atomic.pkt.dstPort, 10);
});

test('fragments of an inner packet inside GRE reassemble; the tunnel is stripped', () => {
  const dec = new PacketDecoder();
  const inner = udp(7000, 7001, body);
  const frames: Buffer[] = [];
  for (let o = 0; o < inner.length; o += 1480) {
    const part = inner.subarray(o, o + 1480);
    const innerFrag = ipv4(
      { src: '10.9.9.1', dst: '10.9.9.2', proto: 17, id: 44, fragOffset: o, more: o + 1480 < inner.length },
      part,
    );
    frames.push(
      ethernet(
        0x0800,
        ipv4({ src: '172.16.0.1', dst: '172.16.0.2', proto: 47, id: o }, gre(0x0800, innerFrag)),
      ),
    );
  }
  const res = feed(dec, frames);
  const last = res[res.length - 1];
  assert.equal(res[0].r, DECODE_FRAGMENT_HELD);
  assert.equal(last.r, DECODE_OK);
  assert.equal(last.src, '10.9.9.1');
  assert.equal(last.pkt.tunnelDepth, 1);
  assert.equal(last.pkt.dstPort, 7001);
  assert.ok(last.payload.equals(body));
});

test('same id and addresses on different VLANs are different datagrams', () => {
  const dec = new PacketDecoder();
  const mk = (vid: number, off: number, more: boolean, fill: number) =>
    ethernet(
      0x8100,
      vlanTag(vid, 0x0800, ipv4({ proto: 253, id: 1, fragOffset: off, more }, Buffer.alloc(16, fill))),
    );
  const res = feed(dec, [mk(10, 0, true, 1), mk(20, 16, false, 2), mk(20, 0, true, 3), mk(10, 16, false, 4)]);
  assert.deepEqual(
    res.map((d) => d.r),
    [DECODE_FRAGMENT_HELD, DECODE_FRAGMENT_HELD, DECODE_OK, DECODE_OK],
  );
  assert.ok(res[2].payload.equals(Buffer.concat([Buffer.alloc(16, 3), Buffer.alloc(16, 2)])));
  assert.equal(res[2].pkt.vlan[0], 20);
  assert.ok(res[3].payload.equals(Buffer.concat([Buffer.alloc(16, 1), Buffer.alloc(16, 4)])));
  assert.equal(res[3].pkt.anomaly, '');
});
