import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DECODE_ERROR, DECODE_OK, DECODE_TRUNCATED, IPPROTO_TCP } from '../../src/decode/decoded-packet.js';
import { decodeFrame } from './helpers.js';
import { ethernet, ext6, ipv6, tcp } from './frames.js';

const seg = tcp({ sp: 1234, dp: 80, flags: 0x18 }, Buffer.from('GET /'));

test('hop-by-hop, routing, destination options and AH are walked to TCP', () => {
  const ah = Buffer.alloc(16); // AH length is in 4-byte units minus 2: (2 + 2) * 4 = 16
  ah[0] = 6;
  ah[1] = 2;
  // HBH(8) → routing(8) → destination options(16) → AH(16) → TCP.
  const hbh = ext6(43, 0);
  const rh = ext6(60, 0);
  const dst = ext6(51, 1);
  const d = decodeFrame(ethernet(0x86dd, ipv6({ nh: 0 }, Buffer.concat([hbh, rh, dst, ah, seg]))), 1);
  assert.equal(d.r, DECODE_OK, d.pkt.anomaly);
  assert.equal(d.pkt.proto, IPPROTO_TCP);
  assert.equal(d.pkt.srcPort, 1234);
  assert.equal(d.pkt.dstPort, 80);
  assert.equal(d.payload.toString(), 'GET /');
});

test('no next header (59) ends the packet at the IP layer', () => {
  const d = decodeFrame(ethernet(0x86dd, ipv6({ nh: 59 }, Buffer.alloc(0))), 1);
  assert.equal(d.r, DECODE_OK);
  assert.equal(d.pkt.proto, 59);
  assert.equal(d.pkt.srcPort, 0);
});

test('an extension header longer than the packet is decoder.ipv6.trunc_exthdr', () => {
  const bad = ext6(6, 0);
  bad[1] = 20; // claims 168 bytes
  const d = decodeFrame(ethernet(0x86dd, ipv6({ nh: 60 }, Buffer.concat([bad, seg]))), 1);
  assert.equal(d.r, DECODE_ERROR);
  assert.equal(d.pkt.anomaly, 'decoder.ipv6.trunc_exthdr');
  // Cut by the snap length instead, it is truncation, not an error.
  const frame = ethernet(0x86dd, ipv6({ nh: 60 }, Buffer.concat([ext6(6, 2), seg])));
  const cut = decodeFrame(frame, 1, { caplen: 14 + 40 + 10, wirelen: frame.length });
  assert.equal(cut.r, DECODE_TRUNCATED);
  assert.equal(cut.pkt.anomaly, '');
  assert.equal(cut.src, '2001:db8::1');
});

test('a long chain of extension headers is walked with a bound, never looping', () => {
  const parts: Buffer[] = [];
  for (let i = 0; i < 40; i++) parts.push(ext6(60, 0));
  const d = decodeFrame(ethernet(0x86dd, ipv6({ nh: 60 }, Buffer.concat([...parts, seg]))), 1);
  assert.ok(d.r === DECODE_OK || d.r === DECODE_ERROR);
  assert.equal(d.pkt.ipVersion, 6);
  assert.equal(d.pkt.srcPort, 0); // the bound stops before TCP
});
