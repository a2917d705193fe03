/**
 * The SQLite store on real files: migrations apply once and in order with their bookkeeping, a failing step leaves
 * nothing of its run behind, and a store whose recorded steps differ from the shipped ones or that is newer than
 * this build is refused with a message naming the file, the component and the version.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checksum, openSqlite, StoreError, type Schema } from '../../src/store/index.js';

const NOTES: Schema = {
  component: 'notes',
  migrations: [
    { version: 1, name: 'notes', sqlite: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)' },
    { version: 2, name: 'tags', sqlite: 'ALTER TABLE notes ADD COLUMN tag TEXT' },
  ],
};

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'moat-store-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('migrations apply once, in order, recorded with name, time and checksum; data survives reopening', () => {
  withDir((dir) => {
    const path = join(dir, 'sub', 'moat.db');
    let store = openSqlite(path);
    assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
    const t0 = Date.now();
    const first = store.migrate({ ...NOTES, migrations: NOTES.migrations.slice(0, 1) });
    assert.deepEqual([first.from, first.to, first.applied, first.adopted], [0, 1, [1], []]);
    store.db.prepare("INSERT INTO notes (text) VALUES ('kept')").run();
    store.close();

    store = openSqlite(path);
    const second = store.migrate(NOTES);
    assert.deepEqual([second.from, second.to, second.applied], [1, 2, [2]]);
    assert.deepEqual(store.db.prepare('SELECT text, tag FROM notes').all(), [{ text: 'kept', tag: null }]);
    const rows = store.applied('notes');
    assert.deepEqual(
      rows.map((r) => [r.component, r.version, r.name, r.checksum]),
      [
        ['notes', 1, 'notes', checksum(NOTES.migrations[0].sqlite!)],
        ['notes', 2, 'tags', checksum(NOTES.migrations[1].sqlite!)],
      ],
    );
    for (const r of rows)
      assert.ok(Date.parse(r.appliedAt) >= t0 - 1000 && Date.parse(r.appliedAt) <= Date.now());
    const third = store.migrate(NOTES);
    assert.deepEqual([third.from, third.to, third.applied], [2, 2, []]);
    store.close();
  });
});

test('two components share one store, each with its own versions', () => {
  const store = openSqlite(':memory:');
  store.migrate(NOTES);
  store.migrate({
    component: 'other',
    migrations: [{ version: 1, name: 'x', sqlite: 'CREATE TABLE other_x (a INTEGER)' }],
  });
  assert.deepEqual(
    store.applied().map((r) => `${r.component}#${r.version}`),
    ['notes#1', 'notes#2', 'other#1'],
  );
  store.close();
});

test('a failing step rolls back the whole run: no table, no bookkeeping; the message names the step', () => {
  withDir((dir) => {
    const path = join(dir, 'moat.db');
    const store = openSqlite(path);
    store.migrate({ ...NOTES, migrations: NOTES.migrations.slice(0, 1) });
    const broken: Schema = {
      component: 'notes',
      migrations: [
        ...NOTES.migrations,
        { version: 3, name: 'bad', sqlite: 'CREATE TABLE notes_extra (a INTEGER); SELEC nonsense' },
      ],
    };
    assert.throws(
      () => store.migrate(broken),
      (e: unknown) =>
        e instanceof StoreError &&
        e.kind === 'failed' &&
        e.message.includes(`store ${path}: migration notes #3 'bad' failed`) &&
        /syntax error/.test(e.message),
    );
    assert.deepEqual(
      store.applied('notes').map((r) => r.version),
      [1],
      'step 2 ran in the same transaction and was rolled back with it',
    );
    const cols = (store.db.prepare('PRAGMA table_info(notes)').all() as { name: string }[]).map(
      (c) => c.name,
    );
    assert.deepEqual(cols, ['id', 'text']);
    assert.equal(store.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'notes_extra'").get(), undefined);
    store.close();
  });
});

test('a recorded step whose checksum differs from the shipped one is refused, naming component and version', () => {
  withDir((dir) => {
    const path = join(dir, 'moat.db');
    const store = openSqlite(path);
    store.migrate(NOTES);
    // Re-indenting is not a change …
    const reindented: Schema = {
      ...NOTES,
      migrations: NOTES.migrations.map((m) => ({
        ...m,
        sqlite: `\n      ${m.sqlite!.replace(/ /g, '  ')}\n`,
      })),
    };
    assert.equal(store.migrate(reindented).to, 2);
    // … an edited step is.
    const edited: Schema = {
      ...NOTES,
      migrations: [
        NOTES.migrations[0],
        { ...NOTES.migrations[1], sqlite: 'ALTER TABLE notes ADD COLUMN label TEXT' },
      ],
    };
    assert.throws(
      () => store.migrate(edited),
      (e: unknown) =>
        e instanceof StoreError &&
        e.kind === 'checksum' &&
        e.message.startsWith(`store ${path}: applied migration notes #2 'tags' (recorded `) &&
        e.message.includes(`shipped ${checksum('ALTER TABLE notes ADD COLUMN label TEXT').slice(0, 12)}`),
    );
    store.close();
  });
});

test('a store newer than this build is refused and left as it is', () => {
  withDir((dir) => {
    const path = join(dir, 'moat.db');
    const store = openSqlite(path);
    store.migrate(NOTES);
    const older: Schema = { ...NOTES, migrations: NOTES.migrations.slice(0, 1) };
    assert.throws(
      () => store.migrate(older),
      (e: unknown) =>
        e instanceof StoreError &&
        e.kind === 'newer' &&
        e.message ===
          `store ${path}: notes is at schema version 2 but this moat knows versions up to 1: the store was written by a newer moat; upgrade moat (the store is left as it is)`,
    );
    assert.equal(store.applied('notes').length, 2);
    store.close();
  });
});

test('opening: a missing file with create false, and a file that is not SQLite, name the path', () => {
  withDir((dir) => {
    const missing = join(dir, 'none.db');
    assert.throws(() => openSqlite(missing, { create: false }), new RegExp(`store ${missing}: no such file`));
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'this is not a database, just text long enough to have a header'.repeat(20));
    assert.throws(
      () => openSqlite(junk),
      (e: unknown) => e instanceof StoreError && e.kind === 'open' && e.message.startsWith(`store ${junk}: `),
    );
  });
});

test('a component without SQLite steps is refused on SQLite, naming where it lives', () => {
  const store = openSqlite(':memory:');
  assert.throws(
    () =>
      store.migrate({
        component: 'fleet-only',
        migrations: [{ version: 1, name: 'ledger', postgres: 'CREATE TABLE ledger (a BIGSERIAL)' }],
      }),
    /store :memory:: fleet-only keeps its tables in PostgreSQL only \(migration fleet-only #1 'ledger' has no SQLite form\)/,
  );
  store.close();
});

test('processes opening one file together migrate it once (the write lock, then a second look)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-store-'));
  try {
    const path = join(dir, 'moat.db');
    const storeModule = new URL('../../src/store/index.js', import.meta.url).href;
    // Each process: open, wait for the common start time, migrate, print what it applied.
    const script = `
      const { openSqlite } = await import(${JSON.stringify(storeModule)});
      const schema = JSON.parse(process.argv[1]);
      const store = openSqlite(process.argv[2]);
      while (Date.now() < Number(process.argv[3])) {}
      const r = store.migrate(schema);
      store.close();
      process.stdout.write(JSON.stringify(r.applied));`;
    // A slow first step (~0.3 s) keeps the first process inside its transaction while the others look.
    const slow: Schema = {
      component: 'notes',
      migrations: [
        {
          version: 1,
          name: 'slow',
          sqlite: `CREATE TABLE numbers AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000)
            SELECT x FROM c`,
        },
        { ...NOTES.migrations[0], version: 2 },
      ],
    };
    const start = Date.now() + 1500;
    const runs = await Promise.all(
      [1, 2, 3, 4].map(
        () =>
          new Promise<string>((resolve, reject) => {
            const c = spawn(
              process.execPath,
              ['--input-type=module', '-e', script, JSON.stringify(slow), path, String(start)],
              { stdio: ['ignore', 'pipe', 'pipe'] },
            );
            let out = '';
            let err = '';
            c.stdout.on('data', (d: Buffer) => (out += d.toString()));
            c.stderr.on('data', (d: Buffer) => (err += d.toString()));
            c.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))));
          }),
      ),
    );
    assert.deepEqual(runs.sort(), ['[1,2]', '[]', '[]', '[]']);
    const store = openSqlite(path);
    assert.equal(store.applied('notes').length, 2);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
