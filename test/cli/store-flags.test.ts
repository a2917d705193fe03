/**
 * The store flags as a user types them (README, Commands → Conventions): `--db FILE|URL` is the one store every
 * component keeps its tables in, `--redis URL` the shared live state; the flags of before still work, hidden, with a
 * one-line note; a store a command cannot use is refused in one line with exit 2. Each command that takes a store
 * is run through the built CLI here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createRedisClient, openSqlite } from '../../src/store/index.js';
import { freePort } from '../helpers/free-port.js';
import { telnetHoneypotYaml } from '../honeypot/helpers.js';

const MOAT = join(process.cwd(), 'bin', 'moat.js');
const POLICY = join(process.cwd(), 'config', 'policies.yaml');
const PG_URL = 'postgres://moat:secret@127.0.0.1:1/none';

function moat(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MOAT, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The bookkeeping rows of a store file as 'component#version'. */
function versions(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (
      db.prepare('SELECT component, version FROM store_migrations ORDER BY component, version').all() as {
        component: string;
        version: number;
      }[]
    ).map((r) => `${r.component}#${r.version}`);
  } finally {
    db.close();
  }
}

function count(path: string, table: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function tables(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
        name: string;
      }[]
    ).map((r) => r.name);
  } finally {
    db.close();
  }
}

function withDir(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'moat-store-flags-'));
  return Promise.resolve(fn(dir)).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('analyze --db: one store keeps heat history and the event cache table; the flags of before still work', () =>
  withDir((dir) => {
    const pcap = join(dir, 's.pcap');
    assert.equal(moat(['synth', '--seed', '3', '--out', pcap]).status, 0);
    const store = join(dir, 'moat.db');
    const args = ['analyze', pcap, '--eve', join(dir, 'e.json'), '--no-progress', '--policy', POLICY];
    const r = moat([...args, '--db', store, '--review']);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /deprecated/);
    assert.deepEqual(versions(store), [
      'security-event-cache#1',
      'security-event-cache#2',
      'security-log-review#1',
      'tlsmon-domains#1',
      'tlsmon-heat#1',
    ]);
    const heat = count(store, 'tlsmon_heat');
    assert.ok(heat > 0, 'heat history kept in the store');
    assert.ok(count(store, 'log_review_device') > 0, 'baselines kept in the same store');
    // A second run finds its tables and adds to them.
    assert.equal(moat([...args, '--db', store]).status, 0);
    assert.ok(count(store, 'tlsmon_heat') >= heat);

    // --history and --security-db keep naming one component's store each, with a note on stderr.
    const history = join(dir, 'history.db');
    const security = join(dir, 'security.db');
    const old = moat([...args, '--history', history, '--security-db', security]);
    assert.equal(old.status, 0, old.stderr);
    assert.match(old.stderr, /^moat: --history is deprecated: use --db FILE/m);
    assert.match(old.stderr, /^moat: --security-db is deprecated: use --db FILE/m);
    assert.deepEqual(versions(history), ['tlsmon-domains#1', 'tlsmon-heat#1']);
    assert.deepEqual(versions(security), ['security-event-cache#1', 'security-event-cache#2']);
    const help = moat(['analyze', '--help']).stdout;
    assert.match(help, /--db <file>/);
    assert.match(help, /--redis <url>/);
    for (const gone of ['--history', '--security-db', '--cache-redis', '--model-db', '--identify-db'])
      assert.ok(!help.includes(gone), `${gone} is hidden`);
  }));

test('analyze: a store it cannot use is refused in one line with exit 2, before any output is written', () =>
  withDir((dir) => {
    const pcap = join(dir, 's.pcap');
    assert.equal(moat(['synth', '--seed', '3', '--out', pcap, '--flows', '5']).status, 0);
    const eve = join(dir, 'e.json');
    const pg = moat(['analyze', pcap, '--eve', eve, '--db', PG_URL]);
    assert.equal(pg.status, 2);
    assert.equal(
      pg.stderr,
      'moat: --db postgres://moat:***@127.0.0.1:1/none: PostgreSQL does not hold the security event cache table and log-review baselines (SQLite only); give a file path\n',
    );
    assert.ok(!existsSync(eve));

    // A store written by a newer moat: refused, named, and left as it is.
    const newer = join(dir, 'newer.db');
    const s = openSqlite(newer);
    s.db
      .prepare(
        "INSERT INTO store_migrations VALUES ('security-event-cache', 9, 'future', '2030-01-01T00:00:00.000Z', 'x')",
      )
      .run();
    s.close();
    const r = moat(['analyze', pcap, '--eve', eve, '--db', newer]);
    assert.equal(r.status, 2);
    assert.match(
      r.stderr,
      /^moat: store .*newer\.db: security-event-cache is at schema version 9 but this moat knows versions up to 2: the store was written by a newer moat/,
    );
    assert.equal(r.stderr.split('\n').length, 2, 'one line');
    assert.deepEqual(versions(newer), ['security-event-cache#9']);

    // Shared state that cannot be reached: named, exit 2, no hang (the flag of before says what replaces it).
    const redis = moat(['analyze', pcap, '--eve', eve, '--cache-redis', 'redis://127.0.0.1:1']);
    assert.equal(redis.status, 2);
    assert.match(redis.stderr, /^moat: --cache-redis is deprecated: use --redis URL$/m);
    assert.equal(
      redis.stderr,
      'moat: --cache-redis is deprecated: use --redis URL\n' +
        'moat: --cache-redis redis://127.0.0.1:1: cannot reach the server: connect ECONNREFUSED 127.0.0.1:1\n',
    );
  }));

test('analyze --redis: heat counts and the event cache table are shared through a real redis-server', async (t) => {
  if (spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0) {
    t.skip('redis-server not installed (scripts/setup.sh installs it)');
    return;
  }
  await withDir(async (dir) => {
    const port = await freePort();
    const server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore' },
    );
    const url = `redis://127.0.0.1:${port}/0`;
    const client = createRedisClient(url);
    try {
      for (let i = 0; i < 50; i++) {
        try {
          await client.ping();
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      const pcap = join(dir, 's.pcap');
      assert.equal(moat(['synth', '--seed', '3', '--out', pcap]).status, 0);
      const args = ['analyze', pcap, '--eve', join(dir, 'e.json'), '--no-progress', '--policy', POLICY];
      const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
        const c = spawn(process.execPath, [MOAT, ...args, '--redis', url], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let err = '';
        c.stderr.on('data', (d: Buffer) => (err += d.toString()));
        c.on('exit', (code) => resolve({ code, err }));
      });
      assert.equal(r.code, 0, r.err);
      const heat = await client.keys('moat:heat:*');
      assert.ok(heat.length > 0, 'heat counts in Redis');
      const entries = await client.keys('moat:seccache:e:*');
      assert.ok(entries.length > 0, 'the risky verdicts became shared event cache entries');
      const clients = String(await client.client('LIST'));
      assert.doesNotMatch(clients, /name=moat /, 'the command closed its connection');
    } finally {
      await client.quit().catch(() => client.disconnect());
      server.kill('SIGTERM');
    }
  });
});

test('tlsmon --db: a PostgreSQL URL is refused before capture starts; --identify-db says what replaces it', () =>
  withDir(() => {
    const r = moat(['tlsmon', '-i', 'lo', '--policy', POLICY, '--db', PG_URL, '--identify-db', 'x.db']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^moat: --identify-db is deprecated: use --identify-reputation/m);
    assert.match(
      r.stderr,
      /^moat: --db postgres:\/\/moat:\*\*\*@127\.0\.0\.1:1\/none: PostgreSQL does not hold heat history, domains, policy versions and the event cache \(SQLite only\); give a file path$/m,
    );
    assert.match(moat(['tlsmon', '--help']).stdout, /--identify-reputation/);
  }));

test('identify: keys live in --fleet-db (or --db), --pg still works; models need a file', () =>
  withDir((dir) => {
    const local = join(dir, 'local.db');
    const fleet = join(dir, 'fleet.db');
    const add = moat(['identify', 'key', 'add', 'pos-1', '--db', local, '--pg', fleet]);
    assert.equal(add.status, 0, add.stderr);
    assert.match(add.stderr, /^moat: --pg is deprecated: use --fleet-db URL/m);
    assert.match(add.stdout, /^moat_/);
    assert.match(moat(['identify', 'key', 'list', '--fleet-db', fleet]).stdout, /^pos-1\tactive/m);
    assert.match(moat(['identify', 'key', 'list', '--db', fleet]).stdout, /^pos-1\tactive/m);
    assert.equal(moat(['identify', 'key', 'list', '--db', local]).stdout, '', 'the local store has no keys');
    assert.deepEqual(versions(fleet), ['identify-api#1']);

    const models = moat(['identify', 'model', 'list', '--db', PG_URL]);
    assert.equal(models.status, 2);
    assert.match(
      models.stderr,
      /--db postgres:\/\/moat:\*\*\*@127\.0\.0\.1:1\/none: PostgreSQL does not hold identification models and intel/,
    );
    assert.equal(moat(['identify', 'model', 'list', '--db', local]).status, 0);
    assert.deepEqual(versions(local), ['identify#1', 'identify-api#1'], 'key list --db local looked there');
  }));

test('intel and rules keep their tables in --db; a URL is refused naming what needs a file', () =>
  withDir((dir) => {
    const store = join(dir, 'moat.db');
    const feed = join(dir, 'list.txt');
    writeFileSync(feed, '192.0.2.1\n198.51.100.0/24\n');
    assert.equal(moat(['intel', 'load', feed, '--db', store]).status, 0);
    assert.match(moat(['intel', 'list', '--db', store]).stdout, /^list\.txt\t/m);
    const pg = moat(['intel', 'list', '--db', PG_URL]);
    assert.equal(pg.status, 2);
    assert.match(pg.stderr, /PostgreSQL does not hold the intel indicators \(SQLite only\)/);

    assert.equal(moat(['rules', 'keygen', '--out', join(dir, 'vendor')]).status, 0);
    const keyArgs = ['--key', join(dir, 'vendor.pub'), '--dir', join(dir, 'bundles')];
    assert.equal(moat(['rules', 'list', '--db', store, ...keyArgs]).status, 0);
    const rpg = moat(['rules', 'list', '--db', PG_URL, ...keyArgs]);
    assert.equal(rpg.status, 2);
    assert.match(rpg.stderr, /PostgreSQL does not hold rule bundles \(SQLite only\)/);
    assert.deepEqual(versions(store), ['intel#1', 'intel#2', 'rule-bundles#1']);
  }));

test("honeypot --db: instances go to the store given, not the configuration's database", () =>
  withDir(async (dir) => {
    const configured = join(dir, 'configured.db');
    const store = join(dir, 'moat.db');
    const config = join(dir, 'honeypot.yaml');
    writeFileSync(config, telnetHoneypotYaml(dir, ['bind: 127.0.0.1'], configured));
    const child = spawn(process.execPath, [MOAT, 'honeypot', '--config', config, '--db', store], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    try {
      for (let i = 0; i < 100 && !/telnet on 127\.0\.0\.1:\d+/.test(err); i++)
        await new Promise((r) => setTimeout(r, 100));
      assert.match(err, /telnet on 127\.0\.0\.1:\d+/);
      process.kill(child.pid!, 'SIGTERM');
      assert.equal(await exited, 0, err);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    assert.deepEqual(versions(store), ['honeypot#1', 'honeypot#2']);
    assert.ok(tables(store).includes('honeypot_instances'));
    assert.ok(!existsSync(configured), 'the configured database was not opened');
  }));
