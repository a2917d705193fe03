/**
 * A store written by today's code (before versioned migrations) opens with the new store and migrates with nothing
 * lost: the database is made exactly as today's code makes it (its openDatabase/migrate and every component's
 * migration SQL, frozen in ./fixtures/today.ts), real rows go into every table, and then every component opens it
 * through the new mechanism. Every row of every table must be unchanged, each component must read its rows back,
 * and the bookkeeping must record each component's versions with their original applied_at and the shipped
 * checksums.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { checksum, openSqlite, type Schema } from '../../src/store/index.js';
import { DEFAULT_TRAIN, IDENTIFY_SCHEMA, ModelRegistry, trainModel } from '../../src/identify/index.js';
import { ApiKeyStore, hashKey, IDENTIFY_API_SCHEMA } from '../../src/api/api-keys.js';
import { SqliteRequestLog } from '../../src/api/request-log.js';
import { PolicyVersions, POLICY_VERSION_SCHEMA } from '../../src/api/tlsmon/policy-versions.js';
import { HEAT_SCHEMA, SqliteHeatHistory } from '../../src/tlsmon/history/sqlite-history.js';
import { DOMAIN_SCHEMA, DomainStore } from '../../src/tlsmon/domain-store.js';
import { INTEL_SCHEMA, IntelStore } from '../../src/intel/index.js';
import { BUNDLE_SCHEMA, BundleStore } from '../../src/verify/bundle-store.js';
import { EVENT_CACHE_SCHEMA, EventCacheTable, keyOf } from '../../src/security/event-cache.js';
import { LOG_REVIEW_SCHEMA, LogReview } from '../../src/security/log-review.js';
import { HONEYPOT_SCHEMA, InstanceStore } from '../../src/honeypot/index.js';
import { syntheticRequests, toLabelledSet } from '../identify/synthetic.js';
import { migrateToday, openDatabaseToday, TODAY_MIGRATIONS } from './fixtures/today.js';

const SCHEMAS: Schema[] = [
  IDENTIFY_SCHEMA,
  IDENTIFY_API_SCHEMA,
  HEAT_SCHEMA,
  DOMAIN_SCHEMA,
  POLICY_VERSION_SCHEMA,
  INTEL_SCHEMA,
  BUNDLE_SCHEMA,
  EVENT_CACHE_SCHEMA,
  LOG_REVIEW_SCHEMA,
  HONEYPOT_SCHEMA,
];

const NOW_US = Date.now() * 1000;
const API_KEY = 'moat_today-terminal-key';

/** Rows as today's components write them, one statement per table (several rows where order matters). */
function fill(db: Database.Database, modelJson: string): void {
  const run = (sql: string, ...rows: unknown[][]): void => {
    const st = db.prepare(sql);
    for (const r of rows) st.run(...r);
  };
  const metrics = JSON.stringify({
    precision: 0.97,
    coverage: 0.85,
    gates: { minPrecision: 0.95, minCoverage: 0.8 },
  });
  run(
    'INSERT INTO identify_models (created_at, status, model_json, metrics_json, reason) VALUES (?, ?, ?, ?, ?)',
    ['2025-03-01T10:00:00.000Z', 'published', modelJson, metrics, null],
    ['2025-03-02T10:00:00.000Z', 'refused', modelJson, metrics, 'held-out precision 0.500 < required 0.95'],
    ['2025-03-03T10:00:00.000Z', 'published', modelJson, metrics, null],
  );
  run(
    'INSERT INTO identify_activations (at, version, action) VALUES (?, ?, ?)',
    ['2025-03-01T10:00:01.000Z', 1, 'activate'],
    ['2025-03-03T10:00:01.000Z', 3, 'activate'],
  );
  run(
    'INSERT INTO identify_train_runs (started_at, params_json, stopped_by, best_iteration, model_version) VALUES (?, ?, ?, ?, ?)',
    ['2025-03-03T09:59:00.000Z', '{"dataset":"ustc"}', 'converged', 2, 3],
  );
  run(
    `INSERT INTO identify_iterations (run_id, k, precision, recall, objective, objective0, prob_improved, margin,
       pseudo_positive, pseudo_negative, unlabelled_left, black_threshold) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [1, 0, 0.9, 0.7, 0.8, 0.8, null, 0.1, 0, 0, 500, 0.6],
    [1, 1, 0.95, 0.75, 0.85, 0.8, 0.7, 0.1, 12, 30, 458, 0.62],
  );
  run(
    'INSERT INTO identify_api_keys (terminal, key_hash, created_at, revoked_at, rate_per_s, burst) VALUES (?, ?, ?, ?, ?, ?)',
    ['pos-17', hashKey(API_KEY), '2025-03-01T11:00:00.000Z', null, 50000, 100000],
    ['pos-18', hashKey('moat_revoked'), '2025-03-01T11:00:00.000Z', '2025-03-02T11:00:00.000Z', 10, 10000],
  );
  run(
    'INSERT INTO identify_requests (at, terminal, route, status, items, ms, client) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ['2025-03-01T12:00:00.000Z', 'pos-17', '/v1/identify', 200, 1, 0.4, '10.0.0.9'],
    ['2025-03-01T12:00:01.000Z', null, '/v1/identify', 401, 0, 0.1, '10.0.0.66'],
  );
  run(
    'INSERT INTO tlsmon_heat (ck, bucket, count) VALUES (?, ?, ?)',
    ['service\u0000192.0.2.1|443', 29_166_666, 4],
    ['cert\u0000ab:cd', 29_166_667, 2],
  );
  run(
    'INSERT INTO tlsmon_domains (domain, reputation, registered, source, loaded_at) VALUES (?, ?, ?, ?, ?)',
    ['bad.example', 0.05, Date.parse('2025-02-27'), 'domains.csv', '2025-03-01T00:00:00.000Z'],
    ['good.example', 0.98, null, 'domains.csv', '2025-03-01T00:00:00.000Z'],
  );
  run('INSERT INTO tlsmon_policy_versions (applied_at, source, text) VALUES (?, ?, ?)', [
    '2025-03-01T13:00:00.000Z',
    'api',
    'policies: []\n',
  ]);
  run(
    'INSERT INTO intel_sources (name, path, format, loaded_at, entries, errors) VALUES (?, ?, ?, ?, ?, ?)',
    ['drop.txt', '/feeds/drop.txt', 'spamhaus-drop', '2025-03-01T14:00:00.000Z', 2, 1],
  );
  run(
    `INSERT INTO intel_indicators (type, value, source, category, list_count, first_seen, last_seen, expires_at,
       loaded_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      'cidr',
      '192.0.2.0/24',
      'drop.txt',
      'SBL123',
      null,
      '2025-03-01T14:00:00.000Z',
      '2025-03-01T14:00:00.000Z',
      null,
      '2025-03-01T14:00:00.000Z',
      '/feeds/drop.txt:3',
    ],
    [
      'ip',
      '198.51.100.7',
      'drop.txt',
      null,
      4,
      '2025-03-01T14:00:00.000Z',
      '2025-03-01T14:00:00.000Z',
      '2099-01-01T00:00:00.000Z',
      '2025-03-01T14:00:00.000Z',
      '/feeds/drop.txt:4',
    ],
  );
  run("INSERT INTO intel_state (key, value) VALUES ('expired_at', ?)", ['2025-03-01T15:00:00.000Z']);
  run(
    'INSERT INTO rule_bundles (version, name, sha256, records, file, installed_at, active) VALUES (?, ?, ?, ?, ?, ?, ?)',
    [
      '1.0.0',
      'moat-rules',
      'a'.repeat(64),
      12,
      '/var/lib/moat/moat-rules-1.0.0.json',
      '2025-03-01T16:00:00.000Z',
      0,
    ],
    [
      '1.1.0',
      'moat-rules',
      'b'.repeat(64),
      14,
      '/var/lib/moat/moat-rules-1.1.0.json',
      '2025-03-02T16:00:00.000Z',
      1,
    ],
  );
  run(
    `INSERT INTO security_event_cache (src_ip, dst_ip, src_port, dst_port, proto, created_us, last_hit_us,
       max_lifetime_us, direction, scope, operation_type, operation, event_id, diagnosis, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      '192.168.1.199',
      '203.0.113.23',
      0,
      23,
      6,
      NOW_US,
      NOW_US,
      3600e6,
      'both',
      'iot',
      'block',
      'drop',
      'sid:2001',
      'rules',
      'valid',
    ],
    [
      '192.168.1.5',
      '198.51.100.77',
      0,
      0,
      0,
      NOW_US,
      NOW_US,
      3600e6,
      'both',
      'lan',
      'block',
      'drop',
      'ml:9500001',
      'ml',
      'watched',
    ],
  );
  run(
    `INSERT INTO security_event_cache_extra (src_ip, dst_ip, src_port, dst_port, proto, operation_arg, watch_until_us, hits)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ['192.168.1.199', '203.0.113.23', 0, 23, 6, null, null, 7],
    ['192.168.1.5', '198.51.100.77', 0, 0, 0, 'reason', NOW_US + 600e6, 2],
  );
  run(
    'INSERT INTO log_review_device (ip, windows, mean_bytes, mean_flows, mean_peers, last_window_us) VALUES (?, ?, ?, ?, ?, ?)',
    ['10.0.0.42', 9, 120_000.5, 31.25, 4.5, NOW_US],
  );
  run(
    'INSERT INTO log_review_peer (ip, peer, first_us) VALUES (?, ?, ?)',
    ['10.0.0.42', '192.0.2.1', NOW_US - 1e9],
    ['10.0.0.42', '192.0.2.2', NOW_US - 5e8],
  );
  run('INSERT INTO honeypot_instances VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
    'hp-0011223344556677',
    'telnet',
    '203.0.113.50',
    40_000,
    2323,
    '2025-03-01T17:00:00.000Z',
    '2025-03-01T17:01:00.000Z',
    'closed',
    JSON.stringify([{ user: 'root', pass: 'xc3511' }]),
    JSON.stringify(['enable', 'shell', 'cat /proc/cpuinfo']),
    JSON.stringify([]),
    JSON.stringify([]),
    321,
    4096,
  ]);
}

/** Every table but the bookkeeping, each as its rows in a fixed order: the "nothing lost" comparison. */
function dump(path: string): Record<string, unknown[]> {
  const db = new Database(path, { readonly: true });
  try {
    const tables = (
      db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .all() as { name: string }[]
    )
      .map((t) => t.name)
      .filter((n) => n !== 'store_migrations');
    const out: Record<string, unknown[]> = {};
    for (const t of tables) {
      const n = (db.prepare(`PRAGMA table_info("${t}")`).all() as unknown[]).length;
      const order = Array.from({ length: n }, (_, i) => i + 1).join(', ');
      out[t] = db.prepare(`SELECT * FROM "${t}" ORDER BY ${order}`).all();
    }
    return out;
  } finally {
    db.close();
  }
}

/** Today's store: every component's migrations applied the way today's code applies them, then real rows. */
function writeToday(path: string, modelJson: string): Map<string, string> {
  const db = openDatabaseToday(path);
  for (const list of Object.values(TODAY_MIGRATIONS)) migrateToday(db, list);
  fill(db, modelJson);
  const ids = db.prepare('SELECT id, applied_at FROM schema_migrations').all() as {
    id: string;
    applied_at: string;
  }[];
  db.close();
  return new Map(ids.map((r) => [r.id, r.applied_at]));
}

test("the shipped migrations are today's SQL under their old ids (so adopting them is truthful)", () => {
  const shipped = new Map(SCHEMAS.flatMap((s) => s.migrations.map((m) => [m.legacyId, m.sqlite] as const)));
  const today = Object.values(TODAY_MIGRATIONS).flat();
  assert.equal(today.length, 12);
  for (const m of today) {
    assert.ok(shipped.has(m.id), `no shipped migration names the old id ${m.id}`);
    assert.equal(checksum(shipped.get(m.id)!), checksum(m.sql), m.id);
  }
});

test("a store written by today's code opens and migrates with every row kept and the bookkeeping right", () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-store-today-'));
  try {
    const path = join(dir, 'moat.db');
    const model = trainModel(toLabelledSet(syntheticRequests(200, 5)), DEFAULT_TRAIN);
    const legacyIds = writeToday(path, model.toJson());
    assert.equal(legacyIds.size, 12);
    const before = dump(path);
    assert.equal(Object.keys(before).length, 19, Object.keys(before).join(', '));
    for (const [t, rows] of Object.entries(before))
      if (t !== 'schema_migrations') assert.ok(rows.length > 0, `${t} has rows to keep`);

    const store = openSqlite(path);
    // Every component opens the store as the commands do.
    const registry = new ModelRegistry(store);
    const keys = new ApiKeyStore(store);
    const log = new SqliteRequestLog(store, 60_000);
    const heat = new SqliteHeatHistory(store, 60, 1e12);
    const domains = new DomainStore(store);
    const versions = new PolicyVersions(store);
    const intel = new IntelStore(store);
    const bundles = new BundleStore(store, join(dir, 'bundles'), []);
    const cache = new EventCacheTable(store);
    const review = new LogReview({ cache, store });
    const instances = new InstanceStore(store);

    // Each reads its rows back.
    assert.deepEqual(
      registry.list().map((m) => [m.version, m.status, m.active]),
      [
        [1, 'published', false],
        [2, 'refused', false],
        [3, 'published', true],
      ],
    );
    assert.equal(registry.load(3).toJson(), model.toJson());
    assert.equal(registry.iterations(1).length, 2);
    assert.equal(registry.rollback(), 1, 'activation history kept: rollback returns to v1');
    assert.deepEqual(keys.verify(API_KEY), { terminal: 'pos-17', ratePerS: 50000, burst: 100000 });
    assert.equal(keys.verify('moat_revoked'), null);
    assert.deepEqual(
      keys.list().map((k) => [k.terminal, k.revoked_at !== null]),
      [
        ['pos-17', false],
        ['pos-18', true],
      ],
    );
    assert.equal(heat.count('service', '192.0.2.1|443', 1e9, 29_166_667 * 60), 4);
    assert.equal(heat.count('cert', 'ab:cd', 1e9, 29_166_667 * 60), 2);
    assert.equal(domains.reputation('bad.example'), 0.05);
    assert.equal(domains.registered('bad.example'), Date.parse('2025-02-27'));
    assert.equal(versions.get(1)?.text, 'policies: []\n');
    assert.deepEqual(
      intel.sources().map((s) => [s.name, s.live]),
      [['drop.txt', 2]],
    );
    assert.equal(intel.stamp(), '2025-03-01T14:00:00.000Z|2025-03-01T15:00:00.000Z|2');
    assert.equal(bundles.active()?.version, '1.1.0');
    assert.equal(bundles.list().length, 2);
    const c2 = cache.get(keyOf('192.168.1.5', '198.51.100.77', 0, 0, 0));
    assert.deepEqual([c2?.status, c2?.operationArg, c2?.hits], ['watched', 'reason', 2]);
    assert.equal(cache.get(keyOf('192.168.1.199', '203.0.113.23', 0, 23, 6))?.hits, 7);
    assert.deepEqual(
      { ...review.baseline('10.0.0.42') },
      { windows: 9, meanBytes: 120_000.5, meanFlows: 31.25, meanPeers: 4.5, lastWindowUs: NOW_US, peers: 2 },
    );
    assert.deepEqual(instances.get('hp-0011223344556677')?.commands, [
      'enable',
      'shell',
      'cat /proc/cpuinfo',
    ]);

    // The bookkeeping: every old id taken over as (component, version), with its applied_at and the checksum.
    const applied = store.applied();
    const expected = SCHEMAS.flatMap((s) =>
      s.migrations.map((m) => ({
        component: s.component,
        version: m.version,
        name: m.name,
        // Steps that came after versioning (no old id) are applied now, on this open.
        appliedAt: m.legacyId
          ? legacyIds.get(m.legacyId)
          : applied.find((a) => a.component === s.component && a.version === m.version)?.appliedAt,
        checksum: checksum(m.sqlite!),
      })),
    ).sort((a, b) => a.component.localeCompare(b.component) || a.version - b.version);
    assert.deepEqual(applied, expected);
    void log.close();
    store.close();

    // Nothing lost: every table, row for row, as today's code left it (the rollback above added one activation).
    const after = dump(path);
    const { identify_activations: acts, ...rest } = after;
    // honeypot migration 2 added the (empty) capture column to the kept rows.
    rest.honeypot_instances = rest.honeypot_instances.map((r) => {
      const { capture, ...row } = r as Record<string, unknown>;
      assert.equal(capture, null);
      return row;
    });
    const { identify_activations: actsBefore, ...restBefore } = before;
    assert.deepEqual(rest, restBefore);
    assert.deepEqual(acts.slice(0, actsBefore.length), actsBefore);
    assert.equal(acts.length, actsBefore.length + 1);

    // Opening again adopts and applies nothing; the old table stays as it was.
    const again = openSqlite(path);
    for (const s of SCHEMAS) {
      const r = again.migrate(s);
      assert.deepEqual(
        [r.adopted, r.applied, r.from, r.to],
        [[], [], s.migrations.length, s.migrations.length],
      );
    }
    assert.deepEqual(again.applied(), expected);
    again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a store today's code left half-way (an older build) adopts what it has and applies the rest", () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-store-today-'));
  try {
    const path = join(dir, 'moat.db');
    // An older build knew only the first intel and event-cache steps.
    const db = openDatabaseToday(path);
    migrateToday(db, TODAY_MIGRATIONS.intel.slice(0, 1));
    migrateToday(db, TODAY_MIGRATIONS.eventCache.slice(0, 1));
    db.prepare(
      `INSERT INTO intel_indicators (type, value, source, first_seen, last_seen, loaded_at, origin)
       VALUES ('ip', '198.51.100.9', 'list.txt', 'x', 'x', '2025-01-01T00:00:00.000Z', 'list.txt:1')`,
    ).run();
    db.prepare(
      `INSERT INTO security_event_cache VALUES ('10.0.0.1', '192.0.2.9', 0, 443, 6, ?, ?, 3600000000, 'both', 'lan',
         'block', 'drop', 'arg', 'sid:1', 'rules', 'valid', NULL, 5)`,
    ).run(NOW_US, NOW_US);
    db.close();

    const store = openSqlite(path);
    const intelReport = store.migrate(INTEL_SCHEMA);
    assert.deepEqual([intelReport.adopted, intelReport.applied, intelReport.to], [[1], [2], 2]);
    const intel = new IntelStore(store);
    assert.equal(intel.list({ type: 'ip' })[0].value, '198.51.100.9');
    const cache = new EventCacheTable(store);
    const e = cache.get(keyOf('10.0.0.1', '192.0.2.9', 0, 443, 6));
    assert.deepEqual([e?.operationArg, e?.hits], ['arg', 5], 'the second step moved the bookkeeping columns');
    assert.deepEqual(
      store.applied('security-event-cache').map((r) => r.version),
      [1, 2],
    );
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
