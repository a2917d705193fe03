/**
 * The federated-learning server on PostgreSQL (a private cluster started for the test): three appliances take part
 * in two rounds fused with FedAvgM (server momentum, recorded in every block); the server restarted on the same
 * database verifies its ledger and carries on serving it; a fresh appliance recomputes every round's fusion from the
 * ledger; one changed byte of a block's fusion rule in the database is refused by the appliance and by the server's
 * own start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_ARCH,
  FlClient,
  FlServer,
  USTC_CLASS_NAMES,
  USTC_MALICIOUS,
  fuseInto,
  fuseRound,
  openFlStore,
  registerKey,
  subset,
  tfReady,
  verifyModel,
  writeUstcFolder,
  type FlServerOptions,
} from '../../src/ml/index.js';
import { moat } from '../helpers/moat-cli.js';
import { persistentSelfSigned } from '../../src/framework/index.js';
import { PgStore } from '../../src/store/index.js';
import { postgresUnavailable, startPostgres } from '../helpers/postgres.js';
import { SKIP, ustcSplit } from './corpus.js';
import { ed25519Pem } from '../helpers/ed25519-pem.js';

const pem = ed25519Pem;

const skip = SKIP || postgresUnavailable() || false;

test(
  'fl serve on PostgreSQL: two FedAvgM rounds, restart, fresh replica, tampering refused',
  { skip },
  async (t) => {
    const tf = await tfReady();
    const pg = await startPostgres();
    const dir = mkdtempSync(join(tmpdir(), 'moat-flpg-'));
    const closers: (() => Promise<void>)[] = [];
    t.after(async () => {
      for (const c of closers.reverse()) await c().catch(() => {});
      await pg.destroy();
      rmSync(dir, { recursive: true, force: true });
    });
    const store = await PgStore.connect(pg.url);
    closers.push(() => store.close());
    const flStore = await openFlStore(store);
    const vendor = pem();
    const apps = [pem(), pem(), pem()];
    for (const a of apps.slice(0, 2))
      assert.equal(await flStore.register(registerKey(a.pub, vendor.priv)), true);
    assert.equal(await flStore.register(registerKey(apps[0].pub, vendor.priv)), false);
    // The third through the command, `--db postgres://…`.
    writeFileSync(join(dir, 'vendor.key'), vendor.priv);
    writeFileSync(join(dir, 'a2.pub'), apps[2].pub);
    const reg = moat([
      'fl',
      'register',
      '--db',
      pg.url,
      '--vendor-key',
      join(dir, 'vendor.key'),
      join(dir, 'a2.pub'),
    ]);
    assert.equal(reg.status, 0, reg.stderr);
    assert.match(reg.stdout, /[0-9a-f]{16} registered/);
    assert.equal((await flStore.appliances()).length, 3);

    // Non-IID: appliance i holds 12 sessions of each class ≡ i (mod 3) and 3 of every other.
    const { train, test: reference } = ustcSplit(12, 4, 21);
    const parts: number[][] = [[], [], []];
    const seen = new Map<number, number>();
    for (let r = 0; r < train.n; r++) {
      const c = train.labels[r];
      const k = seen.get(c) ?? 0;
      seen.set(c, k + 1);
      const home = c % 3;
      if (k < 6) parts[home].push(r);
      else parts[(home + 1 + (k % 2)) % 3].push(r);
    }
    const cert = persistentSelfSigned(
      dir,
      { key: 'fl.key', cert: 'fl.crt' },
      { commonName: 'moat-fl', altNames: ['IP:127.0.0.1'] },
    );
    // Round 2 is the last: its global is the mean of its FedAvgM iterate and round 1's global.
    const fusion = { rule: 'fedavgm' as const, serverLr: 1, momentum: 0.5, averageLast: 2, rounds: 2 };
    const options: FlServerOptions = {
      store: flStore,
      tf,
      vendorKeyPem: vendor.priv,
      reference,
      arch: DEFAULT_ARCH,
      classNames: USTC_CLASS_NAMES,
      maliciousClasses: USTC_MALICIOUS,
      expect: 3,
      rounds: 2,
      floor: 0,
      fusion,
      https: { key: cert.key, cert: cert.cert },
    };
    let server = await FlServer.open(options);
    closers.push(() => server.close());
    const url = `https://${await server.listen('127.0.0.1', 0).then((a) => new URL(a).host)}`;
    const client = (i: number, state: string, at = url): FlClient =>
      new FlClient({
        url: at,
        ca: cert.cert,
        keyPem: apps[i].priv,
        vendorPem: vendor.pub,
        stateDir: join(dir, state),
      });

    const results = await Promise.all(
      apps.map((_, i) =>
        client(i, `s${i}`).participate(tf, subset(train, parts[i]), { epochs: 1, seed: i + 1, pollMs: 100 }),
      ),
    );
    for (const r of results) {
      assert.equal(r.round, 2);
      assert.equal(r.ledgerSize, 6);
      assert.equal(r.global.file.manifest.paramsSha256, results[0].global.file.manifest.paramsSha256);
    }
    // Everything is in PostgreSQL.
    const q = async (sql: string): Promise<Record<string, unknown>[]> => (await store.pool.query(sql)).rows;
    assert.deepEqual(await q("SELECT count(*)::int AS n FROM fl_blocks WHERE status = 'committed'"), [
      { n: 6 },
    ]);
    assert.deepEqual(await q('SELECT count(*)::int AS n FROM fl_rounds'), [{ n: 3 }]);
    assert.deepEqual(await q('SELECT count(*)::int AS n FROM fl_updates WHERE weight IS NOT NULL'), [
      { n: 6 },
    ]);
    const blocks = await flStore.blocks('committed');
    for (const b of blocks) assert.deepEqual(b.fusion, fusion);
    assert.ok(blocks.some((b) => b.weight > 0));
    // The served final model is the averaged one, not the bare iterate (which the appliances would have refused).
    const params = async (json: string | undefined): Promise<Float32Array[]> =>
      verifyModel(json ?? '').params;
    const g = await Promise.all([0, 1, 2].map(async (r) => params(await flStore.global(r))));
    const ups = await Promise.all(
      blocks
        .filter((b) => b.round === 1)
        .map(async (b) => ({ params: await params(await flStore.update(1, b.submitter)), weight: b.weight })),
    );
    const iterate = fuseRound(ups, g[1], g[0], fusion);
    assert.deepEqual(g[2], fuseInto(ups, [g[1], g[0]], 2, fusion));
    assert.notDeepEqual(g[2], iterate);

    // Restarted on the same database: the server checks its ledger and serves the same chain; a fresh appliance
    // verifies the whole ledger and recomputes both rounds' FedAvgM fusions (round 2's uses round 0's model too).
    await server.close();
    server = await FlServer.open(options);
    const url2 = `https://${await server.listen('127.0.0.1', 0).then((a) => new URL(a).host)}`;
    const fresh = await client(0, 'fresh', url2).sync();
    assert.deepEqual(fresh.verifiedRounds, [0, 1, 2]);
    assert.equal(fresh.global.file.manifest.paramsSha256, results[0].global.file.manifest.paramsSha256);
    assert.equal(fresh.root, results[0].root);

    // One changed byte in the fusion rule of block 4 (averaging window 2 → 3): its hash no longer matches.
    await store.pool.query(
      `UPDATE fl_blocks SET block_json = replace(block_json, '"averageLast":2', '"averageLast":3') WHERE idx = 4`,
    );
    await assert.rejects(client(1, 'fresh2', url2).sync(), /ledger refused: block 4: hash does not match/);
    await server.close();
    await assert.rejects(FlServer.open(options), /block 4: hash does not match its contents/);
    writeUstcFolder(join(dir, 'reference'), reference);
    const serve = moat(
      [
        'fl',
        'serve',
        '--db',
        pg.url,
        '--vendor-key',
        join(dir, 'vendor.key'),
        '--reference',
        join(dir, 'reference'),
        '--port',
        '0',
        '--tls-dir',
        dir,
      ],
      { timeoutMs: 300_000 },
    );
    assert.notEqual(serve.status, 0);
    assert.match(serve.stderr, /block 4: hash does not match its contents/);
  },
);
