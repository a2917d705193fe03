/**
 * The federated-learning network end to end, as processes: `moat fl serve` over TLS and three `moat fl run`
 * appliances, each on its own non-IID slice of the corpus, through two rounds (train, submit, score, propose, sign,
 * commit, fuse). Then a fresh appliance verifies the whole ledger and every round's model, and refuses each thing
 * that was changed on the server's disk: one byte of a submitted model, one byte of a block, one byte of a
 * signature, a global model that is not the ledger's fusion, and one whose framing table is not the sum of the
 * kept updates' histograms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { moat, startMoat, type MoatChild } from '../helpers/moat-cli.js';
import { SKIP, ustc } from '../ml/corpus.js';
import {
  ML_RECIPE,
  buildModelFile,
  framingHistogram,
  keyIdOf,
  maskSet,
  mergeFramingTables,
  readUstcFolder,
  seededRandom,
  serialiseModel,
  shuffle,
  signModel,
  subset,
  verifyModel,
  writeUstcFolder,
} from '../../src/ml/index.js';

test('moat fl: serve + 3 appliances, ledger verified, tampering refused', { skip: SKIP }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-fl-'));
  const children: MoatChild[] = [];
  t.after(async () => {
    for (const c of children) if (c.child.exitCode === null) await c.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const f = (n: string): string => join(dir, n);
  for (const who of ['vendor', 'a0', 'a1', 'a2']) {
    const k = moat(['fl', 'keygen', '--out', f(who)]);
    assert.equal(k.status, 0, k.stderr);
  }
  const db = f('server.db');
  const reg = moat([
    'fl',
    'register',
    '--db',
    db,
    '--vendor-key',
    f('vendor.key'),
    f('a0.pub'),
    f('a1.pub'),
    f('a2.pub'),
  ]);
  assert.equal(reg.status, 0, reg.stderr);
  assert.equal(reg.stdout.match(/registered/g)?.length, 3);

  // Non-IID: appliance i holds 30 sessions of each class ≡ i (mod 3) and 4 of every other class.
  const all = ustc();
  const rows = shuffle(
    Array.from({ length: all.n }, (_, i) => i),
    seededRandom(5),
  );
  const take = new Map<string, number>();
  const parts: number[][] = [[], [], [], []];
  for (const r of rows) {
    const c = all.labels[r];
    for (let i = 0; i < 4; i++) {
      const want = i === 3 ? 10 : c % 3 === i ? 30 : 4;
      const key = `${i}:${c}`;
      const got = take.get(key) ?? 0;
      if (got < want) {
        take.set(key, got + 1);
        parts[i].push(r);
        break;
      }
    }
  }
  parts.forEach((p, i) => writeUstcFolder(f(i === 3 ? 'reference' : `data${i}`), subset(all, p)));

  const server = startMoat([
    'fl',
    'serve',
    '--db',
    db,
    '--vendor-key',
    f('vendor.key'),
    '--reference',
    f('reference'),
    '--expect',
    '3',
    '--rounds',
    '2',
    '--port',
    '0',
    '--tls-dir',
    dir,
    '--floor',
    '0',
  ]);
  children.push(server);
  await server.waitFor(/listening on https:\/\/127\.0\.0\.1:\d+/, 120_000);
  const url = /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(server.stdout())?.[1] ?? '';
  const common = ['--server', url, '--ca', f('fl-server.crt'), '--vendor-pub', f('vendor.pub')];
  const apps = [0, 1, 2].map((i) =>
    startMoat([
      'fl',
      'run',
      ...common,
      '--key',
      f(`a${i}.key`),
      '--state',
      f(`state${i}`),
      '--ustc',
      f(`data${i}`),
      '--epochs',
      '2',
      '--seed',
      String(i + 1),
    ]),
  );
  children.push(...apps);
  // An appliance that dies leaves the others polling for ever: stop waiting after 20 minutes (a loaded machine).
  let timer: NodeJS.Timeout | undefined;
  const codes = await Promise.race([
    Promise.all(apps.map((a) => a.exited)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`appliances still running: ${apps.map((a) => a.stdout() + a.stderr()).join('\n')}`),
          ),
        1_200_000,
      );
    }),
  ]);
  clearTimeout(timer);
  apps.forEach((a, i) => {
    assert.equal(codes[i], 0, `appliance ${i}: ${a.stderr()}${a.stdout()}`);
    // Two rounds of three updates: six blocks; each appliance verified the chain.
    assert.match(a.stdout(), /round 0: submitted [0-9a-f]{12}/);
    assert.match(a.stdout(), /round 1: submitted [0-9a-f]{12}/);
    assert.match(a.stdout(), /finished: round 2, ledger 6 blocks verified/);
  });
  // Blocks were signed by the appliances (an appliance that polls late may find its round already committed by
  // the other two, a majority, and sign nothing: that is allowed, so the count is over all three).
  for (const r of [0, 1]) {
    const signed = apps
      .flatMap((a) => [...a.stdout().matchAll(new RegExp(`round ${r}: signed (\\d+) blocks`, 'g'))])
      .reduce((x, m) => x + Number(m[1]), 0);
    assert.ok(signed >= 6, `round ${r}: ${signed} signatures for 3 blocks`);
  }
  assert.match(server.stdout(), /round 1 fused from 3 blocks; round 2 open/);
  // Each round's updates were scored and weighed; at least one counted in each round (an all-zero round keeps the
  // model as it was).
  const closed = server.stdout().match(/round \d closed: 3 updates, F1 .*, weights .*/g) ?? [];
  assert.equal(closed.length, 2, server.stdout());
  for (const l of closed) assert.ok(/weights .*0\.\d*[1-9]/.test(l), l);

  // A fresh replica verifies everything from the genesis: the ring, 6 blocks, the three rounds' models.
  const sync = (state: string): ReturnType<typeof moat> =>
    moat(['fl', 'sync', ...common, '--key', f('a0.key'), '--state', f(state)]);
  const ok = sync('fresh');
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(
    ok.stdout,
    /verified: ledger 6 blocks, root [0-9a-f]{64}, round 2 .* rounds checked now: 0,1,2/,
  );

  const sql = new Database(db);
  t.after(() => sql.close());
  const refusedBy = (state: string, re: RegExp): void => {
    const r = sync(state);
    assert.notEqual(r.status, 0, `expected a refusal matching ${re}: ${r.stdout}`);
    assert.match(r.stderr, re);
  };
  const flipByte = (b64: string, at: number): string => {
    const raw = Buffer.from(b64, 'base64');
    raw[at] ^= 1;
    return raw.toString('base64');
  };

  // One byte of a submitted model's parameters.
  const up = sql
    .prepare('SELECT key_id, model_json FROM fl_updates WHERE round = 0 ORDER BY key_id LIMIT 1')
    .get() as {
    key_id: string;
    model_json: string;
  };
  const doc = JSON.parse(up.model_json) as { params: string };
  const p = Buffer.from(doc.params, 'base64');
  p[1000] ^= 1;
  const setUpdate = sql.prepare('UPDATE fl_updates SET model_json = ? WHERE round = 0 AND key_id = ?');
  setUpdate.run(JSON.stringify({ ...doc, params: p.toString('base64') }), up.key_id);
  refusedBy('t1', /model refused: hash checker refused the model: parameters SHA-256 .* tampered/);
  setUpdate.run(up.model_json, up.key_id);

  // One byte of a block: its weight.
  const blk = sql.prepare('SELECT block_json FROM fl_blocks WHERE idx = 1').get() as { block_json: string };
  const setBlock = sql.prepare('UPDATE fl_blocks SET block_json = ? WHERE idx = 1');
  const b = JSON.parse(blk.block_json) as { weight: number; signatures: { keyId: string; value: string }[] };
  setBlock.run(blk.block_json.replace(`"weight":${b.weight}`, `"weight":${b.weight === 0 ? 1 : 0}`));
  refusedBy('t2', /ledger refused: block 1: hash does not match its contents/);

  // Signatures: a block is committed once two of the three have signed (a late third signature is not added).
  // Two of three is a majority; one byte changed in one of them leaves one valid, which is not.
  assert.ok(b.signatures.length >= 2, blk.block_json);
  const two = b.signatures.slice(0, 2);
  setBlock.run(JSON.stringify({ ...b, signatures: two }));
  assert.equal(sync('t3').status, 0);
  setBlock.run(
    JSON.stringify({ ...b, signatures: [two[0], { ...two[1], value: flipByte(two[1].value, 10) }] }),
  );
  refusedBy('t4', /ledger refused: block 1: 1 valid signatures of 3 online appliances, a majority needs 2/);
  setBlock.run(blk.block_json);

  // A well-formed global model that is not the fusion the ledger records (round 1's served as round 2's).
  const g1 = sql.prepare('SELECT global_json FROM fl_rounds WHERE round = 1').get() as {
    global_json: string;
  };
  const g2 = sql.prepare('SELECT global_json FROM fl_rounds WHERE round = 2').get() as {
    global_json: string;
  };
  const setGlobal = sql.prepare('UPDATE fl_rounds SET global_json = ? WHERE round = 2');
  setGlobal.run(g1.global_json);
  refusedBy('t5', /round 2: the global model is not the weighted FedAvg of the updates the ledger commits/);
  setGlobal.run(g2.global_json);

  // Each appliance sent its framing histogram with its updates (the default); round 2's global carries the table
  // the histograms of round 1's kept updates (weight > 0) sum to, computed here from the appliances' own data.
  const served = verifyModel(g2.global_json);
  const keptIds = new Set(
    (
      sql.prepare('SELECT key_id FROM fl_updates WHERE round = 1 AND weight > 0').all() as {
        key_id: string;
      }[]
    ).map((r) => r.key_id),
  );
  const arch = served.file.manifest.arch;
  const kept = [0, 1, 2]
    .filter((i) => keptIds.has(keyIdOf(createPublicKey(readFileSync(f(`a${i}.pub`), 'utf8')))))
    .map((i) => framingHistogram(maskSet(readUstcFolder(f(`data${i}`))).set, arch.classes, arch.inputBytes));
  assert.ok(kept.length > 0);
  const table = served.file.manifest.logitAdjust?.framing;
  assert.deepEqual(table, mergeFramingTables(kept, ML_RECIPE.framingWeight));
  assert.ok(table && Object.keys(table.counts).length > 0, 'the corpus has TLS sessions');
  // A global the vendor signed whose table is one count off is refused.
  const m = served.file.manifest;
  const forgedTable = structuredClone(table);
  const k0 = Object.keys(forgedTable.counts)[0];
  forgedTable.counts[k0][0] += 1;
  const forged = signModel(
    buildModelFile(m.arch, served.params, m.weights, {
      name: m.name,
      version: m.version,
      classNames: m.classNames,
      maliciousClasses: m.maliciousClasses,
      training: m.training,
      metrics: m.metrics,
      logitAdjust: { framing: forgedTable },
    }),
    readFileSync(f('vendor.key'), 'utf8'),
  );
  setGlobal.run(serialiseModel(forged));
  refusedBy('t6', /round 2: the global model's framing table is not the sum of the histograms/);
  setGlobal.run(g2.global_json);

  // An appliance that verified before refuses a server that rewrites what it saw (here: drops the last block).
  const last = sql.prepare('SELECT * FROM fl_blocks WHERE idx = 5').get() as Record<string, unknown>;
  sql.prepare('DELETE FROM fl_blocks WHERE idx = 5').run();
  refusedBy('fresh', /ledger refused: 5 blocks, fewer than the 6 verified before \(truncated\)/);
  sql
    .prepare('INSERT INTO fl_blocks (idx, round, hash, status, block_json) VALUES (?, ?, ?, ?, ?)')
    .run(last.idx, last.round, last.hash, last.status, last.block_json);
  assert.equal(sync('fresh').status, 0);
  assert.equal(await server.stop(), 0);
});
