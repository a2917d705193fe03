/**
 * The migration planner both stores share: checksums ignore only whitespace, declarations must be numbered
 * 1, 2, 3 …, and a store's recorded state (including a pre-versioning one) decides what is adopted and applied.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checksum, plan, validateSchema, type Schema } from '../../src/store/migrations.js';

const S: Schema = {
  component: 'intel',
  migrations: [
    { version: 1, name: 'indicators', legacyId: 'intel-001-indicators', sqlite: 'CREATE TABLE a (x INT)' },
    { version: 2, name: 'state', legacyId: 'intel-002-state', sqlite: 'CREATE TABLE b (y INT)' },
    { version: 3, name: 'more', sqlite: 'CREATE TABLE c (z INT)' },
  ],
};
const rec = (v: number): { version: number; checksum: string } => ({
  version: v,
  checksum: checksum(S.migrations[v - 1].sqlite!),
});

test('checksum: whitespace runs collapse, anything else counts', () => {
  assert.equal(checksum('CREATE TABLE a (x INT)'), checksum('\n  CREATE   TABLE a\n\t(x INT) '));
  assert.notEqual(checksum('CREATE TABLE a (x INT)'), checksum('CREATE TABLE a (x INTEGER)'));
  assert.match(checksum('x'), /^[0-9a-f]{64}$/);
});

test('declarations: names are lowercase words, versions run 1, 2, 3 in order, each step has SQL', () => {
  assert.throws(() => validateSchema({ component: 'Intel', migrations: [] }), /lowercase words/);
  assert.throws(
    () => validateSchema({ component: 'intel', migrations: [S.migrations[1]] }),
    /migration 'state' is number 2 at position 1/,
  );
  assert.throws(
    () => validateSchema({ component: 'intel', migrations: [{ version: 1, name: 'empty' }] }),
    /#1 'empty' has no SQL/,
  );
});

test('plan: a fresh store applies everything; a current one nothing; a partial one the rest', () => {
  const loc = 'moat.db';
  assert.deepEqual(
    plan(S, 'sqlite', loc, [], new Map()).apply.map((m) => m.version),
    [1, 2, 3],
  );
  assert.deepEqual(plan(S, 'sqlite', loc, [rec(1), rec(2), rec(3)], new Map()).apply, []);
  const p = plan(S, 'sqlite', loc, [rec(2), rec(1)], new Map());
  assert.deepEqual([p.from, p.apply.map((m) => m.version)], [2, [3]]);
});

test('plan: pre-versioning ids are adopted with their time, only while the component has no bookkeeping', () => {
  const legacy = new Map([
    ['intel-001-indicators', '2024-01-01T00:00:00.000Z'],
    ['intel-002-state', '2024-02-01T00:00:00.000Z'],
    ['identify-001-models', '2024-01-01T00:00:00.000Z'],
  ]);
  const p = plan(S, 'sqlite', 'moat.db', [], legacy);
  assert.deepEqual(
    p.adopt.map((a) => [a.migration.version, a.appliedAt]),
    [
      [1, '2024-01-01T00:00:00.000Z'],
      [2, '2024-02-01T00:00:00.000Z'],
    ],
  );
  assert.deepEqual([p.from, p.apply.map((m) => m.version)], [2, [3]]);
  // Once recorded, the old table is not consulted again.
  assert.deepEqual(plan(S, 'sqlite', 'moat.db', [rec(1)], legacy).adopt, []);
});

test('plan: newer stores, holes and edited steps are refused with component, version and store named', () => {
  assert.throws(
    () =>
      plan(
        { ...S, migrations: S.migrations.slice(0, 2) },
        'sqlite',
        'a.db',
        [rec(1), rec(2), rec(3)],
        new Map(),
      ),
    /store a\.db: intel is at schema version 3 but this moat knows versions up to 2/,
  );
  assert.throws(
    () => plan(S, 'sqlite', 'a.db', [rec(1), rec(3)], new Map()),
    /store a\.db: intel records versions 1, 3: migration #2 'state' is missing below applied ones/,
  );
  assert.throws(
    () => plan(S, 'postgres', 'postgres://u@h/db', [], new Map()),
    /store postgres:\/\/u@h\/db: intel keeps its tables in SQLite only \(migration intel #1 'indicators' has no PostgreSQL form\)/,
  );
  const edited = [rec(1), { version: 2, checksum: checksum('CREATE TABLE b (y TEXT)') }];
  assert.throws(
    () => plan(S, 'sqlite', 'a.db', edited, new Map()),
    /store a\.db: applied migration intel #2 'state' \(recorded [0-9a-f]{12}, shipped [0-9a-f]{12}\) differs from what this moat ships/,
  );
});
