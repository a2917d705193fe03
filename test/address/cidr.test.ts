/** CIDR prefixes: parsing (host bits cleared, IPv4-mapped text folded), edges /0 /32 /128, containment. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddressError,
  cidrContains,
  cidrOf,
  formatCidr,
  isHostCidr,
  maskIp,
  parseCidr,
  parseIp,
  tryParseCidr,
} from '../../src/address/index.js';

const ip = (t: string): Uint32Array => parseIp(t).words;

test('prefixes clear host bits and print canonically', () => {
  assert.equal(formatCidr(parseCidr('10.1.2.3/8')), '10.0.0.0/8');
  assert.equal(formatCidr(parseCidr('2a12:2647::1/29')), '2a12:2640::/29');
  assert.equal(formatCidr(parseCidr('2001:DB8:0:0::/32')), '2001:db8::/32');
  assert.equal(formatCidr(parseCidr('192.0.2.1')), '192.0.2.1/32');
  assert.equal(formatCidr(parseCidr('::1')), '::1/128');
  assert.equal(formatCidr(parseCidr('1.2.3.4/024')), '1.2.3.0/24');
  const c = parseCidr('198.51.100.77/24');
  assert.deepEqual(
    { version: c.version, length: c.length, bits: c.bits },
    { version: 4, length: 24, bits: 120 },
  );
});

test('edges: /0, /32 and /128', () => {
  const all4 = parseCidr('0.0.0.0/0');
  const all6 = parseCidr('::/0');
  assert.equal(formatCidr(parseCidr('255.255.255.255/0')), '0.0.0.0/0');
  assert.equal(formatCidr(parseCidr('ffff::1/0')), '::/0');
  for (const t of ['0.0.0.0', '255.255.255.255', '10.0.0.1']) {
    assert.ok(cidrContains(all4, ip(t)), t);
    assert.ok(!cidrContains(all6, ip(t)), `::/0 holds no IPv4 address (${t})`);
  }
  for (const t of ['::', '::1', '2001:db8::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '::1.2.3.4']) {
    assert.ok(cidrContains(all6, ip(t)), t);
    assert.ok(!cidrContains(all4, ip(t)), t);
  }
  const h4 = parseCidr('192.0.2.7/32');
  assert.ok(isHostCidr(h4) && cidrContains(h4, ip('192.0.2.7')));
  assert.ok(!cidrContains(h4, ip('192.0.2.6')) && !cidrContains(h4, ip('192.0.2.8')));
  const h6 = parseCidr('2001:db8::7/128');
  assert.ok(isHostCidr(h6) && cidrContains(h6, ip('2001:db8::7')));
  assert.ok(!cidrContains(h6, ip('2001:db8::6')) && !cidrContains(h6, ip('2001:db8::8')));
  assert.ok(!isHostCidr(parseCidr('2001:db8::/127')));
  // Word boundaries inside IPv6: /32, /64, /96 and one bit either side.
  for (const [net, inside, outside] of [
    ['2001:db8::/32', '2001:db8:ffff:ffff::', '2001:db9::'],
    ['2001:db8:1:2::/64', '2001:db8:1:2:ffff::1', '2001:db8:1:3::'],
    ['2001:db8:1:2:3:4::/96', '2001:db8:1:2:3:4:ffff:ffff', '2001:db8:1:2:3:5::'],
    ['2001:db8::/31', '2001:db9::1', '2001:dba::'],
    ['2001:db8::/33', '2001:db8:7fff::', '2001:db8:8000::'],
    ['2001:db8::/65', '2001:db8::7fff:0:0:1', '2001:db8::8000:0:0:0'],
  ]) {
    const c = parseCidr(net);
    assert.ok(cidrContains(c, ip(inside)), `${net} ∋ ${inside}`);
    assert.ok(!cidrContains(c, ip(outside)), `${net} ∌ ${outside}`);
  }
});

test('IPv4-mapped: text of /96 or longer folds to IPv4, and a mapped packet address matches IPv4 prefixes', () => {
  const c = parseCidr('::ffff:10.1.2.0/120');
  assert.deepEqual([c.version, c.length, formatCidr(c)], [4, 24, '10.1.2.0/24']);
  assert.equal(formatCidr(parseCidr('::ffff:0:0/96')), '0.0.0.0/0');
  assert.equal(formatCidr(parseCidr('::ffff:10.1.2.3')), '10.1.2.3/32');
  // Shorter than /96 it is IPv6 space: ::/80 here, which holds no IPv4 address.
  const wide = parseCidr('::ffff:10.1.2.3/80');
  assert.deepEqual([wide.version, formatCidr(wide)], [6, '::/80']);
  assert.ok(!cidrContains(wide, ip('10.1.2.3')));
  // The decoder stores an IPv6 packet from ::ffff:10.1.2.3 with the same words as 10.1.2.3.
  const packetWords = Uint32Array.of(0, 0, 0xffff, 0x0a010203);
  assert.ok(cidrContains(parseCidr('10.1.2.0/24'), packetWords));
});

test('bad prefixes are refused with the text and the fault named', () => {
  const cases: Array<[string, RegExp]> = [
    ['1.2.3.4/33', /prefix length 33 is over 32/],
    ['::/129', /prefix length 129 is over 128/],
    ['::ffff:1.2.3.4/129', /over 128/],
    ['1.2.3.4/', /prefix length '' is not a number/],
    ['1.2.3.4/ 24', /is not a number/],
    ['1.2.3.4/-1', /is not a number/],
    ['1.2.3.4/2/3', /is not a number/],
    ['1.2.3/24', /the address: an IPv4 address has four/],
    ['bogus', /the address: unexpected 'b'/],
    ['/24', /the address: empty/],
  ];
  for (const [text, why] of cases) {
    assert.equal(tryParseCidr(text), undefined, text);
    assert.throws(
      () => parseCidr(text),
      (e: unknown) =>
        e instanceof AddressError &&
        e.message.startsWith(`'${text}' is not a CIDR prefix: `) &&
        why.test(e.message),
      text,
    );
  }
});

test('cidrOf and maskIp cut an address to its network', () => {
  assert.equal(formatCidr(cidrOf(ip('198.51.100.77'), 24)), '198.51.100.0/24');
  assert.equal(formatCidr(cidrOf(ip('2001:db8:1:2:3::1'), 48)), '2001:db8:1::/48');
  assert.equal(formatCidr(cidrOf(ip('10.9.8.7'), 0)), '0.0.0.0/0');
  assert.equal(formatCidr(cidrOf(ip('10.9.8.7'), 32)), '10.9.8.7/32');
  assert.throws(() => cidrOf(ip('10.9.8.7'), 33), /outside 0…32/);
  assert.throws(() => cidrOf(ip('::1'), 129), /outside 0…128/);
  assert.deepEqual(
    [...maskIp(ip('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), 70)],
    [0xffffffff, 0xffffffff, 0xfc000000, 0],
  );
});

test('containment agrees with a bit-by-bit reference on random prefixes', () => {
  let seed = 99;
  const u32 = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  const bit = (w: ArrayLike<number>, i: number): number => (w[i >>> 5] >>> (31 - (i & 31))) & 1;
  for (let k = 0; k < 20_000; k++) {
    const v4 = u32() % 2 === 0;
    const len = u32() % (v4 ? 33 : 129);
    const base = v4 ? Uint32Array.of(0, 0, 0xffff, u32()) : Uint32Array.of(u32(), u32(), u32(), u32());
    const c = cidrOf(base, len, v4 ? 4 : 6);
    // Addresses near the network: flip one random bit of the base.
    const probe = Uint32Array.from(base);
    const flip = v4 ? 96 + (u32() % 32) : u32() % 128;
    probe[flip >>> 5] ^= 1 << (31 - (flip & 31));
    for (const a of [base, probe]) {
      let want = v4 === (a[0] === 0 && a[1] === 0 && a[2] === 0xffff);
      for (let i = 0; i < c.bits && want; i++) if (bit(a, i) !== bit(c.words, i)) want = false;
      assert.equal(cidrContains(c, a), want, `${formatCidr(c)} ${[...a].join(',')}`);
    }
  }
});
