/**
 * Payload only: header bytes (addresses, ports) are zeroed before the model sees them. The corpus images are L7
 * already and must pass unchanged; a session image in the "all layers" layout (its pcap file) is masked down to
 * its payload.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskHeaders, maskSet, parseIdxImages, parseIdxLabels } from '../../src/ml/index.js';
import { InputError } from '../../src/framework/errors.js';
import { SKIP, ustc } from './corpus.js';

function allLayersImage(payload: Buffer): Uint8Array {
  const g = Buffer.alloc(24);
  g.writeUInt32LE(0xa1b2c3d4, 0);
  g.writeUInt16LE(2, 4);
  g.writeUInt16LE(4, 6);
  g.writeUInt32LE(65535, 16);
  g.writeUInt32LE(1, 20); // Ethernet
  const eth = Buffer.from('0011223344556677889900aa0800', 'hex');
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 20 + payload.length, 2);
  ip[8] = 64;
  ip[9] = 6;
  Buffer.from([10, 1, 2, 3]).copy(ip, 12);
  Buffer.from([192, 168, 7, 9]).copy(ip, 16);
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(49152, 0);
  tcp.writeUInt16BE(80, 2);
  tcp[12] = 5 << 4;
  const pkt = Buffer.concat([eth, ip, tcp, payload]);
  const rec = Buffer.alloc(16);
  rec.writeUInt32LE(pkt.length, 8);
  rec.writeUInt32LE(pkt.length, 12);
  const img = new Uint8Array(784);
  const all = Buffer.concat([g, rec, pkt, rec, pkt]);
  img.set(all.subarray(0, 784));
  return img;
}

test('an all-layers session image keeps only its payload bytes', () => {
  const payload = Buffer.from('GET /index.html HTTP/1.1\r\nHost: example\r\n\r\n');
  const img = allLayersImage(payload);
  const zeroed = maskHeaders(img);
  const recLen = 16 + 14 + 20 + 20 + payload.length;
  assert.equal(zeroed, 24 + 2 * (16 + 14 + 20 + 20));
  // Addresses and ports are gone from the whole image…
  const text = Buffer.from(img);
  assert.equal(text.indexOf(Buffer.from([10, 1, 2, 3])), -1);
  assert.equal(text.indexOf(Buffer.from([192, 168, 7, 9])), -1);
  assert.equal(text.indexOf(Buffer.from([0xc0, 0x00, 0x00, 0x50])), -1);
  // …the payloads of both packets are where they were.
  const p1 = 24 + 16 + 14 + 40;
  assert.deepEqual(Buffer.from(img.subarray(p1, p1 + payload.length)), payload);
  assert.deepEqual(Buffer.from(img.subarray(p1 + recLen, p1 + recLen + payload.length)), payload);
});

test('a payload that starts with 0x45 is not mistaken for an IPv4 header', () => {
  const img = new Uint8Array(784);
  img.set(Buffer.from('EHLO mail.example.org\r\n'));
  img[9] = 6;
  const before = img.slice();
  assert.equal(maskHeaders(img), 0);
  assert.deepEqual(img, before);
});

test('the corpus sessions are payload only: masking changes none of them', { skip: SKIP }, () => {
  const s = ustc();
  const { set, masked } = maskSet(s);
  assert.equal(s.n, 9336);
  assert.equal(masked, 0);
  assert.deepEqual(set.bytes, s.bytes);
});

test('idx files: bad magic, truncation and label count are named', () => {
  const h = Buffer.alloc(16 + 784);
  h.writeUInt32BE(0x803, 0);
  h.writeUInt32BE(2, 4);
  h.writeUInt32BE(28, 8);
  h.writeUInt32BE(28, 12);
  assert.throws(
    () => parseIdxImages(h, 'x.idx3'),
    (e: unknown) => e instanceof InputError && /declares 2 images.*truncated/.test(e.message),
  );
  h.writeUInt32BE(0x801, 0);
  assert.throws(() => parseIdxImages(h, 'x.idx3'), /byte 0: magic 0x801/);
  assert.throws(() => parseIdxLabels(Buffer.alloc(4), 'y.idx1'), /shorter than the 8-byte/);
});
