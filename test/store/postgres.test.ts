/**
 * The PostgreSQL store on a throw-away cluster (test/helpers/postgres.ts): a database written by today's code (its
 * CREATE … IF NOT EXISTS tables, no bookkeeping) opens with every row kept; the migration mechanism behaves as on
 * SQLite (once, in order, all-or-nothing, checksums, newer stores refused); services starting together migrate
 * once; a wrong URL fails naming the server without its password.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { checksum, PgStore, StoreError, type Schema } from '../../src/store/index.js';
import { IDENTIFY_API_SCHEMA, hashKey } from '../../src/api/api-keys.js';
import { PgApiKeyStore } from '../../src/api/pg-api-keys.js';
import { PgRequestLog } from '../../src/api/request-log.js';
import { postgresUnavailable, startPostgres, type PgServer } from '../helpers/postgres.js';
import { TODAY_PG_API_KEYS, TODAY_PG_REQUESTS } from './fixtures/today.js';

const why = postgresUnavailable();

const NOTES: Schema = {
  component: 'notes',
  migrations: [
    {
      version: 1,
      name: 'notes',
      postgres: 'CREATE TABLE notes (id BIGSERIAL PRIMARY KEY, text TEXT NOT NULL)',
    },
    { version: 2, name: 'tags', postgres: 'ALTER TABLE notes ADD COLUMN tag TEXT' },
  ],
};

async function sql(url: string, text: string, args: unknown[] = []): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(text, args);
  } finally {
    await c.end();
  }
}

/** A fresh database in the cluster, so the tests do not see each other's tables. */
async function database(server: PgServer, name: string): Promise<string> {
  await sql(server.url, `CREATE DATABASE ${name}`);
  return server.url.replace(/\/postgres$/, `/${name}`);
}

test('PostgreSQL stores', { skip: why ?? false }, async (t) => {
  const server = await startPostgres();
  try {
    await t.test("a database written by today's code keeps its keys and request log", async () => {
      const url = await database(server, 'today');
      await sql(url, TODAY_PG_API_KEYS);
      await sql(url, TODAY_PG_REQUESTS);
      await sql(
        url,
        `INSERT INTO identify_api_keys (terminal, key_hash, created_at, revoked_at, rate_per_s, burst) VALUES
           ('pos-17', $1, '2025-03-01T11:00:00Z', NULL, 50000, 100000),
           ('pos-18', $2, '2025-03-01T11:00:00Z', '2025-03-02T11:00:00Z', 10, 10000)`,
        [hashKey('moat_today'), hashKey('moat_revoked')],
      );
      await sql(
        url,
        `INSERT INTO identify_requests (at, terminal, route, status, items, ms, client) VALUES
           ('2025-03-01T12:00:00Z', 'pos-17', '/v1/identify', 200, 1, 0.4, '10.0.0.9'),
           ('2025-03-01T12:00:01Z', NULL, '/v1/identify', 401, 0, 0.1, '10.0.0.66')`,
      );
      const before = (await sql(url, 'SELECT * FROM identify_requests ORDER BY id')).rows;

      const store = await PgStore.connect(url);
      try {
        const keys = await PgApiKeyStore.open(store);
        const log = await PgRequestLog.open(store, { intervalMs: 60_000 });
        assert.deepEqual(await keys.verify('moat_today'), {
          terminal: 'pos-17',
          ratePerS: 50000,
          burst: 100000,
        });
        assert.equal(await keys.verify('moat_revoked'), null);
        assert.deepEqual(
          (await keys.list()).map((k) => [k.terminal, k.revoked_at]),
          [
            ['pos-17', null],
            ['pos-18', '2025-03-02T11:00:00.000Z'],
          ],
        );
        log.record({
          at: new Date().toISOString(),
          terminal: 'pos-17',
          route: '/v1/identify',
          status: 200,
          items: 1,
          ms: 1,
          client: null,
        });
        await log.close();
        const after = (await sql(url, 'SELECT * FROM identify_requests ORDER BY id')).rows;
        assert.deepEqual(after.slice(0, 2), before, 'old rows unchanged');
        assert.equal(after.length, 3, 'and the log goes on after them (the id sequence continues)');
        const applied = await store.applied();
        assert.deepEqual(
          applied.map((a) => [a.component, a.version, a.name, a.checksum]),
          [
            [
              'identify-api',
              1,
              'api keys and request log',
              checksum(IDENTIFY_API_SCHEMA.migrations[0].postgres!),
            ],
          ],
        );
        assert.ok(Math.abs(Date.parse(applied[0].appliedAt) - Date.now()) < 60_000);
      } finally {
        await store.close();
      }
    });

    await t.test(
      'a service that ran without keys (today: request log table only) gets the keys table',
      async () => {
        const url = await database(server, 'logonly');
        await sql(url, TODAY_PG_REQUESTS);
        await sql(
          url,
          `INSERT INTO identify_requests (at, route, status, items, ms) VALUES (now(), '/v1/identify', 200, 1, 1)`,
        );
        const store = await PgStore.connect(url);
        try {
          const keys = await PgApiKeyStore.open(store);
          await keys.issue('pos-1');
          assert.equal((await keys.list()).length, 1);
          assert.equal((await sql(url, 'SELECT count(*)::int AS n FROM identify_requests')).rows[0].n, 1);
        } finally {
          await store.close();
        }
      },
    );

    await t.test(
      'migrations: once, in order, all-or-nothing, checksums checked, newer stores refused',
      async () => {
        const url = await database(server, 'mechanism');
        const store = await PgStore.connect(url);
        try {
          const r1 = await store.migrate({ ...NOTES, migrations: NOTES.migrations.slice(0, 1) });
          assert.deepEqual([r1.from, r1.to, r1.applied], [0, 1, [1]]);
          await store.pool.query("INSERT INTO notes (text) VALUES ('kept')");
          const broken: Schema = {
            ...NOTES,
            migrations: [
              ...NOTES.migrations,
              { version: 3, name: 'bad', postgres: 'CREATE TABLE notes_x (a INT); SELEC 1' },
            ],
          };
          await assert.rejects(
            store.migrate(broken),
            (e: unknown) =>
              e instanceof StoreError &&
              e.kind === 'failed' &&
              e.message.includes("migration notes #3 'bad' failed"),
          );
          const cols = (
            await store.pool.query(
              "SELECT column_name FROM information_schema.columns WHERE table_name = 'notes' ORDER BY 1",
            )
          ).rows.map((r: { column_name: string }) => r.column_name);
          assert.deepEqual(cols, ['id', 'text'], 'step 2 was rolled back with step 3');
          assert.equal((await store.pool.query("SELECT to_regclass('notes_x') AS t")).rows[0].t, null);

          const r2 = await store.migrate(NOTES);
          assert.deepEqual([r2.from, r2.to, r2.applied], [1, 2, [2]]);
          assert.deepEqual((await store.pool.query('SELECT text, tag FROM notes')).rows, [
            { text: 'kept', tag: null },
          ]);
          const edited: Schema = {
            ...NOTES,
            migrations: [
              NOTES.migrations[0],
              { ...NOTES.migrations[1], postgres: 'ALTER TABLE notes ADD COLUMN label TEXT' },
            ],
          };
          await assert.rejects(
            store.migrate(edited),
            /applied migration notes #2 'tags' \(recorded [0-9a-f]{12}, shipped/,
          );
          await assert.rejects(
            store.migrate({ ...NOTES, migrations: NOTES.migrations.slice(0, 1) }),
            /notes is at schema version 2 but this moat knows versions up to 1/,
          );
        } finally {
          await store.close();
        }
      },
    );

    await t.test('services starting together migrate once (the migration lock)', async () => {
      const url = await database(server, 'together');
      const stores = await Promise.all([1, 2, 3, 4].map(() => PgStore.connect(url)));
      try {
        const reports = await Promise.all(stores.map((s) => s.migrate(NOTES)));
        assert.deepEqual(
          reports.map((r) => r.applied.length).sort(),
          [0, 0, 0, 2],
          'one service ran both steps, the others found them done',
        );
        assert.equal((await stores[0].applied('notes')).length, 2);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    await t.test('a wrong URL fails at connect, naming the server without the password', async () => {
      const bad = `postgres://moat:secret@127.0.0.1:${server.port}/no_such_db`;
      await assert.rejects(
        PgStore.connect(bad),
        (e: unknown) =>
          e instanceof StoreError &&
          e.kind === 'open' &&
          e.message.startsWith(`PostgreSQL postgres://moat:***@127.0.0.1:${server.port}/no_such_db: `) &&
          /no_such_db/.test(e.message) &&
          !e.message.includes('secret'),
      );
    });
  } finally {
    await server.destroy();
  }
});
