import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  runSelfTrainingLoop,
  objective,
  DEFAULT_TRAIN,
  type LoopParams,
  subset,
  type LabelledSet,
} from '../../src/identify/index.js';
import { syntheticRequests, toLabelledSet } from './synthetic.js';

const base: LoopParams = {
  maxIterations: 4,
  kappa: 0.3,
  confidence: 0.95,
  alpha: 0.5,
  bootstrap: 100,
  pseudoWeight: 0.5,
  seed: 3,
  train: DEFAULT_TRAIN,
};

function sets(
  labelled: number,
  pool: number,
  val: number,
  overlap = 0.1,
): { l: LabelledSet; u: LabelledSet; v: LabelledSet } {
  const all = toLabelledSet(syntheticRequests(labelled + pool + val, 11, overlap));
  const idx = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
  return {
    l: subset(all, idx(0, labelled)),
    u: subset(all, idx(labelled, labelled + pool)),
    v: subset(all, idx(labelled + pool, labelled + pool + val)),
  };
}

test('B-6 objective: precision and coverage normalised by their historical bests', () => {
  assert.equal(objective(0.9, 0.6, 0.9, 0.8, 0.5), 0.5 * (0.6 / 0.8) + 0.5 * 1);
  assert.equal(objective(0.5, 0.5, 0.5, 0.5, 0.3), 1);
  assert.equal(objective(0, 0, 0, 0, 0.5), 0);
});

test('B-5 loop: stops at max iterations when nothing is significant; every iteration logged', () => {
  const { l, u, v } = sets(150, 300, 200);
  const logged: number[] = [];
  // κ = 0 → margin 0 → no pseudo-labels: later iterations repeat iteration 0, never significantly better.
  const r = runSelfTrainingLoop(l, u, v, { ...base, kappa: 0, maxIterations: 3 }, (it) => logged.push(it.k));
  assert.deepEqual(logged, [0, 1, 2]);
  assert.equal(r.stoppedBy, 'max-iterations');
  assert.equal(r.iterations.length, 3);
  for (const it of r.iterations) {
    assert.equal(it.pseudoPositive + it.pseudoNegative, 0);
    assert.ok(it.precision > 0 && it.recall > 0);
    if (it.k > 0) assert.ok(it.probImproved !== null && it.probImproved < 0.95);
  }
  assert.equal(r.iterations[0].probImproved, null);
});

test('B-8 step: margin = κ·B(k+1) and only samples beyond the margin are pseudo-labelled', () => {
  const { l, u, v } = sets(120, 600, 200);
  const r = runSelfTrainingLoop(l, u, v, { ...base, maxIterations: 2, confidence: 1.01 });
  const [it0, it1] = r.iterations;
  const B = (it0.precision / it0.wgMax) * (it0.recall / it0.cgMax);
  assert.equal(it1.margin, base.kappa * B);
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < u.n; i++) {
    const s = r.initial.score(u.x, i * u.width).score;
    if (s >= 1 - it1.margin) pos++;
    else if (s <= it1.margin) neg++;
  }
  assert.equal(it1.pseudoPositive, pos);
  assert.equal(it1.pseudoNegative, neg);
  assert.ok(pos > 0 && neg > 0, 'the synthetic pool has confident samples of both classes');
  assert.equal(it1.unlabelledLeft, u.n - pos - neg);
});

test('S6: the best scheme is the highest objective among iteration 0 and the significant wins', () => {
  const { l, u, v } = sets(60, 800, 300, 0.15);
  const r = runSelfTrainingLoop(l, u, v, { ...base, maxIterations: 4 });
  const last = r.iterations[r.iterations.length - 1];
  const js = r.iterations.map((it, k) =>
    k === 0 || (it.probImproved ?? 0) >= base.confidence
      ? objective(it.precision, it.recall, last.wgMax, last.cgMax, base.alpha)
      : -Infinity,
  );
  assert.equal(r.bestIteration, js.indexOf(Math.max(...js)));
  if (r.stoppedBy === 'significant-improvement') assert.ok(last.probImproved! >= base.confidence);
});

/**
 * The B-7 acceptance on a loop's result: it stopped on a significant improvement before its last iteration, the
 * published scheme is a self-trained one, and on a new draw of the same traffic (never seen by the loop) that
 * scheme raises recall by more than 0.1 without losing precision. Throws when any of that does not hold.
 */
function assertLoopImproved(r: ReturnType<typeof runSelfTrainingLoop>, maxIterations: number): void {
  assert.equal(r.stoppedBy, 'significant-improvement', JSON.stringify(r.iterations));
  const stopped = r.iterations[r.iterations.length - 1];
  assert.ok(stopped.probImproved! >= 0.6);
  assert.ok(r.iterations.length < maxIterations);
  assert.ok(r.bestIteration > 0, 'the significant win is the published scheme');
  const test = toLabelledSet(syntheticRequests(1000, 12, 0.1));
  const at = (m: typeof r.best): { p: number; rc: number } => {
    let tp = 0;
    let fp = 0;
    let pos = 0;
    for (let i = 0; i < test.n; i++) {
      const black = m.verdictOf(m.score(test.x, i * test.width).score) === 'black';
      pos += test.y[i];
      if (black && test.y[i]) tp++;
      else if (black) fp++;
    }
    return { p: tp / Math.max(1, tp + fp), rc: tp / pos };
  };
  const before = at(r.initial);
  const after = at(r.best);
  assert.ok(after.rc > before.rc + 0.1, `recall ${before.rc.toFixed(3)} → ${after.rc.toFixed(3)}`);
  assert.ok(after.p >= before.p - 0.05, `precision ${before.p.toFixed(3)} → ${after.p.toFixed(3)}`);
}

test('B-7: a significant improvement stops the loop early, and the self-trained model wins on new data', () => {
  // Deterministic (seeded data, seeded bootstrap): 30 labelled seeds, 10% of each class looking like the
  // other, a pool of 2,000. The loop must improve here; if it does not, this test fails.
  const { l, u, v } = sets(30, 2000, 400, 0.1);
  assertLoopImproved(runSelfTrainingLoop(l, u, v, { ...base, maxIterations: 6, confidence: 0.6 }), 6);
});

test('B-7 check fails when the loop cannot improve: the same data without pseudo-labels, or without a pool', () => {
  const { l, u, v } = sets(30, 2000, 400, 0.1);
  // κ = 0: the margin is 0, nothing is pseudo-labelled, every iteration retrains on the same seeds.
  const still = runSelfTrainingLoop(l, u, v, { ...base, maxIterations: 6, confidence: 0.6, kappa: 0 });
  assert.throws(() => assertLoopImproved(still, 6), assert.AssertionError);
  // An empty pool: nothing to learn from.
  const empty = subset(u, []);
  const none = runSelfTrainingLoop(l, empty, v, { ...base, maxIterations: 6, confidence: 0.6 });
  assert.throws(() => assertLoopImproved(none, 6), assert.AssertionError);
});

test('self-training is off unless it wins: without a significant win the result is the seed-only model', () => {
  // The seeds already cover this traffic: pseudo-labels add nothing measurable.
  const { l, u, v } = sets(40, 1500, 400, 0.05);
  const r = runSelfTrainingLoop(l, u, v, { ...base, maxIterations: 6, confidence: 0.6 });
  assert.notEqual(r.stoppedBy, 'significant-improvement');
  assert.ok(r.iterations.slice(1).every((it) => (it.probImproved ?? 0) < 0.6));
  assert.equal(r.bestIteration, 0);
  assert.equal(r.best, r.initial);
});

test('evaluation: /24 groups never straddle the splits; a fixed test mask is honoured', async () => {
  const { evaluate, splitForEvaluation } = await import('../../src/identify/evaluate.js');
  const all = toLabelledSet(syntheticRequests(600, 31));
  for (let i = 0; i < all.n; i++) all.group[i] = i % 40; // 40 neighbourhoods
  const s = splitForEvaluation(all, { testShare: 0.3, validationShare: 0.25, labelledShare: 0.3 });
  const sides = [s.test, s.validation, s.labelled, s.unlabelled].map((x) => new Set(x.group));
  for (let a = 0; a < 4; a++)
    for (let b = a + 1; b < 4; b++)
      for (const g of sides[a]) assert.equal(sides[b].has(g), false, `group ${g} on two sides`);
  assert.equal(s.test.n + s.validation.n + s.labelled.n + s.unlabelled.n, all.n);
  const mask = Uint8Array.from({ length: all.n }, (_, i) => (i < 100 ? 1 : 0));
  const r = evaluate('masked', all, { testMask: mask, loop: { maxIterations: 1 } });
  assert.equal(r.sizes.test, 100);
  assert.equal(r.iterations.length, 1);
  assert.ok(r.withoutSelfTraining.prAuc > 0.5);
});

test('B-8 step with a cap: at most cap × labelled per iteration, in the seeds’ class ratio, most confident first', () => {
  const { l, u, v } = sets(120, 600, 200);
  const cap = 0.2;
  const r = runSelfTrainingLoop(l, u, v, { ...base, maxIterations: 3, confidence: 1.01, pseudoCap: cap });
  const total = Math.floor(cap * l.n);
  let lp = 0;
  for (let i = 0; i < l.n; i++) lp += l.y[i];
  const posQuota = Math.round((total * lp) / l.n);
  const [, it1, it2] = r.iterations;
  assert.ok(it1.pseudoPositive <= posQuota && it1.pseudoNegative <= total - posQuota, JSON.stringify(it1));
  assert.ok(it1.pseudoPositive + it1.pseudoNegative > 0);
  // Uncapped, the same first step takes everything beyond the margin — more than the cap allows.
  const free = runSelfTrainingLoop(l, u, v, { ...base, maxIterations: 2, confidence: 1.01 }).iterations[1];
  assert.ok(free.pseudoPositive + free.pseudoNegative > it1.pseudoPositive + it1.pseudoNegative);
  // What was not taken stays in the pool for the next iteration.
  assert.equal(it2.unlabelledLeft, it1.unlabelledLeft - it2.pseudoPositive - it2.pseudoNegative);
  // With more candidates beyond the margin than the quota, the quota is filled exactly.
  let beyond = 0;
  for (let i = 0; i < u.n; i++) if (r.initial.score(u.x, i * u.width).score >= 1 - it1.margin) beyond++;
  assert.equal(it1.pseudoPositive, Math.min(beyond, posQuota));
});
