/** Longest-prefix match: known cases, then the set against a brute-force scan on random data. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cidrContains,
  cidrOf,
  formatCidr,
  parseCidr,
  parseIp,
  PrefixSet,
  type Cidr,
} from '../../src/address/index.js';
import { rng } from './random.js';

const ip = (t: string): Uint32Array => parseIp(t).words;

test('longest-prefix match over both families', () => {
  const s = new PrefixSet<string>();
  s.add(parseCidr('10.0.0.0/8'), 'wide');
  s.add(parseCidr('10.1.0.0/16'), 'narrow');
  s.add(parseCidr('10.1.2.3'), 'host');
  s.add(parseCidr('2001:db8::/32'), 'v6net');
  s.add(parseCidr('2001:db8:0:1::/64'), 'v6sub');
  assert.equal(s.size, 5);
  assert.equal(s.get(ip('10.1.2.3')), 'host');
  assert.equal(s.get(ip('10.1.9.9')), 'narrow');
  assert.equal(s.get(ip('10.200.0.1')), 'wide');
  assert.equal(s.get(ip('11.0.0.1')), undefined);
  assert.deepEqual(s.match(ip('2001:db8:ffff::1')), { value: 'v6net', length: 32 });
  assert.deepEqual(s.match(ip('2001:db8:0:1::9')), { value: 'v6sub', length: 64 });
  assert.equal(s.get(ip('2001:db9::1')), undefined);
  assert.deepEqual(s.matchNetwork(ip('10.1.2.3')), { value: 'narrow', length: 16 });
  assert.deepEqual(
    s.match(ip('::ffff:10.1.2.3')),
    { value: 'host', length: 32 },
    'mapped text is the IPv4 node',
  );
});

test('the families stay apart: ::/0 holds no IPv4 address, 0.0.0.0/0 no IPv6 one', () => {
  const s = new PrefixSet<string>();
  s.add(parseCidr('::/0'), 'all6');
  assert.equal(s.get(ip('1.2.3.4')), undefined);
  assert.equal(s.get(ip('::1')), 'all6');
  s.add(parseCidr('0.0.0.0/0'), 'all4');
  assert.equal(s.get(ip('1.2.3.4')), 'all4');
  assert.equal(s.get(ip('2001:db8::1')), 'all6');
});

test('merge combines values of one prefix; without it the last wins', () => {
  const s = new PrefixSet<number>();
  s.add(parseCidr('192.0.2.0/24'), 1);
  s.add(parseCidr('192.0.2.9/24'), 2, (a, b) => a + b);
  s.add(parseCidr('2001:db8::/48'), 5);
  s.add(parseCidr('2001:db8::/48'), 6);
  assert.equal(s.size, 2);
  assert.equal(s.get(ip('192.0.2.200')), 3);
  assert.equal(s.get(ip('2001:db8::1')), 6);
});

test('lookups agree with a brute-force scan on random prefixes and addresses', () => {
  const r = rng(2024);
  const prefixes: Cidr[] = [];
  const set = new PrefixSet<number>();
  const byText = new Map<string, number>();
  // Clustered: prefixes share high bits often, so nested prefixes (the hard case) are common.
  const roots4 = Array.from({ length: 8 }, () => r.u32());
  const roots6 = Array.from({ length: 8 }, () => Uint32Array.of(r.u32(), r.u32(), r.u32(), r.u32()));
  const near = (v4: boolean): Uint32Array => {
    const w = v4 ? Uint32Array.of(0, 0, 0xffff, r.pick(roots4)) : Uint32Array.from(r.pick(roots6));
    for (let flips = r.int(4); flips > 0; flips--) {
      const b = v4 ? 96 + r.int(32) : r.int(128);
      w[b >>> 5] ^= 1 << (31 - (b & 31));
    }
    return w;
  };
  for (let i = 0; i < 3000; i++) {
    const v4 = r.next() < 0.6;
    const len = v4
      ? r.pick([0, 1, 8, 12, 16, 20, 23, 24, 25, 31, 32, 32, 32])
      : r.pick([0, 3, 16, 29, 32, 33, 48, 63, 64, 65, 96, 127, 128]);
    const c = cidrOf(near(v4), len, v4 ? 4 : 6);
    const text = formatCidr(c);
    if (!byText.has(text)) prefixes.push(c);
    byText.set(text, i);
    set.add(c, i);
  }
  assert.equal(set.size, byText.size);
  const brute = (w: Uint32Array, networksOnly: boolean): { value: number; length: number } | undefined => {
    let best: Cidr | undefined;
    for (const c of prefixes)
      if (cidrContains(c, w) && !(networksOnly && c.bits === 128) && (!best || c.bits > best.bits)) best = c;
    return best && { value: byText.get(formatCidr(best))!, length: best.length };
  };
  let hits = 0;
  for (let k = 0; k < 20_000; k++) {
    const w = r.next() < 0.1 ? Uint32Array.of(r.u32(), r.u32(), r.u32(), r.u32()) : near(r.next() < 0.6);
    const want = brute(w, false);
    assert.deepEqual(set.match(w), want, [...w].join(','));
    assert.equal(set.get(w), want?.value);
    assert.deepEqual(set.matchNetwork(w), brute(w, true));
    if (want) hits++;
  }
  assert.ok(hits > 5000, `only ${hits} hits: the test would not see nesting`);
});
