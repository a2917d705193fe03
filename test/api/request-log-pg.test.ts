/**
 * The request log on a real PostgreSQL server (issue 5: "request log in SQLite, PostgreSQL when
 * configured"): `moat identify serve --fleet-db postgres://…` runs as a child process against a throw-away
 * cluster this test starts; rows must land with the right terminal/route/status/items, survive a restart
 * of the service and of the server, and the service must neither lose entries nor die while the server is
 * down for a moment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { PgRequestLog } from '../../src/api/request-log.js';
import { PgStore, openSqlite } from '../../src/store/index.js';
import { postgresUnavailable, startPostgres, type PgServer } from '../helpers/postgres.js';
import { runMoat, startMoat } from '../identify/cli-child.js';

const why = postgresUnavailable();

async function serve(db: string, url: string): Promise<{ child: ChildProcess; base: string }> {
  const child = startMoat(['identify', 'serve', '--db', db, '--port', '0', '--fleet-db', url]);
  let text = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /listening on (http:\/\/\S+),/.exec(text);
      if (m) resolve(m[1]);
    });
    child.once('exit', (c) => reject(new Error(`serve exited with ${c} before listening: ${err}`)));
  });
  return { child, base };
}

async function stopService(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  process.kill(child.pid!, 'SIGTERM');
  return exited;
}

async function post(base: string, path: string, body: unknown, key: string | null): Promise<number> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

async function rows(url: string): Promise<Record<string, unknown>[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (
      await c.query(
        'SELECT at, terminal, route, status, items, ms, client FROM identify_requests ORDER BY id',
      )
    ).rows as Record<string, unknown>[];
  } finally {
    await c.end();
  }
}

test(
  'moat identify serve --fleet-db: request log rows land in a real PostgreSQL and persist across restarts',
  { skip: why ?? false },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moat-identify-pg-'));
    let server: PgServer | undefined;
    let child: ChildProcess | undefined;
    try {
      server = await startPostgres();
      const db = join(dir, 'm.db');
      // The flag of before still works, with a note on stderr.
      const add = runMoat(['identify', 'key', 'add', 'terminal-pg', '--pg', server.url, '--db', db]);
      assert.equal(add.code, 0, add.err);
      assert.match(add.err, /^moat: --pg is deprecated: use --fleet-db URL/m);
      const key = add.out.trim();
      assert.match(key, /^moat_/);
      // A key in the SQLite file is not honoured by a --fleet-db service: the keys live in PostgreSQL.
      const localOnly = runMoat(['identify', 'key', 'add', 'local', '--db', db]).out.trim();

      // First service run: two good requests (1 + 3 items) and one without a key.
      const first = await serve(db, server.url);
      child = first.child;
      assert.equal(await post(first.base, '/v1/identify', { ip: '198.51.100.7' }, key), 200);
      const items = [{ ip: '198.51.100.8' }, { ip: '2001:db8::1' }, { ip: '203.0.113.9' }];
      assert.equal(await post(first.base, '/v1/identify/batch', { items }, key), 200);
      assert.equal(await post(first.base, '/v1/identify', { ip: '198.51.100.7' }, null), 401);
      assert.equal(await post(first.base, '/v1/identify', { ip: '198.51.100.7' }, localOnly), 401);
      assert.equal(await stopService(child), 0);
      let r = await rows(server.url);
      assert.equal(r.length, 4, JSON.stringify(r));
      assert.deepEqual(
        r.map((x) => [x.terminal, x.route, x.status, x.items]),
        [
          ['terminal-pg', '/v1/identify', 200, 1],
          ['terminal-pg', '/v1/identify/batch', 200, 3],
          [null, '/v1/identify', 401, 0],
          [null, '/v1/identify', 401, 0],
        ],
      );
      assert.ok(r[0].at instanceof Date && Math.abs(r[0].at.getTime() - Date.now()) < 120_000);
      assert.equal(r[0].client, '127.0.0.1');
      assert.equal(typeof r[0].ms, 'number');

      // Nothing went to the SQLite request log: PostgreSQL replaced it.
      const h = openSqlite(db).db;
      const inSqlite = h
        .prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'identify_requests'")
        .get() as { n: number };
      const sqliteRows = inSqlite.n
        ? (h.prepare('SELECT COUNT(*) AS n FROM identify_requests').get() as { n: number }).n
        : 0;
      h.close();
      assert.equal(sqliteRows, 0);

      // The server restarts (same data folder), then the service: old rows are still there, new ones add.
      await server.restart();
      const second = await serve(db, server.url);
      child = second.child;
      assert.equal(await post(second.base, '/v1/identify', { ip: '192.0.2.1' }, key), 200);
      assert.equal(await stopService(child), 0);
      r = await rows(server.url);
      assert.equal(r.length, 5);
      assert.deepEqual([r[4].terminal, r[4].status], ['terminal-pg', 200]);

      // Keys stored hashed in PostgreSQL; revoked there, the next service refuses the key.
      const c = new pg.Client({ connectionString: server.url });
      await c.connect();
      const keyRows = (await c.query('SELECT terminal, key_hash FROM identify_api_keys')).rows as {
        terminal: string;
        key_hash: string;
      }[];
      await c.end();
      assert.deepEqual(
        keyRows.map((x) => x.terminal),
        ['terminal-pg'],
      );
      assert.match(keyRows[0].key_hash, /^[0-9a-f]{64}$/);
      assert.notEqual(keyRows[0].key_hash, key);
      const list = runMoat(['identify', 'key', 'list', '--fleet-db', server.url]);
      assert.equal(list.err, '');
      assert.match(list.out, /^terminal-pg\tactive\t50000\/s\t/m);
      assert.equal(runMoat(['identify', 'key', 'revoke', 'terminal-pg', '--db', server.url]).code, 0);
      const third = await serve(db, server.url);
      child = third.child;
      assert.equal(await post(third.base, '/v1/identify', { ip: '192.0.2.1' }, key), 401);
      assert.equal(await stopService(child), 0);
      assert.match(runMoat(['identify', 'key', 'list', '--db', server.url]).out, /^terminal-pg\trevoked/m);
    } finally {
      if (child && child.exitCode === null) child.kill('SIGKILL');
      await server?.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'PostgreSQL log keeps entries while the server is down and writes them once it is back',
  { skip: why ?? false },
  async () => {
    const server = await startPostgres();
    try {
      const errors: unknown[] = [];
      const store = await PgStore.connect(server.url);
      const log = await PgRequestLog.open(store, {
        intervalMs: 60_000,
        onError: (e) => errors.push(e),
      });
      const entry = (i: number) => ({
        at: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
        terminal: `t${i}`,
        route: '/v1/identify',
        status: 200,
        items: 1,
        ms: 0.25,
        client: null,
      });
      log.record(entry(1));
      await log.flush();
      await server.stop();
      log.record(entry(2));
      log.record(entry(3));
      await assert.rejects(log.flush());
      // While it is down the buffer grows past the size of one INSERT (65,535 parameters / 7 columns):
      // the retry must split it, in one transaction.
      for (let i = 0; i < 12_000; i++) log.record({ ...entry(i % 60), terminal: 'bulk' });
      await assert.rejects(log.flush());
      assert.equal(errors.length, 1, 'one report per outage');
      await server.restart();
      log.record(entry(4));
      await log.close();
      await store.close();
      const r = await rows(server.url);
      assert.equal(r.length, 4 + 12_000);
      assert.deepEqual(
        [r[0], r[1], r[2], r[3], r[12_002], r[12_003]].map((x) => x.terminal),
        ['t1', 't2', 't3', 'bulk', 'bulk', 't4'],
      );
    } finally {
      await server.destroy();
    }
  },
);

test(
  'moat identify serve --fleet-db with an unreachable server fails at start-up naming it',
  { skip: why ?? false },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moat-identify-pg-bad-'));
    try {
      const r = runMoat([
        'identify',
        'serve',
        '--db',
        join(dir, 'm.db'),
        '--port',
        '0',
        '--no-auth',
        '--fleet-db',
        'postgres://moat:secret@127.0.0.1:1/none',
      ]);
      assert.equal(r.code, 2, r.err);
      assert.match(
        r.err,
        /--fleet-db: PostgreSQL postgres:\/\/moat:\*\*\*@127\.0\.0\.1:1\/none: .*ECONNREFUSED/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
