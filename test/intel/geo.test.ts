import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { GeoLookup, IntelIndex } from '../../src/intel/index.js';
import { computeFeatures, FEATURE_INDEX as F } from '../../src/identify/features.js';

const MM = join(process.cwd(), '..', 'shared', 'corpus', 'intel', 'maxmind-db');
const skip = existsSync(MM) ? false : 'corpus ../shared/corpus/intel/maxmind-db absent';

test('ASN and country from the MaxMind test databases (IPv4 and IPv6)', { skip }, () => {
  const geo = new GeoLookup({
    asnDb: join(MM, 'test-data', 'GeoLite2-ASN-Test.mmdb'),
    countryDb: join(MM, 'test-data', 'GeoIP2-Country-Test.mmdb'),
  });
  assert.deepEqual(geo.lookup('1.0.0.1'), { asn: 15169, org: 'Google Inc.' });
  assert.equal(geo.lookup('2001:1700::1').asn, 6730);
  assert.equal(geo.lookup('2.125.160.216').country, 'GB');
  assert.deepEqual(geo.lookup('10.0.0.1'), {});
});

test('address features: ASN density, hosting hint, ASN-DROP', { skip }, () => {
  const geo = new GeoLookup({ asnDb: join(MM, 'test-data', 'GeoLite2-ASN-Test.mmdb') });
  const intel = new IntelIndex();
  intel.add({ type: 'ip', value: '1.0.0.5/32', source: 'feed', category: null, list_count: null });
  intel.add({ type: 'ip', value: '1.0.0.9/32', source: 'feed', category: null, list_count: null });
  intel.add({ type: 'asn', value: 'AS15169', source: 'asn-drop', category: null, list_count: null });
  intel.computeAsnDensity(geo);
  const facts = {};
  const x = computeFeatures(
    '1.0.0.77',
    [],
    undefined,
    'static-1-0-0-77.vps.example.net',
    { intel, geo },
    undefined,
    facts,
  );
  assert.equal(x[F.listed_in_asn], 2);
  assert.equal(x[F.listed_neighbours_24], 2);
  assert.equal(x[F.asn_listed], 1);
  assert.equal(x[F.hosting_hint], 1);
  assert.equal(x[F.rdns_hint], 2);
  assert.deepEqual(facts, { asn: 15169, org: 'Google Inc.' });
  assert.equal(x[F.listed_in_country], -1, 'no country database: not measurable');
});

test('address features: listed hosts per country (country database)', { skip }, () => {
  const geo = new GeoLookup({ countryDb: join(MM, 'test-data', 'GeoIP2-Country-Test.mmdb') });
  assert.equal(geo.lookup('2.125.160.216').country, 'GB');
  const intel = new IntelIndex();
  for (const ip of ['2.125.160.216', '2.125.160.218', '10.0.0.1'])
    intel.add({ type: 'ip', value: `${ip}/32`, source: 'feed', category: null, list_count: null });
  intel.computeAsnDensity(geo);
  const at = (ip: string): number =>
    computeFeatures(ip, [], undefined, undefined, { intel, geo })[F.listed_in_country];
  assert.equal(geo.lookup('2.125.160.217').country, 'GB');
  assert.equal(at('2.125.160.217'), 2, 'two listed hosts in GB');
  assert.equal(at('2.125.160.216'), 1, 'the address itself is not counted');
  assert.equal(at('10.0.0.2'), -1, 'no country known: not measurable');
});

test('broken MaxMind databases are refused or answer nothing, never crash', { skip }, () => {
  const bad = join(MM, 'bad-data');
  for (const sub of readdirSync(bad)) {
    for (const f of readdirSync(join(bad, sub))) {
      const p = join(bad, sub, f);
      let geo: GeoLookup;
      try {
        geo = new GeoLookup({ asnDb: p });
      } catch (e) {
        assert.match((e as Error).message, new RegExp(f.replace(/[.]/g, '\\.')));
        continue;
      }
      for (const ip of ['1.1.1.1', '::1', '2001:db8::1']) assert.equal(typeof geo.lookup(ip), 'object');
    }
  }
});

test('ASN range tables (@ip-location-db/asn layout): IPv4 and IPv6, gaps answer nothing', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { AsnRanges } = await import('../../src/intel/index.js');
  const { parseIp } = await import('../../src/address/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'moat-intel-asn-'));
  try {
    writeFileSync(
      join(dir, 'v4.csv'),
      '1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."\n1.0.4.0,1.0.7.255,38803,Gtelecom Pty Ltd\n',
    );
    writeFileSync(
      join(dir, 'v6.csv'),
      '2001::,2001::ffff:ffff:ffff:ffff:ffff:ffff,6939,Hurricane Electric LLC\n',
    );
    const r = AsnRanges.load(join(dir, 'v4.csv'), join(dir, 'v6.csv'));
    assert.deepEqual(r.lookup(parseIp('1.0.0.200').words), { asn: 13335, org: 'Cloudflare, Inc.' });
    assert.equal(r.lookup(parseIp('1.0.5.1').words)?.asn, 38803);
    assert.equal(r.lookup(parseIp('1.0.2.1').words), undefined);
    assert.equal(r.lookup(parseIp('0.0.0.1').words), undefined);
    assert.equal(r.lookup(parseIp('2001::1234').words)?.asn, 6939);
    writeFileSync(join(dir, 'bad.csv'), '1.0.0.0,1.0.0.255,13335,A\n1.0.1.0,nope,1,B\n');
    assert.throws(() => AsnRanges.load(join(dir, 'bad.csv')), /bad\.csv:2: not an IPv4 range/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
