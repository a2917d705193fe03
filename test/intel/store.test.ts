import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { openSqlite } from '../../src/store/index.js';
import { parseIp } from '../../src/address/index.js';
import { IntelIndex, IntelStore, parseFeed } from '../../src/intel/index.js';
import { runMoat } from '../identify/cli-child.js';

test('store keeps provenance, first/last seen, and expires', () => {
  const store = new IntelStore(openSqlite(':memory:'));
  const t0 = new Date('2025-01-01T00:00:00Z');
  const t1 = new Date('2025-01-10T00:00:00Z');
  const feed = parseFeed('list.txt', '198.51.100.7\n198.51.100.8\n203.0.113.0/24\n');
  store.load('list.txt', feed, { now: t0, ttlDays: 7 });
  store.load('list.txt', parseFeed('list.txt', '198.51.100.7\n'), { now: t1, ttlDays: 7 });
  const rows = store.list({ type: 'ip' });
  const r7 = rows.find((r) => r.value === '198.51.100.7/32')!;
  assert.equal(r7.first_seen, t0.toISOString());
  assert.equal(r7.last_seen, t1.toISOString());
  assert.equal(r7.origin, 'list.txt:1');
  // At t1 + 1 day: entries not refreshed at t1 have passed their 7-day expiry.
  assert.equal(store.expire(new Date('2025-01-11T00:00:00Z')), 2);
  assert.deepEqual(
    store.list({ type: 'ip' }).map((r) => r.value),
    ['198.51.100.7/32'],
  );
});

test('index: longest match, density excludes self, sources merged', () => {
  const store = new IntelStore(openSqlite(':memory:'));
  store.load('a.txt', parseFeed('a.txt', '198.51.100.7\n198.51.100.8\n198.51.100.9\n'), { source: 'a' });
  store.load('b.txt', parseFeed('b.txt', '198.51.100.7\n198.51.0.0/16\n'), { source: 'b' });
  const idx = IntelIndex.fromRows(store.live());
  assert.deepEqual(idx.lookupIpText('198.51.100.7')?.sources.sort(), ['a', 'b']);
  assert.deepEqual(idx.lookupIpText('198.51.7.7')?.sources, ['b']);
  assert.equal(idx.neighbourhoodDensity(parseIp('198.51.100.7').words), 2);
  assert.equal(idx.neighbourhoodDensity(parseIp('198.51.100.200').words), 3);
  assert.equal(idx.lookupNetwork(parseIp('198.51.100.7').words)?.len, 16);
});

test('moat intel load/list/expire: bad lines named, good kept, exit 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-intel-'));
  try {
    const f = join(dir, 'feed.txt');
    writeFileSync(f, '192.0.2.1\nbogus\n192.0.2.0/28\n');
    const db = join(dir, 'm.db');
    const r = runMoat(['intel', 'load', f, '--db', db]);
    const code = r.code;
    const errs = [r.err];
    assert.equal(code, 1);
    assert.ok(
      errs.some((e) => e.includes(`${f}:2: not an IP address or CIDR: 'bogus'`)),
      errs.join(''),
    );
    const store = new IntelStore(openSqlite(db));
    assert.equal(store.list({ source: 'feed.txt' }).length, 2);
    store.db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
