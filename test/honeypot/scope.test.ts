/** The download scope: prefix, optional port, both families; bad entries refused with the entry named. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DownloadScope, ScopeError } from '../../src/honeypot/scope.js';

test('scope entries: prefixes with and without ports, IPv6 with brackets or after a length', () => {
  const s = new DownloadScope([
    '127.0.0.1/32:8080',
    '10.0.0.0/8',
    '192.0.2.7:21',
    '2001:db8::/32:443',
    '[2001:db8:1::5]:80',
    '::1',
  ]);
  assert.ok(s.allows('127.0.0.1', 8080));
  assert.ok(!s.allows('127.0.0.1', 8081));
  assert.ok(!s.allows('127.0.0.2', 8080));
  assert.ok(s.allows('10.200.3.4', 1) && s.allows('10.0.0.0', 65535));
  assert.ok(!s.allows('11.0.0.1', 80));
  assert.ok(s.allows('192.0.2.7', 21) && !s.allows('192.0.2.7', 22));
  assert.ok(s.allows('2001:db8:ffff::1', 443) && !s.allows('2001:db8:ffff::1', 80));
  assert.ok(s.allows('2001:db8:1::5', 80));
  assert.ok(s.allows('::1', 22) && !s.allows('::2', 22));
  // ::ffff:127.0.0.1 reaches 127.0.0.1; ::/0-style IPv6 space never covers IPv4.
  assert.ok(s.allows('::ffff:127.0.0.1', 8080));
  assert.ok(!new DownloadScope(['::/0']).allows('127.0.0.1', 80));
  assert.ok(!s.allows('not-an-address', 80));
});

test('bad scope entries name the entry and the fault', () => {
  const cases: Array<[string, RegExp]> = [
    ['10.0.0.0/33', /scope entry '10\.0\.0\.0\/33': prefix length 33 is over 32/],
    ['10.0.0.0/8:0', /bad port in scope entry '10\.0\.0\.0\/8:0'/],
    ['10.0.0.0/8:70000', /bad port/],
    ['example.com', /scope entry 'example\.com': the address: unexpected 'e'/],
    ['10.0.0.0/8:80:90', /is not ADDRESS\[\/LENGTH\]\[:PORT\]/],
    ['[::1]x', /is not ADDRESS/],
  ];
  for (const [entry, why] of cases)
    assert.throws(
      () => new DownloadScope([entry]),
      (e: unknown) => e instanceof ScopeError && why.test(e.message),
      entry,
    );
});
