import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, migrate } from '../../src/store/index.js';

test('migrations apply once and data survives reopening', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-store-'));
  try {
    const path = join(dir, 'moat.db');
    const m = [{ id: 'test-001', sql: 'CREATE TABLE t (x INTEGER)' }];
    let db = openDatabase(path);
    migrate(db, m);
    db.prepare('INSERT INTO t VALUES (42)').run();
    db.close();
    db = openDatabase(path);
    migrate(db, m); // a second run must not fail on the existing table
    assert.equal((db.prepare('SELECT x FROM t').get() as { x: number }).x, 42);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
