/** IANA special-purpose classification, ordering and equality, byte and integer forms. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classifyIp,
  compareIp,
  equalIp,
  formatIp,
  ipBytes,
  ipFamily,
  ipFromBigInt,
  ipToBigInt,
  isGloballyReachable,
  parseIp,
  readIpBytes,
} from '../../src/address/index.js';
import { rng } from './random.js';

const ip = (t: string): Uint32Array => parseIp(t).words;

test('classification follows the IANA special-purpose registries, the most specific block winning', () => {
  const cases: Array<[string, string, boolean]> = [
    ['8.8.8.8', 'global', true],
    ['0.0.0.0', 'unspecified', false],
    ['0.1.2.3', 'this-network', false],
    ['10.20.30.40', 'private', false],
    ['172.16.0.1', 'private', false],
    ['172.31.255.255', 'private', false],
    ['172.32.0.1', 'global', true],
    ['192.168.1.1', 'private', false],
    ['100.64.0.1', 'shared', false],
    ['100.128.0.1', 'global', true],
    ['127.0.0.1', 'loopback', false],
    ['169.254.10.20', 'link-local', false],
    ['192.0.0.1', 'special', false],
    ['192.0.0.9', 'special', true],
    ['192.0.0.10', 'special', true],
    ['192.0.0.170', 'special', false],
    ['192.0.2.1', 'documentation', false],
    ['198.51.100.1', 'documentation', false],
    ['203.0.113.1', 'documentation', false],
    ['198.18.0.1', 'benchmarking', false],
    ['198.19.255.255', 'benchmarking', false],
    ['192.88.99.1', 'reserved', false],
    ['192.31.196.1', 'special', true],
    ['224.0.0.1', 'multicast', false],
    ['239.255.255.250', 'multicast', false],
    ['240.0.0.1', 'reserved', false],
    ['255.255.255.254', 'reserved', false],
    ['255.255.255.255', 'broadcast', false],
    ['::ffff:10.0.0.1', 'private', false],
    ['::', 'unspecified', false],
    ['::1', 'loopback', false],
    ['::1.2.3.4', 'reserved', false],
    ['64:ff9b::1.2.3.4', 'translation', true],
    ['64:ff9b:1::1', 'translation', false],
    ['100::1', 'special', false],
    ['2001::1', 'transition', true],
    ['2001:1::1', 'special', true],
    ['2001:1::4', 'special', false],
    ['2001:2::1', 'benchmarking', false],
    ['2001:20::1', 'special', true],
    ['2001:db8::1', 'documentation', false],
    ['3fff::1', 'documentation', false],
    ['2002:c000:204::1', 'transition', true],
    ['2001:4860:4860::8888', 'global', true],
    ['2620:4f:8000::1', 'special', true],
    ['4000::1', 'reserved', false],
    ['fc00::1', 'unique-local', false],
    ['fd12:3456::1', 'unique-local', false],
    ['fe80::1', 'link-local', false],
    ['fec0::1', 'reserved', false],
    ['ff02::1', 'multicast', false],
  ];
  for (const [text, kind, global] of cases) {
    const c = classifyIp(ip(text));
    assert.equal(c.kind, kind, text);
    assert.equal(c.global, global, text);
    assert.equal(isGloballyReachable(ip(text)), global, text);
  }
  assert.equal(classifyIp(ip('10.0.0.1')).name, 'Private-Use');
});

test('ordering: IPv4 before IPv6, each family numerically', () => {
  const texts = [
    '2001:db8::1',
    '10.0.0.2',
    '::1',
    '255.255.255.255',
    '::',
    '0.0.0.0',
    '10.0.0.10',
    'fe80::1',
    '9.255.255.255',
    '2001:db8::',
  ];
  const sorted = texts.map((t) => parseIp(t)).sort((a, b) => compareIp(a.words, b.words));
  assert.deepEqual(
    sorted.map((a) => formatIp(a.words, a.version)),
    [
      '0.0.0.0',
      '9.255.255.255',
      '10.0.0.2',
      '10.0.0.10',
      '255.255.255.255',
      '::',
      '::1',
      '2001:db8::',
      '2001:db8::1',
      'fe80::1',
    ],
  );
  assert.equal(compareIp(ip('1.2.3.4'), ip('::ffff:1.2.3.4')), 0);
  assert.ok(equalIp(ip('1.2.3.4'), ip('::ffff:1.2.3.4')));
  assert.ok(!equalIp(ip('1.2.3.4'), ip('::1.2.3.4')));
});

test('ordering agrees with the integer order within a family on random addresses', () => {
  const r = rng(77);
  for (let k = 0; k < 20_000; k++) {
    const v4 = r.next() < 0.5;
    const mk = (): Uint32Array =>
      v4
        ? Uint32Array.of(0, 0, 0xffff, r.u32())
        : Uint32Array.of(r.u32() | 0x20000000, r.u32(), r.u32(), r.u32());
    const a = mk();
    const b = r.next() < 0.1 ? Uint32Array.from(a) : mk();
    const x = ipToBigInt(a);
    const y = ipToBigInt(b);
    assert.equal(Math.sign(compareIp(a, b)), x < y ? -1 : x > y ? 1 : 0);
  }
});

test('bytes and integers round-trip', () => {
  const w = new Uint32Array(4);
  assert.equal(readIpBytes(Buffer.from([192, 0, 2, 33]), 0, 4, w), 4);
  assert.equal(formatIp(w, 4), '192.0.2.33');
  assert.equal(ipFamily(w), 4);
  const raw = Buffer.concat([Buffer.from([0xee, 0xee]), ipBytes(ip('2001:db8::1'))]);
  assert.equal(readIpBytes(raw, 2, 16, w), 6);
  assert.equal(formatIp(w, 6), '2001:db8::1');
  assert.equal(readIpBytes(raw, 0, 5, w), 0);
  // 16 bytes are IPv6 as the header says, even when IPv4-mapped.
  assert.equal(readIpBytes(ipBytes(ip('::ffff:1.2.3.4'), 6), 0, 16, w), 6);
  assert.deepEqual(ipBytes(ip('10.1.2.3')), Buffer.from([10, 1, 2, 3]));
  assert.equal(ipToBigInt(ip('10.1.2.3')), 0x0a010203n);
  assert.equal(ipToBigInt(ip('2001:db8::1')), 0x20010db8000000000000000000000001n);
  assert.deepEqual(ipFromBigInt(0x20010db8000000000000000000000001n, 6), ip('2001:db8::1'));
  assert.deepEqual(ipFromBigInt(0x0a010203n, 4), ip('10.1.2.3'));
});
