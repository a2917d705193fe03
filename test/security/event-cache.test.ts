/** The security event cache table: lookups both ways, expiry, watch after clearing, persistence. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_CACHE_COLUMNS, EVENT_CACHE_SCHEMA, EventCacheTable } from '../../src/security/event-cache.js';
import { openSqlite, type Db } from '../../src/store/index.js';

const SPEC = '../shared/spec/appliance.md';

const columnsOf = (db: Db, table: string): string[] =>
  (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name);

const base = {
  srcIp: '192.168.1.20',
  dstIp: '203.0.113.5',
  srcPort: 0,
  dstPort: 23,
  proto: 6,
  createdUs: 1_000_000,
  maxLifetimeUs: 60e6,
  direction: 'both' as const,
  scope: 'iot',
  operation: 'drop' as const,
  eventId: 'sid:2000001',
  diagnosis: 'rules',
};

test('lookup: exact tuple, address-level entries, the reverse of a both-way entry, expiry', () => {
  const t = new EventCacheTable();
  t.record({ ...base, srcPort: 40000 });
  const hit = t.lookup('192.168.1.20', '203.0.113.5', 40000, 23, 6, 2e6);
  assert.equal(hit?.entry.operation, 'drop');
  assert.equal(hit?.entry.operationType, 'block');
  assert.equal(hit?.forward, true);
  const back = t.lookup('203.0.113.5', '192.168.1.20', 23, 40000, 6, 2e6);
  assert.equal(back?.forward, false);
  assert.equal(hit?.entry.hits, 2);
  assert.equal(t.lookup('192.168.1.20', '203.0.113.5', 40001, 23, 6, 2e6), undefined);
  // An address-level decision (ports 0, any protocol) covers every flow between the two.
  t.record({
    ...base,
    srcIp: '10.0.0.9',
    srcPort: 0,
    dstPort: 0,
    proto: 0,
    direction: 'forward',
    operation: 'intervene',
  });
  assert.equal(t.lookup('10.0.0.9', '203.0.113.5', 5555, 80, 6, 2e6)?.entry.operation, 'intervene');
  assert.equal(t.lookup('203.0.113.5', '10.0.0.9', 80, 5555, 6, 2e6), undefined, 'one-way entry');
  assert.equal(t.lookup('192.168.1.20', '203.0.113.5', 40000, 23, 6, 62e6), undefined, 'past its lifetime');
  assert.equal(t.size, 1);
});

test('A-62: cleared entries are tracked for the watch period, then escalate or lapse', () => {
  const t = new EventCacheTable();
  const e = t.record({ ...base, srcPort: 40000 });
  const g = t.generation;
  t.clear(e, 2e6, 10e6);
  assert.ok(t.generation > g, 'per-flow cached answers must be refreshed');
  const w = t.lookup('192.168.1.20', '203.0.113.5', 40000, 23, 6, 3e6)!;
  assert.deepEqual([w.entry.status, w.entry.operation], ['watched', 'track']);
  t.escalate(w.entry, 'reset', 'ml:beacon', 'ml', 4e6);
  assert.deepEqual([w.entry.status, w.entry.operation, w.entry.diagnosis], ['valid', 'reset', 'ml']);
  const e2 = t.record({ ...base, srcPort: 40002 });
  t.clear(e2, 2e6, 1e6);
  assert.equal(t.lookup('192.168.1.20', '203.0.113.5', 40002, 23, 6, 5e6)?.entry.status, 'invalid');
});

test('the table survives a restart (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-cache-'));
  try {
    const path = join(dir, 'moat.db');
    let db = openSqlite(path);
    let t = new EventCacheTable(db);
    t.record({ ...base, srcPort: 40000 });
    const gone = t.record({ ...base, srcPort: 40001 });
    t.flush();
    t.remove(gone);
    t.lookup('192.168.1.20', '203.0.113.5', 40000, 23, 6, 2e6);
    assert.equal(t.flush(), 2);
    db.close();
    db = openSqlite(path);
    t = new EventCacheTable(db);
    assert.equal(t.size, 1);
    const e = t.lookup('192.168.1.20', '203.0.113.5', 40000, 23, 6, 3e6)!.entry;
    assert.deepEqual(
      [e.operation, e.scope, e.diagnosis, e.eventId, e.hits],
      ['drop', 'iot', 'rules', 'sid:2000001', 2],
    );
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the table has exactly the columns of A-36, in its order', (t) => {
  const db = openSqlite(':memory:');
  new EventCacheTable(db);
  assert.deepEqual(
    columnsOf(db.db, 'security_event_cache'),
    EVENT_CACHE_COLUMNS.map(([c]) => c),
  );
  db.close();
  if (!existsSync(SPEC)) {
    t.skip(`${SPEC} absent`);
    return;
  }
  // A-36's list as the spec words it ("…, diagnosis method (which engine detected it), status (valid or not).").
  const a36 = /A-36 \*\*Security event cache table\*\* columns: ([^.]*)\./.exec(
    readFileSync(SPEC, 'utf8').replace(/\s+/g, ' '),
  );
  assert.ok(a36, 'A-36 found in the spec');
  const wanted = a36[1].split(/, (?![^(]*\))/);
  assert.equal(wanted.length, 15);
  assert.equal(EVENT_CACHE_COLUMNS.length, wanted.length);
  wanted.forEach((w, i) =>
    assert.ok(
      w.startsWith(EVENT_CACHE_COLUMNS[i][1]),
      `column ${i + 1}: ${EVENT_CACHE_COLUMNS[i][1]} ≠ ${w}`,
    ),
  );
});

test('a database written with the first layout (bookkeeping in the table) migrates without losing entries', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-cache-mig-'));
  try {
    const path = join(dir, 'moat.db');
    let db = openSqlite(path);
    // The first layout as today's store records it: version 1 only.
    db.migrate({ ...EVENT_CACHE_SCHEMA, migrations: EVENT_CACHE_SCHEMA.migrations.slice(0, 1) });
    const ins = db.db.prepare(
      'INSERT INTO security_event_cache VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    ins.run(
      '10.0.0.7',
      '*',
      0,
      0,
      0,
      1e6,
      5e6,
      3600e6,
      'forward',
      'iot',
      'block',
      'suppress',
      '10/second',
      'review:fanout',
      'log-review',
      'valid',
      null,
      7,
    );
    ins.run(
      '10.0.0.8',
      '198.51.100.9',
      0,
      443,
      6,
      1e6,
      2e6,
      3600e6,
      'both',
      'iot',
      'observe',
      'track',
      null,
      'tls:selfsigned',
      'tlsmon',
      'watched',
      9e6,
      3,
    );
    db.close();

    db = openSqlite(path);
    let t = new EventCacheTable(db);
    assert.equal(t.size, 2);
    assert.deepEqual(
      columnsOf(db.db, 'security_event_cache'),
      EVENT_CACHE_COLUMNS.map(([c]) => c),
    );
    const dev = t.lookup('10.0.0.7', '203.0.113.1', 5555, 80, 6, 6e6)!.entry;
    assert.deepEqual(
      [dev.operation, dev.operationArg, dev.hits, dev.diagnosis],
      ['suppress', '10/second', 8, 'log-review'],
    );
    const w = t.get('10.0.0.8|198.51.100.9|0|443|6')!;
    assert.deepEqual([w.status, w.watchUntilUs, w.hits], ['watched', 9e6, 3]);
    assert.equal(t.flush(), 1);
    db.close();

    // Reopened: the migration is not run twice, and the moved bookkeeping (with the new hit) is read back.
    db = openSqlite(path);
    t = new EventCacheTable(db);
    assert.equal(t.get('10.0.0.7|*|0|0|0')?.hits, 8);
    assert.equal(t.get('10.0.0.8|198.51.100.9|0|443|6')?.watchUntilUs, 9e6);
    t.remove(t.get('10.0.0.8|198.51.100.9|0|443|6')!);
    t.flush();
    assert.equal(
      (db.db.prepare('SELECT count(*) AS n FROM security_event_cache_extra').get() as { n: number }).n,
      1,
    );
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
