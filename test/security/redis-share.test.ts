/**
 * The event cache table shared through a real redis-server between two moat instances (each with its own
 * SQLite file): entries, hits and last-hit times, A-62 clearing with its watch period, escalation and removal
 * travel both ways; an instance joining later loads what is shared; SQLite alone brings it back after a restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/free-port.js';
import { EventCacheTable, entryKey, type CacheEntry } from '../../src/security/event-cache.js';
import { RedisCacheShare } from '../../src/security/redis-share.js';
import { createRedisClient, openSqlite, type RedisClient, type SqliteStore } from '../../src/store/index.js';

const T0 = 1_700_000_000_000_000;

/** Polls until `cond` holds (the other instance applies changes asynchronously), at most 3 s. */
async function eventually(what: string, cond: () => boolean, shares: RedisCacheShare[]): Promise<void> {
  for (let i = 0; i < 150; i++) {
    for (const s of shares) await s.flush();
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`never became true: ${what}`);
}

test('two instances share the event cache table through Redis; SQLite keeps it across restarts', async (t) => {
  if (spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0) {
    t.skip('redis-server not installed (scripts/setup.sh installs it)');
    return;
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'moat-seccache-'));
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}/0`;
  const dbs: SqliteStore[] = [];
  const clients: RedisClient[] = [];
  const shares: RedisCacheShare[] = [];
  const instance = async (name: string) => {
    const db = openSqlite(join(dir, `${name}.db`));
    dbs.push(db);
    const table = new EventCacheTable(db);
    // Each instance has its own client from the store's factory, as separate processes would.
    const redis = createRedisClient(url);
    clients.push(redis);
    const share = new RedisCacheShare(table, redis, { batchMs: 5 });
    shares.push(share);
    await share.start();
    return { db, table, share };
  };
  try {
    await new Promise((r) => setTimeout(r, 300));
    const a = await instance('a');
    const b = await instance('b');
    const e = a.table.record({
      srcIp: '192.168.1.199',
      dstIp: '203.0.113.23',
      srcPort: 0,
      dstPort: 23,
      proto: 6,
      createdUs: T0,
      maxLifetimeUs: 600e6,
      direction: 'both',
      scope: 'iot',
      operation: 'drop',
      eventId: 'sid:2001',
      diagnosis: 'rules',
    });
    const key = entryKey(e);
    await eventually('B sees the entry A created', () => b.table.get(key) !== undefined, [a.share, b.share]);
    const seen = b.table.lookup('192.168.1.199', '203.0.113.23', 0, 23, 6, T0 + 5e6);
    assert.equal(seen?.entry.operation, 'drop');
    assert.equal(seen?.entry.operationType, 'block');
    b.table.lookup('203.0.113.23', '192.168.1.199', 23, 0, 6, T0 + 7e6);
    await eventually(
      'A sees B’s hits and last-hit time',
      () => a.table.get(key)?.hits === 2 && a.table.get(key)?.lastHitUs === T0 + 7e6,
      [a.share, b.share],
    );
    // A's own hit adds to the shared count; last-hit never moves backwards.
    a.table.lookup('192.168.1.199', '203.0.113.23', 0, 23, 6, T0 + 6e6);
    await eventually('B sees three hits', () => b.table.get(key)?.hits === 3, [a.share, b.share]);
    assert.equal(b.table.get(key)?.lastHitUs, T0 + 7e6);

    // analysis clears it on A — B sees it tracked for the watch period, then B escalates and A sees that.
    a.table.clear(a.table.get(key)!, T0 + 10e6, 30e6);
    await eventually('B sees the watch', () => b.table.get(key)?.status === 'watched', [a.share, b.share]);
    const watched = b.table.get(key) as CacheEntry;
    assert.deepEqual([watched.operation, watched.watchUntilUs], ['track', T0 + 40e6]);
    b.table.escalate(watched, 'reset', 'ml:beacon', 'ml', T0 + 20e6);
    await eventually(
      'A sees the escalation',
      () => a.table.get(key)?.status === 'valid' && a.table.get(key)?.operation === 'reset',
      [a.share, b.share],
    );
    assert.equal(a.table.get(key)?.diagnosis, 'ml');
    assert.equal(a.table.get(key)?.watchUntilUs, undefined);

    // A second entry, then an instance joining later loads both at once.
    const dev = a.table.record({
      srcIp: '10.0.0.66',
      dstIp: '*',
      srcPort: 0,
      dstPort: 0,
      proto: 0,
      createdUs: T0,
      maxLifetimeUs: 3600e6,
      direction: 'both',
      scope: 'user',
      operation: 'suppress',
      operationArg: '20/second',
      eventId: 'log-review:fanout',
      diagnosis: 'log-review',
    });
    await a.share.flush();
    const c = await instance('c');
    assert.equal(c.table.size, 2);
    assert.equal(
      c.table.lookup('10.0.0.66', '198.51.100.1', 40000, 443, 6, T0 + 1e6)?.entry.operationArg,
      '20/second',
    );

    // Removal on B reaches A and C.
    b.table.remove(b.table.get(key)!);
    await eventually(
      'A and C drop it',
      () => a.table.get(key) === undefined && c.table.get(key) === undefined,
      [a.share, b.share, c.share],
    );
    assert.ok(b.table.get(entryKey(dev)) !== undefined);
    for (const s of shares) assert.deepEqual(s.errors, []);

    // Restart B without Redis: its SQLite copy has what it learnt from A.
    b.table.flush();
    await b.share.close();
    b.db.close();
    const db = openSqlite(join(dir, 'b.db'));
    dbs.push(db);
    const again = new EventCacheTable(db);
    assert.equal(again.get(key), undefined);
    assert.equal(again.get(entryKey(dev))?.operation, 'suppress');
  } finally {
    for (const s of shares) await s.close().catch(() => undefined);
    for (const db of dbs) db.close();
    for (const c of clients) await c.quit().catch(() => c.disconnect());
    server.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});
