/** Address text in and out: strict parsing with errors that say what is wrong, RFC 5952 text, round trips. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import {
  AddressError,
  formatIp,
  formatIpv6Full,
  ipv4Words,
  ipProblem,
  parseIp,
  parseIpInto,
  tryParseIp,
} from '../../src/address/index.js';
import { rng } from './random.js';

const words = (text: string): number[] => [...parseIp(text).words];

test('IPv4 parses into IPv4-mapped words', () => {
  assert.deepEqual(parseIp('1.2.3.4'), { version: 4, words: Uint32Array.of(0, 0, 0xffff, 0x01020304) });
  assert.deepEqual(words('255.255.255.255'), [0, 0, 0xffff, 0xffffffff]);
  assert.deepEqual(words('0.0.0.0'), [0, 0, 0xffff, 0]);
});

test('IPv6 forms: full, compressed, upper case, embedded IPv4', () => {
  assert.deepEqual(words('2001:db8:0:0:0:0:0:1'), [0x20010db8, 0, 0, 1]);
  assert.deepEqual(words('2001:DB8::1'), [0x20010db8, 0, 0, 1]);
  assert.deepEqual(words('2001:0db8:0000:0000:0000:0000:0000:0001'), [0x20010db8, 0, 0, 1]);
  assert.deepEqual(words('::'), [0, 0, 0, 0]);
  assert.deepEqual(words('::1'), [0, 0, 0, 1]);
  assert.deepEqual(words('1::'), [0x00010000, 0, 0, 0]);
  assert.deepEqual(words('1:2:3:4:5:6:7::'), [0x00010002, 0x00030004, 0x00050006, 0x00070000]);
  assert.deepEqual(words('::2:3:4:5:6:7:8'), [0x00000002, 0x00030004, 0x00050006, 0x00070008]);
  assert.deepEqual(words('64:ff9b::192.0.2.33'), [0x0064ff9b, 0, 0, 0xc0000221]);
  assert.deepEqual(words('1:2:3:4:5:6:1.2.3.4'), [0x00010002, 0x00030004, 0x00050006, 0x01020304]);
  assert.deepEqual(words('::1.2.3.4'), [0, 0, 0, 0x01020304]);
  assert.equal(parseIp('::1.2.3.4').version, 6, 'IPv4-compatible (deprecated) stays IPv6');
});

test('IPv4-mapped text names the IPv4 node: version 4, the same words as the dotted address', () => {
  for (const t of ['::ffff:10.1.2.3', '::FFFF:a01:203', '0:0:0:0:0:ffff:10.1.2.3']) {
    const ip = parseIp(t);
    assert.equal(ip.version, 4, t);
    assert.deepEqual([...ip.words], words('10.1.2.3'), t);
  }
});

test('malformed text is refused with an error naming the text and the fault', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty/],
    ['1.2.3', /four dot-separated decimal parts/],
    ['1.2.3.4.5', /four dot-separated/],
    ['1..3.4', /four dot-separated/],
    ['1.2.3.4.', /four dot-separated/],
    ['256.1.1.1', /over 255/],
    ['1.2.3.1000', /over 255/],
    ['01.2.3.4', /leading zero/],
    ['1.2.3.4 ', /unexpected ' ' at position 8/],
    [' 1.2.3.4', /unexpected ' ' at position 1/],
    ['a.b.c.d', /unexpected 'a' at position 1/],
    ['1.2.3.4:80', /unexpected ':' at position 8/],
    [':::', /unexpected ':' at position 3/],
    ['1::2::3', /more than one '::'/],
    ['12345::', /more than four hex digits/],
    ['g::1', /unexpected 'g' at position 1/],
    ['1:2:3:4:5:6:7:8:9', /more than eight/],
    ['1:2:3:4:5:6:7:8::', /more than eight/],
    ['1:2:3:4:5:6:7', /fewer than eight/],
    [':1::', /single ':'/],
    ['1::2:', /single ':'/],
    ['1:2:3:4:5:6:7:1.2.3.4', /more than eight/],
    ['1.2.3.4::', /may only end an IPv6 address/],
    ['::1.2.3.4:5', /may only end/],
    ['::1.2.3', /four dot-separated/],
    ['::01.2.3.4', /leading zero/],
    ['::256.1.1.1', /over 255/],
    ['fe80::1%eth0', /zone indexes/],
  ];
  for (const [text, why] of cases) {
    assert.equal(tryParseIp(text), undefined, text);
    assert.equal(parseIpInto(text, new Uint32Array(4)), 0, text);
    assert.match(ipProblem(text) ?? '', why, text);
    assert.throws(
      () => parseIp(text),
      (e: unknown) =>
        e instanceof AddressError &&
        e.text === text &&
        e.message.startsWith(`'${text}' is not an IP address: `) &&
        why.test(e.message),
      text,
    );
  }
  assert.equal(ipProblem('::1'), undefined);
});

test('parseIpInto writes at an offset and allocates no result', () => {
  const packed = new Uint32Array(12).fill(7);
  assert.equal(parseIpInto('2001:db8::1', packed, 4), 6);
  assert.equal(parseIpInto('9.8.7.6', packed, 8), 4);
  assert.deepEqual([...packed], [7, 7, 7, 7, 0x20010db8, 0, 0, 1, 0, 0, 0xffff, 0x09080706]);
});

test('validity agrees with Node (inet_pton rules) on a quarter million structured random strings', () => {
  const r = rng(11);
  const hex = (): string => {
    let s = '';
    for (let i = 1 + r.int(5); i > 0; i--) s += '0123456789abcdefABCDEF'[r.int(22)];
    return s;
  };
  const v4 = (): string =>
    Array.from({ length: r.pick([3, 4, 4, 4, 5]) }, () =>
      r.pick(['0', '7', '10', '99', '199', '255', '256', '01', '00']),
    ).join('.');
  let valid = 0;
  for (let k = 0; k < 250_000; k++) {
    const parts = Array.from({ length: r.int(10) }, () => (r.next() < 0.08 ? v4() : hex()));
    if (r.next() < 0.6) parts.splice(r.int(parts.length + 1), 0, '');
    let s = parts.join(':');
    if (parts[0] === '') s = `:${s}`;
    if (parts.length > 0 && parts[parts.length - 1] === '') s += ':';
    if (r.next() < 0.05) s = r.next() < 0.5 ? `${s}:` : `:${s}`;
    if (r.next() < 0.1) s = v4();
    const mine = tryParseIp(s) !== undefined;
    assert.equal(mine, isIP(s) !== 0, JSON.stringify(s));
    if (mine) valid++;
  }
  assert.ok(valid > 20_000, `only ${valid} valid strings: the generator lost its reach`);
});

test('RFC 5952 text: lower case, no leading zeros, the longest zero run (first on ties) as ::', () => {
  const cases: Array<[string, string]> = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'], // §4.1
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'], // §4.2.1
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2: one zero group stays
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // §4.2.3: the longest run
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // §4.2.3: the first of equal runs
    ['2001:DB8::ABCD', '2001:db8::abcd'], // §4.3
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['1:0:0:0:0:0:0:1', '1::1'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    ['0:1:0:1:0:1:0:1', '0:1:0:1:0:1:0:1'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
  ];
  for (const [text, want] of cases) {
    const ip = parseIp(text);
    assert.equal(formatIp(ip.words, 6), want, text);
  }
});

test('IPv4-mapped words print dotted as IPv4 and with hex groups as IPv6 (what EVE has always written)', () => {
  const w = parseIp('1.2.3.4').words;
  assert.equal(formatIp(w, 4), '1.2.3.4');
  assert.equal(formatIp(w, 6), '::ffff:102:304');
  assert.equal(formatIp(ipv4Words(0xc0a80001), 4), '192.168.0.1');
});

test('format agrees with the WHATWG URL serializer (RFC 5952 compression) and round-trips, on random words', () => {
  const r = rng(5);
  const w = new Uint32Array(4);
  for (let k = 0; k < 50_000; k++) {
    // Zero-heavy words, so runs of zero groups of every length and position occur.
    for (let i = 0; i < 4; i++) {
      const x = r.next();
      w[i] = x < 0.4 ? 0 : x < 0.55 ? r.u32() & 0xffff : x < 0.7 ? r.u32() & 0xffff0000 : r.u32();
    }
    const text = formatIp(w, 6);
    const url = new URL(`http://[${text}]/`).hostname;
    assert.equal(`[${text}]`, url, [...w].join(','));
    assert.deepEqual(parseIp(text).words, w, text);
    assert.deepEqual(parseIp(formatIpv6Full(w)).words, w);
    const v4 = formatIp(w, 4);
    assert.equal(parseIp(v4).words[3], w[3], v4);
  }
});

test('formatIpv6Full writes all eight groups', () => {
  assert.equal(formatIpv6Full(parseIp('2001:db8::1').words), '2001:db8:0:0:0:0:0:1');
  assert.equal(formatIpv6Full(parseIp('::').words), '0:0:0:0:0:0:0:0');
});
