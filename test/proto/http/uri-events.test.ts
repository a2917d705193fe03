/**
 * libhtp's events on a request's Host header, its target and what follows it: request_header_host_invalid,
 * double_encoded_uri (with double-decode configured) and request_body_unexpected. The hostname cases are libhtp's
 * own (its validate_hostname and parse_hostport tests); the captures are suricata-verify's, with the alert
 * counts their test.yaml expects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { doubleEncodedPart, hostHeaderInvalid, validHostname } from '../../../src/proto/http/uri-events.js';
import { runTest } from '../../../src/detect/suricata-verify/runner.js';

test('libhtp hostname validation', () => {
  for (const ok of ['www.example.com', 'localhost', '[::1]', '[2001:db8::1]', 'a_b.example', '192.168.56.3'])
    assert.ok(validHostname(ok), ok);
  for (const bad of [
    '',
    '.example.com',
    'www..example.com',
    '[::zz]',
    'exa mple.com',
    `${'a'.repeat(64)}.com`,
  ])
    assert.ok(!validHostname(bad), bad);
});

test('Host header: host, then an optional port 1–65535, nothing else', () => {
  assert.equal(hostHeaderInvalid('www.example.com'), false);
  assert.equal(hostHeaderInvalid('www.example.com:8080'), false);
  assert.equal(hostHeaderInvalid('[::1]'), false);
  assert.equal(hostHeaderInvalid('[::1]:8080'), false);
  assert.equal(hostHeaderInvalid('[::1]xxxxx'), true);
  assert.equal(hostHeaderInvalid('www.example.com:0'), true);
  assert.equal(hostHeaderInvalid('www.example.com:65536'), true);
  assert.equal(hostHeaderInvalid('www.example.com:abc'), true);
  assert.equal(hostHeaderInvalid('www.example.com:'), true);
  assert.equal(hostHeaderInvalid('www..example.com'), true);
  assert.equal(hostHeaderInvalid('/path'), undefined);
});

test('double encoding is seen only where the second pass is configured', () => {
  assert.equal(doubleEncodedPart('/evil%2527sqli', true, true), 'path');
  assert.equal(doubleEncodedPart('/evil%2527sqli', false, true), undefined);
  assert.equal(doubleEncodedPart('/evil%27sqli', true, true), undefined);
  assert.equal(doubleEncodedPart('/a?q=%252e', true, false), undefined);
  assert.equal(doubleEncodedPart('/a?q=%252e', false, true), 'query');
  assert.equal(doubleEncodedPart('http://h.example/%2541', true, false), 'path');
});

const SV = '../shared/corpus/suricata-verify/tests';

for (const name of ['http-request-invalid', 'http-double-encoded-uri', 'http-ipv6'])
  test(`suricata-verify ${name}: the expected alerts (and none other)`, async (t) => {
    const dir = join(SV, name);
    if (!existsSync(join(dir, 'test.yaml'))) return t.skip(`${dir} absent`);
    assert.deepEqual(await runTest(dir), { test: name, result: 'pass' });
  });
