/**
 * Hot swap and rollback end to end: a running `moat identify serve` follows `moat identify model activate`
 * and `model rollback` issued by other processes, without a restart, keeps answering during the swaps,
 * and a version refused by the gates cannot be activated from the CLI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/store/index.js';
import { ModelRegistry, trainModel, DEFAULT_TRAIN, SKIP_OOD_GATE } from '../../src/identify/index.js';
import { runMoat, startServe } from './cli-child.js';
import { syntheticRequests, toLabelledSet } from './synthetic.js';

const gates = { minPrecision: 0.9, minCoverage: 0.8 };

test('a running service swaps to a newly activated model and back on rollback', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-hot-swap-'));
  const db = join(dir, 'm.db');
  const h = openSqlite(db);
  const reg = new ModelRegistry(h);
  const deep = trainModel(toLabelledSet(syntheticRequests(300, 41)), DEFAULT_TRAIN);
  const stump = trainModel(toLabelledSet(syntheticRequests(300, 42)), {
    ...DEFAULT_TRAIN,
    tree: { ...DEFAULT_TRAIN.tree, maxDepth: 1 },
  });
  const v1 = reg.submit(deep, { precision: 0.99, coverage: 0.9 }, gates, SKIP_OOD_GATE).version;
  const v2 = reg.submit(stump, { precision: 0.99, coverage: 0.9 }, gates, SKIP_OOD_GATE).version;
  const refused = reg.submit(stump, { precision: 0.5, coverage: 0.9 }, gates, SKIP_OOD_GATE).version;
  reg.activate(v1);
  h.close();
  const { child, base } = await startServe(db);
  try {
    const req = syntheticRequests(1, 43)[0].req;
    const ask = async (): Promise<{ version: number; rules: number }> => {
      const r = await fetch(`${base}/v1/identify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(req),
      });
      assert.equal(r.status, 200);
      const m = (await (await fetch(`${base}/v1/model`)).json()) as { rules: string[] };
      return {
        version: ((await r.json()) as { model_version: number }).model_version,
        rules: m.rules.length,
      };
    };
    /** Asks until the service reports `want` (or 10 s pass), counting the answers on the way. */
    const waitFor = async (want: number): Promise<number> => {
      const deadline = Date.now() + 10_000;
      let answers = 0;
      for (;;) {
        const { version } = await ask();
        answers++;
        if (version === want) return answers;
        assert.ok(Date.now() < deadline, `still serving v${version}, expected v${want}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const first = await ask();
    assert.equal(first.version, v1);
    assert.equal(first.rules, deep.rules.size);
    assert.notEqual(deep.rules.size, stump.rules.size, 'the two versions are told apart by their rules');

    const act = runMoat(['identify', 'model', 'activate', String(v2), '--db', db]);
    assert.equal(act.code, 0, act.err);
    await waitFor(v2);
    assert.equal((await ask()).rules, stump.rules.size, 'GET /v1/model shows the swapped-in rules');

    const bad = runMoat(['identify', 'model', 'activate', String(refused), '--db', db]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /refused by the gates/);

    const back = runMoat(['identify', 'model', 'rollback', '--db', db]);
    assert.equal(back.code, 0, back.err);
    assert.match(back.out, new RegExp(`model v${v1} active`));
    await waitFor(v1);
    assert.equal((await ask()).rules, deep.rules.size);
    const list = runMoat(['identify', 'model', 'list', '--db', db]).out;
    assert.match(list, new RegExp(`^v${v1}\\tpublished\\tACTIVE`, 'm'));
    assert.match(list, new RegExp(`^v${refused}\\trefused\\t`, 'm'));
    assert.equal(child.exitCode, null, 'the service is still the same process');
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(child.pid!, 'SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
