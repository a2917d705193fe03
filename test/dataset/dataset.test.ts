import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type * as Collect from '../../src/pipeline/collect.js';
import {
  Pseudonymiser,
  desensitise,
  checkPrivacy,
  assertPrivate,
  PrivacyError,
} from '../../src/dataset/index.js';

const key = Buffer.from('0123456789abcdef0123456789abcdef');

function commonPrefix(a: string, b: string, v6 = false): number {
  const bits = (ip: string): string =>
    v6
      ? ip
          .split(':')
          .map((g) => parseInt(g, 16).toString(2).padStart(16, '0'))
          .join('')
      : ip
          .split('.')
          .map((o) => Number(o).toString(2).padStart(8, '0'))
          .join('');
  const x = bits(a);
  const y = bits(b);
  let i = 0;
  while (i < x.length && x[i] === y[i]) i++;
  return i;
}

test('IPv4/IPv6 pseudonyms are consistent, keyed and prefix-preserving', () => {
  const p = new Pseudonymiser(key);
  const q = new Pseudonymiser(Buffer.from('another key, sixteen bytes+'));
  const pairs = [
    ['192.168.1.10', '192.168.1.77'],
    ['10.0.0.1', '10.200.3.4'],
    ['8.8.8.8', '9.9.9.9'],
  ];
  for (const [a, b] of pairs) {
    assert.equal(commonPrefix(p.ipv4(a), p.ipv4(b)), commonPrefix(a, b));
    assert.equal(p.ipv4(a), p.ipv4(a));
    assert.notEqual(p.ipv4(a), a);
    assert.notEqual(p.ipv4(a), q.ipv4(a));
  }
  const a6 = '2001:db8:0:0:0:0:0:1';
  const b6 = '2001:db8:0:0:0:0:ff00:2';
  assert.equal(commonPrefix(p.ipv6(a6), p.ipv6(b6), true), commonPrefix(a6, b6, true));
});

test('MACs keep their flag bits and style; other identifiers get recognisable fakes', () => {
  const p = new Pseudonymiser(key);
  const m = p.mac('01:12:16:3A:5C:21');
  assert.match(m, /^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/);
  assert.equal(parseInt(m.slice(0, 2), 16) & 3, 1);
  assert.match(p.email('alice@example.com'), /^user-[0-9a-f]{8}@mail-[0-9a-f]{6}\.invalid$/);
  assert.equal(p.phone('+49 30 1234567').length, '+49 30 1234567'.length);
  assert.equal(p.credential('hunter2'), p.credential('hunter2'));
});

test('desensitised text passes the privacy check; raw text is refused', () => {
  const p = new Pseudonymiser(key);
  const raw =
    'login root password=xc3511 from 203.0.113.7 mac 00:12:16:3a:5c:21 serial: HX2019A7731 mail bob@corp.example.org call +1 415 555 0100 on cam-livingroom';
  assert.throws(() => assertPrivate(raw), PrivacyError);
  const clean = desensitise(raw, p, { hostnames: ['cam-livingroom'] });
  assert.deepEqual(checkPrivacy(clean, p), []);
  for (const secret of [
    'xc3511',
    '203.0.113.7',
    '00:12:16:3a:5c:21',
    'HX2019A7731',
    'bob@corp.example.org',
    '555 0100',
    'cam-livingroom',
  ])
    assert.ok(!clean.includes(secret), secret);
  assert.equal(desensitise(raw, p, { hostnames: ['cam-livingroom'] }), clean, 'consistent');
  // an original leaking through another path is caught
  assert.equal(checkPrivacy(clean + ' 203.0.113.7', p)[0].kind, 'ipv4');
});

test('A-82 acceptance: reports from the attack corpus pass the privacy check after desensitisation', async (t) => {
  const dir = join(process.cwd(), '..', 'shared', 'corpus', 'attacks');
  if (!existsSync(dir)) return t.skip(`corpus absent: ${dir}`);
  let analyzeToEvents: typeof Collect.analyzeToEvents;
  try {
    ({ analyzeToEvents } = await import('../../src/pipeline/collect.js'));
  } catch (e) {
    return t.skip(`engine not available: ${(e as Error).message}`);
  }
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const f = join(d, n);
      if (statSync(f).isDirectory()) walk(f);
      else if (/\.(pcap|pcapng|cap)$/.test(n) && statSync(f).size < 2 << 20) files.push(f);
    }
  };
  walk(dir);
  const pick = files
    .sort()
    .filter((_, i) => i % Math.max(1, Math.floor(files.length / 25)) === 0)
    .slice(0, 25);
  const p = new Pseudonymiser(key);
  let reports = 0;
  for (const f of pick) {
    let events;
    try {
      ({ events } = await analyzeToEvents(f));
    } catch {
      continue;
    }
    const report = events.map((e) => JSON.stringify(e)).join('\n');
    const clean = desensitise(report, p);
    const findings = checkPrivacy(clean, p);
    assert.deepEqual(findings.slice(0, 3), [], f);
    reports++;
  }
  assert.ok(reports > 0, 'at least one corpus report produced');
  t.diagnostic(`${reports} corpus reports desensitised and checked`);
});

test('pcap: addresses pseudonymised with valid checksums, payloads cut, packet count kept (corpus)', async (t) => {
  const f = join(
    process.cwd(),
    '..',
    'shared',
    'corpus',
    'attacks',
    'markofu-pcaps',
    'HoneyNet',
    '0110',
    'attack-trace.pcap',
  );
  if (!existsSync(f)) return t.skip(`corpus file absent: ${f}`);
  const { readFileSync, writeFileSync, mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { execFileSync } = await import('node:child_process');
  const { pseudonymisePcap, PcapRewriteError } = await import('../../src/dataset/index.js');
  const input = readFileSync(f);
  const p = new Pseudonymiser(key);
  const out = pseudonymisePcap(input, p);
  const outFile = join(mkdtempSync(join(tmpdir(), 'moat-ds-')), 'clean.pcap');
  writeFileSync(outFile, out);
  let before: string;
  let after: string;
  try {
    before = execFileSync('tcpdump', ['-nn', '-r', f], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    after = execFileSync('tcpdump', ['-nn', '-vv', '-r', outFile], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return t.skip('tcpdump not available');
  }
  assert.equal(
    after.split('\n').filter((l) => /^\d/.test(l)).length,
    before.split('\n').filter(Boolean).length,
  );
  assert.ok(!/incorrect|bad cksum/.test(after), 'IP checksums valid');
  for (const ip of p.originals)
    if (/^\d+\.\d+\.\d+\.\d+$/.test(ip))
      assert.ok(!after.includes(` ${ip}.`) && !after.includes(` ${ip} `), ip);
  assert.ok(out.length < input.length, 'payloads cut');
  assert.throws(() => pseudonymisePcap(input.subarray(0, input.length - 3), p), PcapRewriteError);
});

test('privacy check: an original IPv6 is found in any spelling; fingerprints are not addresses', () => {
  const p = new Pseudonymiser(key);
  p.ipv6('2001:db8:0:0:0:0:0:1');
  assert.deepEqual(
    checkPrivacy('peer 2001:DB8::1 seen', p).map((f) => [f.kind, f.value]),
    [['ipv6', '2001:DB8::1']],
  );
  assert.deepEqual(checkPrivacy(`peer ${p.ipv6('2001:db8::1')} seen`, p), []);
  // a certificate fingerprint is colon-separated hex but no IPv6 address (this used to crash)
  const fp = 'ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01';
  assert.equal(desensitise(`sha1 ${fp}`, p).length, `sha1 ${fp}`.length);
  assert.throws(() => p.ipv6('1:2:3:4:5:6:7:8:9'), /not an IPv6 address/);
});
