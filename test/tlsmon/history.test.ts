/**
 * Acceptance 3 of Spec T: heat history survives a restart (SQLite) and two monitors sharing Redis see each other's
 * counts — with a real redis-server started by the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { freePort } from '../helpers/free-port.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedisClient, openSqlite } from '../../src/store/index.js';
import { SqliteHeatHistory } from '../../src/tlsmon/history/sqlite-history.js';
import { RedisHeatHistory } from '../../src/tlsmon/history/redis-history.js';
import { MemoryHeatHistory } from '../../src/tlsmon/history/memory-history.js';

const T0 = 1_750_000_000; // seconds

test('SQLite history: counts persist across close and reopen; buckets beyond retention are pruned', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-heat-'));
  try {
    const path = join(dir, 'moat.db');
    let db = openSqlite(path);
    let h = new SqliteHeatHistory(db, 60, 7 * 86400);
    for (let i = 0; i < 5; i++)
      h.record(
        [
          ['service', '192.0.2.1|443'],
          ['src', '10.0.0.1'],
        ],
        T0 + i * 30,
      );
    h.record([['service', '192.0.2.1|443']], T0 - 8 * 86400); // older than the retention
    assert.equal(h.count('service', '192.0.2.1|443', 3600, T0 + 200), 5);
    assert.ok(h.flush() > 0);
    db.close();

    db = openSqlite(path);
    h = new SqliteHeatHistory(db, 60, 7 * 86400);
    assert.equal(h.count('service', '192.0.2.1|443', 3600, T0 + 200), 5);
    assert.equal(h.count('src', '10.0.0.1', 3600, T0 + 200), 5);
    assert.equal(
      h.count('service', '192.0.2.1|443', 30 * 86400, T0 + 200),
      5,
      'the 8-day-old one was pruned',
    );
    h.record([['service', '192.0.2.1|443']], T0 + 300);
    h.flush();
    db.close();
    db = openSqlite(path);
    h = new SqliteHeatHistory(db, 60, 7 * 86400);
    assert.equal(h.count('service', '192.0.2.1|443', 3600, T0 + 400), 6);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('memory history: window edges are exact to one bucket; out-of-order records are kept in order', () => {
  const h = new MemoryHeatHistory(60);
  h.record([['dst', 'a']], T0);
  h.record([['dst', 'a']], T0 - 120);
  h.record([['dst', 'a']], T0 - 3600 * 2);
  assert.equal(h.count('dst', 'a', 3600, T0 + 1), 2);
  assert.equal(h.count('dst', 'a', 3 * 3600, T0 + 1), 3);
  assert.equal(h.count('dst', 'b', 3600, T0), 0);
});

test('two monitors sharing Redis see each other’s counts', async (t) => {
  if (spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0) {
    t.skip('redis-server not installed (scripts/setup.sh installs it)');
    return;
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'moat-redis-'));
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    {
      stdio: 'ignore',
    },
  );
  const url = `redis://127.0.0.1:${port}/0`;
  // Two monitors: each its own client from the store's factory.
  const ra = createRedisClient(url);
  const rb = createRedisClient(url);
  const a = new RedisHeatHistory(ra);
  const b = new RedisHeatHistory(rb);
  try {
    const keys = [
      ['cert', 'ab:cd'],
      ['pair', '10.0.0.1|192.0.2.1|443'],
    ] as const;
    for (let i = 0; i < 3; i++) a.record(keys, T0 + i);
    for (let i = 0; i < 2; i++) b.record(keys, T0 + 10 + i);
    await a.flush();
    await b.flush();
    await a.prefetch(keys);
    await b.prefetch(keys);
    assert.equal(a.count('cert', 'ab:cd', 3600, T0 + 20), 5);
    assert.equal(b.count('pair', '10.0.0.1|192.0.2.1|443', 3600, T0 + 20), 5);
    // A third monitor joining later sees the shared history immediately after its prefetch.
    const rc = createRedisClient(url);
    const c = new RedisHeatHistory(rc);
    await c.prefetch(keys);
    assert.equal(c.count('cert', 'ab:cd', 3600, T0 + 20), 5);
    await c.close();
    await rc.quit();
  } finally {
    await a.close().catch(() => undefined);
    await b.close().catch(() => undefined);
    await ra.quit().catch(() => ra.disconnect());
    await rb.quit().catch(() => rb.disconnect());
    server.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});
