/**
 * Private, reserved, link-local, loopback, multicast and documentation addresses get `not_applicable` from the
 * identification service and `moat identify check`, even from a model that calls everything black and with the
 * address on a blocklist; a public address under the same model and intel still gets its verdict.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/store/index.js';
import { parseIp } from '../../src/address/index.js';
import { IntelIndex, IntelStore, parseFeed } from '../../src/intel/index.js';
import {
  IdentificationService,
  ModelRegistry,
  specialScope,
  SKIP_OOD_GATE,
} from '../../src/identify/index.js';
import { runMoat } from './cli-child.js';
import { allBlackModel } from './synthetic.js';

const SPECIAL: [string, string][] = [
  ['10.1.2.3', 'private'],
  ['172.31.255.254', 'private'],
  ['192.168.0.250', 'private'],
  ['100.64.0.1', 'shared (carrier-grade NAT)'],
  ['127.0.0.1', 'loopback'],
  ['169.254.10.20', 'link-local'],
  ['0.1.2.3', 'this-network'],
  ['192.0.2.55', 'documentation'],
  ['198.51.100.9', 'documentation'],
  ['203.0.113.5', 'documentation'],
  ['198.19.0.1', 'benchmarking'],
  ['224.0.0.251', 'multicast'],
  ['255.255.255.255', 'reserved'],
  ['::1', 'loopback'],
  ['::', 'unspecified'],
  ['fe80::1', 'link-local'],
  ['fd12:3456::1', 'unique-local (private)'],
  ['ff02::fb', 'multicast'],
  ['2001:db8::5', 'documentation'],
  ['::ffff:10.0.0.1', 'private'],
];
const PUBLIC = [
  '8.8.8.8',
  '1.1.1.1',
  '172.32.0.1',
  '100.128.0.1',
  '192.169.0.1',
  '2a00:1450:4001::5',
  '11.0.0.1',
];

test('special-purpose ranges are recognised; public addresses next to them are not', () => {
  for (const [ip, kind] of SPECIAL) {
    const scope = specialScope(parseIp(ip).words);
    assert.notEqual(scope, null, ip);
    // The IANA registry names the block; the expected kind's key word is in it.
    const word = kind.split(/[ -]/)[0].replace('private', 'private-use').replace('this', 'this network');
    assert.ok(
      scope!.toLowerCase().includes(word.toLowerCase()) || kind === 'reserved',
      `${ip}: ${scope} vs ${kind}`,
    );
  }
  for (const ip of PUBLIC) assert.equal(specialScope(parseIp(ip).words), null, ip);
});

test('the service answers not_applicable for special addresses, even listed and under an all-black model', () => {
  const listed = [...SPECIAL.map(([ip]) => ip), '8.8.8.8'].join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'moat-identify-scope-'));
  const h = openSqlite(join(dir, 'i.db'));
  const store = new IntelStore(h);
  store.load('c2.txt', parseFeed('c2.txt', `${listed}\n`));
  const intel = IntelIndex.fromRows(store.live());
  h.close();
  rmSync(dir, { recursive: true, force: true });
  const service = new IdentificationService({ model: allBlackModel(), version: 7, intel });
  for (const [ip, kind] of SPECIAL) {
    const r = service.identify({ ip });
    assert.equal(r.verdict, 'not_applicable', ip);
    assert.equal(r.score, 0);
    assert.deepEqual(r.rules_fired, []);
    assert.match(r.reasons[0], /^\S+ is an? .+ address: not on the public internet/, kind);
    assert.equal(r.reasons[0].split(' is a')[0], ip);
    assert.equal(r.model_version, 7);
  }
  assert.equal(service.identify({ ip: '8.8.8.8' }).verdict, 'black');
  assert.equal(
    service.identify({ ip: '11.0.0.1' }).verdict,
    'black',
    'the model still judges public addresses',
  );
});

test('moat identify check: a private address is not_applicable and exits 0', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-identify-scope-'));
  const db = join(dir, 'm.db');
  const h = openSqlite(db);
  new IntelStore(h).load('c2.txt', parseFeed('c2.txt', '192.168.7.7\n93.184.216.7\n'));
  const reg = new ModelRegistry(h);
  const v = reg.submit(
    allBlackModel(),
    { precision: 1, coverage: 1 },
    { minPrecision: 0.9, minCoverage: 0.8 },
    SKIP_OOD_GATE,
  );
  reg.activate(v.version);
  h.close();
  try {
    const priv = runMoat(['identify', 'check', '192.168.7.7', '--db', db]);
    assert.equal(JSON.parse(priv.out).verdict, 'not_applicable');
    assert.equal(priv.code, 0);
    const pub = runMoat(['identify', 'check', '93.184.216.7', '--db', db]);
    assert.equal(JSON.parse(pub.out).verdict, 'black');
    assert.equal(pub.code, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
