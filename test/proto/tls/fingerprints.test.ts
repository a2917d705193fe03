/**
 * JA3/JA3S and JA4 against known answers: the JA4 reference implementation's own example hello (its unit-test
 * lists: t13d1516h2_8daaf6152771_e5627efa2ab1), the edge rules of the JA4 definition (GREASE, counts capped at
 * 99, ALPN characters, no signature algorithms, nothing to hash), and, end to end, the JA3/JA3S/JA4 values
 * Suricata's verification suite expects for its captures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { computeJa3, computeJa4 } from '../../../src/proto/tls/index.js';
import type { ClientHello } from '../../../src/proto/tls/types.js';
import { analyzeToEvents } from '../../../src/pipeline/collect.js';

function hello(over: Partial<ClientHello>): ClientHello {
  return {
    version: 0x0303,
    ciphers: [],
    extensions: [],
    alpns: [],
    supportedVersions: [],
    groups: [],
    ecPointFormats: [],
    signatureAlgorithms: [],
    sessionIdLength: 0,
    offersResumption: false,
    sslv2Compat: false,
    ...over,
  };
}

const CHROME = hello({
  ciphers: [
    0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d,
    0x002f, 0x0035,
  ],
  extensions: [
    0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01,
    0x000b, 0x000a, 0x0015,
  ],
  supportedVersions: [0x0304, 0x0303],
  alpns: ['h2', 'http/1.1'],
  signatureAlgorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601],
});

test('JA4 of the reference example hello', () => {
  assert.equal(computeJa4(CHROME), 't13d1516h2_8daaf6152771_e5627efa2ab1');
});

test('JA4 ignores GREASE in ciphers, extensions, versions and signature algorithms', () => {
  const greased = hello({
    ...CHROME,
    ciphers: [0x0a0a, ...CHROME.ciphers],
    extensions: [0x1a1a, ...CHROME.extensions, 0xfafa],
    supportedVersions: [0x2a2a, 0x0304, 0x0303],
    signatureAlgorithms: [0x3a3a, ...CHROME.signatureAlgorithms],
  });
  assert.equal(computeJa4(greased), 't13d1516h2_8daaf6152771_e5627efa2ab1');
});

test('JA4 first part: protocol, version without supported_versions, SNI flag, ALPN characters', () => {
  const base = { ...CHROME, supportedVersions: [], extensions: CHROME.extensions.filter((e) => e !== 0) };
  const a = (h: ClientHello, p: 't' | 'q' = 't'): string => computeJa4(h, p).split('_')[0];
  assert.equal(a(hello(base)), 't12i1515h2');
  assert.equal(a(hello({ ...base, version: 0x0301 })), 't10i1515h2');
  assert.equal(a(hello({ ...base, version: 0x0300 })), 'ts3i1515h2');
  assert.equal(a(hello({ ...base, version: 0x1234 })), 't00i1515h2');
  assert.equal(a(CHROME, 'q'), 'q13d1516h2');
  assert.equal(a(hello({ ...base, alpns: ['http/1.1'] })), 't12i1515h1');
  assert.equal(a(hello({ ...base, alpns: [] })), 't12i151500');
  // The reference shows a byte beyond ASCII as '9' and a one-character value's missing last as '0'.
  assert.equal(a(hello({ ...base, alpns: ['\xba\xad', 'http/1.1'] })), 't12i151599');
  assert.equal(a(hello({ ...base, alpns: ['x'] })), 't12i1515x0');
});

test('JA4 counts are capped at 99 and empty lists hash to zeros', () => {
  const many = hello({ ciphers: Array.from({ length: 120 }, (_, i) => i + 1), extensions: [] });
  assert.match(computeJa4(many), /^t12i9900/);
  assert.equal(computeJa4(hello({})), 't12i000000_000000000000_000000000000');
  // No signature algorithms: the extension string is hashed without a trailing underscore.
  const noSigs = computeJa4(hello({ ciphers: [0x002f], extensions: [0x000a] }));
  assert.equal(noSigs.split('_')[2].length, 12);
  assert.notEqual(noSigs.split('_')[2], '000000000000');
});

test('JA3 drops GREASE and joins decimal fields', () => {
  const h = hello({
    ciphers: [0x0a0a, 4865, 49195],
    extensions: [0x2a2a, 0, 10, 11],
    groups: [0x3a3a, 29, 23],
    ecPointFormats: [0],
  });
  const j = computeJa3(h);
  assert.equal(j.string, '771,4865-49195,0-10-11,29-23,0');
  assert.equal(j.hash.length, 32);
  assert.equal(computeJa3(hello({})).string, '771,,,,');
});

const SV = join(process.cwd(), '..', 'shared', 'corpus', 'suricata-verify', 'tests');

/** Suricata-verify expectations: the capture, and what some tls event of it must carry. */
const CASES: { test: string; ja3?: string; ja3s?: string; ja3String?: string; ja4?: string }[] = [
  {
    test: 'bug-8336-01-default-track-only',
    ja3: 'fae0e5d973c96ae1888b99538efa0363',
    ja3s: '907bf3ecef1c987c889946b737b43de8',
  },
  {
    test: 'tls-duplicate-hello',
    ja3String:
      '771,4866-4867-4865-4868-49196-52393-49325-49162-49195-49324-49161-49200-52392-49172-49199-49171-157-49309-53-156-49308-47-159-52394-49311-57-158-49310-51,5-10-11-13-22-23-35-51-43-65281-0-45,23,0',
  },
  { test: 'ja4-rules', ja4: 't13d1516h2_8daaf6152771_e5627efa2ab1' },
];

for (const c of CASES) {
  test(`suricata-verify ${c.test}: JA3/JA3S/JA4 as Suricata expects`, async (t) => {
    const pcap = join(SV, c.test, 'input.pcap');
    if (!existsSync(pcap)) {
      t.skip(`${pcap} is absent`);
      return;
    }
    const { events } = await analyzeToEvents(pcap);
    const tlsEvents = (events as unknown as Record<string, unknown>[])
      .filter((e) => e.event_type === 'tls')
      .map((e) => e.tls as { ja3?: { hash: string; string: string }; ja3s?: { hash: string }; ja4?: string });
    assert.ok(tlsEvents.length > 0, 'the capture yields tls events');
    if (c.ja3)
      assert.ok(
        tlsEvents.some((e) => e.ja3?.hash === c.ja3),
        `ja3 ${c.ja3}`,
      );
    if (c.ja3s)
      assert.ok(
        tlsEvents.some((e) => e.ja3s?.hash === c.ja3s),
        `ja3s ${c.ja3s}`,
      );
    if (c.ja3String)
      assert.equal(
        tlsEvents.filter((e) => e.ja3?.string === c.ja3String).length,
        1,
        'exactly one event with the JA3 string',
      );
    if (c.ja4)
      assert.ok(
        tlsEvents.some((e) => e.ja4 === c.ja4),
        `ja4 ${c.ja4}`,
      );
  });
}
