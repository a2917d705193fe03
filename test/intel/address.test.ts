import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIp, parseIp, parsePrefix, formatPrefix, PrefixSet } from '../../src/intel/index.js';

test('IPv4 and IPv6 parse strictly', () => {
  assert.deepEqual(parseIp('1.2.3.4'), { v: 4, n: 0x01020304 });
  assert.equal(parseIp('255.255.255.255')?.n, 0xffffffff);
  for (const bad of [
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3.4 ',
    '',
    'a.b.c.d',
    ':::',
    '1::2::3',
    '12345::',
    'g::1',
  ])
    assert.equal(parseIp(bad), null, bad);
  assert.equal(formatIp(parseIp('2001:DB8:0:0:0:0:0:1')!), '2001:db8::1');
  assert.equal(formatIp(parseIp('::')!), '::');
  assert.deepEqual(parseIp('::ffff:10.1.2.3'), { v: 4, n: 0x0a010203 });
  assert.equal(formatIp(parseIp('2001:db8::1:0:0:1')!), '2001:db8::1:0:0:1');
});

test('prefixes clear host bits', () => {
  assert.equal(formatPrefix(parsePrefix('10.1.2.3/8')!), '10.0.0.0/8');
  assert.equal(formatPrefix(parsePrefix('2a12:2647::1/29')!), '2a12:2640::/29');
  assert.equal(parsePrefix('1.2.3.4/33'), null);
  assert.equal(parsePrefix('1.2.3.4/'), null);
});

test('longest-prefix match over both families', () => {
  const s = new PrefixSet<string>();
  s.add(parsePrefix('10.0.0.0/8')!, 'wide');
  s.add(parsePrefix('10.1.0.0/16')!, 'narrow');
  s.add(parsePrefix('10.1.2.3')!, 'host');
  s.add(parsePrefix('2001:db8::/32')!, 'v6net');
  assert.equal(s.lookup(parseIp('10.1.2.3')!)?.value, 'host');
  assert.equal(s.lookup(parseIp('10.1.9.9')!)?.value, 'narrow');
  assert.equal(s.lookup(parseIp('10.200.0.1')!)?.value, 'wide');
  assert.equal(s.lookup(parseIp('11.0.0.1')!), undefined);
  assert.equal(s.lookup(parseIp('2001:db8:ffff::1')!)?.len, 32);
  assert.equal(s.lookup(parseIp('2001:db9::1')!), undefined);
  assert.equal(s.lookupNetwork(parseIp('10.1.2.3')!)?.value, 'narrow');
});
