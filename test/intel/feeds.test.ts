import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectFeedFormat, formatFeedError, parseFeed } from '../../src/intel/index.js';

const FEEDS = join(process.cwd(), '..', 'shared', 'corpus', 'intel', 'feeds');
const FIX = join(process.cwd(), 'test', 'intel', 'fixtures');
const haveCorpus = existsSync(FEEDS);
const skip = haveCorpus ? false : 'corpus ../shared/corpus/intel/feeds absent';

function load(rel: string) {
  const p = join(FEEDS, rel);
  return parseFeed(p, readFileSync(p, 'utf8'));
}

test('Spamhaus DROP, EDROP and DROPv6 parse completely', { skip }, () => {
  const drop = load('spamhaus/drop.txt');
  assert.equal(drop.format, 'ip-list');
  assert.equal(drop.errors.length, 0);
  const lines = readFileSync(join(FEEDS, 'spamhaus/drop.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.trim()).length;
  assert.equal(drop.indicators.length, lines);
  assert.deepEqual(drop.indicators[0], {
    type: 'cidr',
    value: '1.10.16.0/20',
    category: 'spamhaus-drop',
    where: 'line 1',
  });
  const v6 = load('spamhaus/drop_ipv6.txt');
  assert.equal(v6.errors.length, 0);
  assert.equal(v6.indicators[0].value, '2a12:2640::/29');
  assert.equal(load('spamhaus/edrop.txt').indicators[0].category, 'spamhaus-edrop');
});

test('Spamhaus ASN-DROP JSON lines', { skip }, () => {
  const r = load('spamhaus/asn_drop.json');
  assert.equal(r.format, 'spamhaus-asn');
  assert.equal(r.errors.length, 0);
  assert.equal(r.indicators[0].value, 'AS932');
  assert.match(r.indicators[0].category ?? '', /XNNET/);
});

test('IPsum main file keeps list counts; level files give ≥ N', { skip }, () => {
  const r = load('ipsum/ipsum.txt');
  assert.equal(r.format, 'ipsum');
  assert.equal(r.errors.length, 0);
  assert.ok(r.indicators.length > 80000);
  assert.deepEqual(
    { v: r.indicators[0].value, c: r.indicators[0].listCount },
    { v: '77.90.185.20/32', c: 10 },
  );
  const l3 = load('ipsum/levels/3.txt');
  assert.equal(l3.format, 'ipsum-level');
  assert.ok(l3.indicators.every((i) => i.listCount === 3));
  // Level 3 holds exactly the addresses the main file counts on ≥ 3 lists.
  assert.equal(l3.indicators.length, r.indicators.filter((i) => (i.listCount ?? 0) >= 3).length);
});

test('abuse.ch SSLBL and JA3 CSVs with dates', { skip }, () => {
  const s = load('abusech-sslbl/sslblacklist.csv');
  assert.equal(s.format, 'abusech-sslbl');
  assert.equal(s.errors.length, 0);
  assert.deepEqual(s.indicators[0], {
    type: 'sha1',
    value: '19e664f09401bf648b6ea57719e34ad795f3b6cb',
    category: 'AsyncRAT C&C',
    firstSeen: '2023-12-22T06:58:00.000Z',
    where: 'line 2',
  });
  const j = load('abusech-ja3/ja3_fingerprints.csv');
  assert.equal(j.errors.length, 0);
  assert.equal(j.indicators.length, 98); // the file's own '# END (98) entries'
  assert.equal(j.indicators[0].lastSeen, '2019-07-27T20:42:54.000Z');
});

test('bad lines are named file:line and the good ones kept', () => {
  const text = '1.2.3.0/24\nnot-an-ip\n10.0.0.300\n2001:db8::/32 ; SBL1\n1.2.3.4/33\n';
  const r = parseFeed('mylist.txt', text);
  assert.deepEqual(
    r.indicators.map((i) => i.value),
    ['1.2.3.0/24', '2001:db8::/32'],
  );
  assert.deepEqual(r.errors.map(formatFeedError), [
    "mylist.txt:2: not an IP address or CIDR: 'not-an-ip'",
    "mylist.txt:3: not an IP address or CIDR: '10.0.0.300'",
    "mylist.txt:5: not an IP address or CIDR: '1.2.3.4/33'",
  ]);
  const ipsum = parseFeed('ipsum.txt', '# c\n1.1.1.1\t3\n2.2.2.2\tx\n', 'ipsum');
  assert.equal(ipsum.indicators.length, 1);
  assert.equal(formatFeedError(ipsum.errors[0]).startsWith('ipsum.txt:3:'), true);
  const sslbl = parseFeed('sslbl.csv', 'SHA1,ListingReason,ListingDate\nzz,Bad,1/1/2020 1:00\n', 'sslbl');
  assert.equal(formatFeedError(sslbl.errors[0]).startsWith('sslbl.csv:2:'), true);
});

test('MISP event: attributes and object attributes, to_ids respected, bad values reported', () => {
  const p = join(FIX, 'misp-event.json');
  const text = readFileSync(p, 'utf8');
  assert.equal(detectFeedFormat(p, text), 'misp');
  const r = parseFeed(p, text);
  assert.deepEqual(
    r.indicators.map((i) => `${i.type}:${i.value}`),
    [
      'ip:198.51.100.23/32',
      'ip:203.0.113.9/32',
      'domain:login-secure-bank.example',
      'ip:2001:db8::bad/128',
      'sha1:19e664f09401bf648b6ea57719e34ad795f3b6cb',
    ],
  );
  assert.equal(r.indicators[3].firstSeen, '2024-02-20T10:00:00.000Z');
  assert.equal(r.indicators[0].firstSeen, new Date(1709300000 * 1000).toISOString());
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0].where, 'Event.Attribute[4]');
});

test('STIX 2.1 bundle: simple patterns, OR, expiry; AND patterns reported; revoked skipped', () => {
  const p = join(FIX, 'stix-bundle.json');
  const text = readFileSync(p, 'utf8');
  assert.equal(detectFeedFormat(p, text), 'stix');
  const r = parseFeed(p, text);
  assert.deepEqual(
    r.indicators.map((i) => `${i.type}:${i.value}`),
    [
      'cidr:198.51.100.0/24',
      'ip:2001:db8:1::1/128',
      'domain:evil.example',
      'sha1:27c2d8e9f11c1a83af9e5e01c8476b1e832ab4c8',
    ],
  );
  assert.equal(r.indicators[0].expiresAt, '2030-01-01T00:00:00.000Z');
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0].where, 'objects[3]');
  assert.match(r.errors[0].message, /AND/);
});

test('truncated JSON is an error with a line, not a crash', () => {
  const r = parseFeed('x.json', '{"type":"bundle","objects":[\n{"type":"indicator",\n', 'stix');
  assert.equal(r.indicators.length, 0);
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0].message, /JSON/);
});
