/**
 * Local training: a real `moat ml train` child killed by SIGKILL mid-run resumes from its last checkpoint;
 * the load gate waits while the load is high outside the night window; the CPU budget holds the trainer's share.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DEFAULT_ARCH,
  inWindow,
  tfReady,
  trainLocally,
  trainModel,
  type AverageState,
  type OptimizerState,
} from '../../src/ml/index.js';
import { MOAT, moat } from '../helpers/moat-cli.js';
import { SKIP, USTC_DIR, ustcSplit } from './corpus.js';

test('a training run killed with SIGKILL resumes from its checkpoint', { skip: SKIP }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-ml-kill-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cp = join(dir, 'train.ckpt');
  const args = [
    'ml',
    'train',
    '--ustc',
    USTC_DIR,
    '--db',
    join(dir, 'm.db'),
    '--per-class',
    '10',
    '--epochs',
    '6',
    '--checkpoint',
    cp,
    '--min-detection',
    '0',
    '--max-false-alarm',
    '1',
    '--version',
    '2.0',
  ];
  const child = spawn(process.execPath, [MOAT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_c, sig) => res(sig)));
  // Wait for the second epoch's checkpoint, then kill without warning.
  let epoch = -1;
  // (Up to 10 minutes: the trainer runs at the lowest priority, and the machine may be busy.)
  for (let i = 0; i < 6000 && epoch < 1; i++) {
    await sleep(100);
    if (existsSync(cp)) epoch = (JSON.parse(readFileSync(cp, 'utf8')) as { epoch: number }).epoch;
  }
  assert.ok(epoch >= 1, 'no checkpoint after two epochs');
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  const at = (JSON.parse(readFileSync(cp, 'utf8')) as { epoch: number }).epoch;
  assert.ok(at < 5, 'the run finished before the kill');

  const again = moat(args, { timeoutMs: 900_000 });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, new RegExp(`resuming from the checkpoint after epoch ${at + 1}`));
  assert.doesNotMatch(again.stderr, new RegExp(`^epoch ${at + 1}/6`, 'm'));
  assert.match(again.stderr, /^epoch 6\/6: loss/m);
  assert.match(again.stdout, new RegExp(`resumed after epoch ${at + 1}`));
  assert.match(again.stdout, /model 2\.0 .*deployed, active/);
});

test(
  'the load gate waits outside the night window; the CPU budget holds the share',
  { skip: SKIP },
  async () => {
    const tf = await tfReady();
    const { train } = ustcSplit(5, 0);
    let calls = 0;
    const r = await trainLocally(tf, train, {
      arch: DEFAULT_ARCH,
      epochs: 1,
      seed: 1,
      // High load for the first four looks, then quiet; 03:00 is outside a 1–2 h window.
      load: () => (calls++ < 4 ? 5 : 0.1),
      now: () => new Date(2026, 0, 1, 3),
      budget: { maxLoadPerCore: 1, nightWindow: [1, 2], cpuShare: 0.5 },
    });
    assert.ok(r.waitedSeconds >= 1.5, `waited ${r.waitedSeconds}`);
    // Under the budget: CPU seconds over wall seconds (one core) stays near the share.
    assert.ok(r.cpuSeconds / r.wallSeconds <= 0.6, `cpu ${r.cpuSeconds} wall ${r.wallSeconds}`);
    // Inside the window the load does not matter.
    const night = await trainLocally(tf, train, {
      arch: DEFAULT_ARCH,
      epochs: 1,
      seed: 1,
      load: () => 5,
      now: () => new Date(2026, 0, 1, 1, 30),
      budget: { maxLoadPerCore: 1, nightWindow: [1, 2] },
    });
    assert.equal(night.waitedSeconds, 0);
    assert.ok(inWindow(23, [22, 6]) && inWindow(3, [22, 6]) && !inWindow(12, [22, 6]));
  },
);

test(
  'a resumed run continues Adam: the same parameters as the run that was not interrupted',
  { skip: SKIP },
  async () => {
    const tf = await tfReady();
    const { train } = ustcSplit(8, 0, 31);
    const o = { arch: DEFAULT_ARCH, epochs: 3, seed: 4 };
    const whole = await trainModel(tf, train, o);
    whole.model.dispose();
    let saved: { params: Float32Array[]; optimizer: OptimizerState } | undefined;
    const first = await trainModel(tf, train, {
      ...o,
      epochs: 2,
      afterEpoch: async (_e, params, _l, optimizer) => {
        saved = { params, optimizer: await optimizer() };
      },
    });
    first.model.dispose();
    assert.ok(saved);
    // Two epochs of ceil(160 / 64) = 3 batches; a moment pair per trainable weight.
    assert.equal(saved.optimizer.iterations, 6);
    assert.equal(saved.optimizer.moments.length, 2 * whole.params.length);
    const resumed = await trainModel(tf, train, {
      ...o,
      initial: saved.params,
      startEpoch: 2,
      optimizerState: saved.optimizer,
    });
    resumed.model.dispose();
    assert.deepEqual(resumed.params, whole.params);
    // Without the optimiser's state the resumed run is a different one: the test can tell the two apart.
    const fresh = await trainModel(tf, train, { ...o, initial: saved.params, startEpoch: 2 });
    fresh.model.dispose();
    assert.notDeepEqual(fresh.params, whole.params);
  },
);

test(
  'weight averaging, label smoothing and offset augmentation resume too: a run stopped inside the averaging window ends as the whole run',
  { skip: SKIP },
  async () => {
    const tf = await tfReady();
    const { train } = ustcSplit(8, 0, 32);
    const o = { arch: DEFAULT_ARCH, epochs: 4, seed: 6, labelSmoothing: 0.1, averageLast: 2, shift: 16 };
    const whole = await trainModel(tf, train, o);
    whole.model.dispose();
    const last = await trainModel(tf, train, { ...o, averageLast: 1 });
    last.model.dispose();
    // The average of epochs 3 and 4 is not the parameters after epoch 4.
    assert.notDeepEqual(whole.params, last.params);
    // The augmentation changes what is trained on: without it the run ends elsewhere.
    const unshifted = await trainModel(tf, train, { ...o, shift: 0 });
    unshifted.model.dispose();
    assert.notDeepEqual(whole.params, unshifted.params);
    let saved: { params: Float32Array[]; optimizer: OptimizerState; average?: AverageState } | undefined;
    const stop = new Error('stopped after epoch 3');
    await assert.rejects(
      trainModel(tf, train, {
        ...o,
        afterEpoch: async (e, params, _l, optimizer, average) => {
          if (e < 2) {
            assert.equal(average, undefined); // the window is the last two epochs
            return;
          }
          saved = { params, optimizer: await optimizer(), average };
          throw stop; // as kill -9 after the checkpoint of epoch 3
        },
      }),
      (err) => err === stop,
    );
    assert.ok(saved?.average);
    assert.equal(saved.average.count, 1);
    const resumed = await trainModel(tf, train, {
      ...o,
      initial: saved.params,
      startEpoch: 3,
      optimizerState: saved.optimizer,
      averageState: saved.average,
    });
    resumed.model.dispose();
    assert.deepEqual(resumed.params, whole.params);
  },
);
