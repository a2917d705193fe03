/**
 * The shipped training path against the out-of-distribution gate (issue 15 §5): `moat identify train --ustc` with
 * its defaults (the corpus's benign captures split by capture, USTC's infrastructure positives, every gate at its
 * default) must publish and activate a model. The gate's count is recounted here from the stored model, so the test
 * fails if the gate, the reference or the count drift apart, and the published model's rules must not split on a
 * total that grows with the observation window.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runMoat } from './cli-child.js';
import { openSqlite } from '../../src/store/index.js';
import {
  ModelRegistry,
  benignBlack,
  MAX_BENIGN_BLACK_RATE,
  WINDOW_TOTALS,
} from '../../src/identify/index.js';
import { benignReference, benignSamples, corpusBenignSplit } from '../../src/cli/commands/identify/benign.js';

const USTC = join(process.cwd(), '..', 'shared', 'corpus', 'ml', 'ustc-tfc2016-conversations');
const skip = existsSync(USTC) && corpusBenignSplit() ? false : 'corpus ../shared/corpus absent';

test(
  'identify train --ustc with the shipped defaults: published and active, ≤ 1% of the benign reference black',
  { skip },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'moat-shipped-gate-'));
    try {
      const db = join(dir, 'm.db');
      const r = runMoat(['identify', 'train', '--ustc', USTC, '--db', db, '--json']);
      assert.notEqual(r.code, 2, r.err);
      const summary = JSON.parse(r.out) as {
        published: boolean;
        reasons: string[];
        version: number;
        report: { withFinal: { precision: number; coverage: number } };
      };
      const split = corpusBenignSplit()!;
      const training = await benignSamples(split.training);
      const ref = await benignReference(split.reference, new Set(training.samples.map((s) => s.ip)));
      // No capture is on both sides: the reference holds no address of a training capture.
      assert.ok(ref.n >= 100, `only ${ref.n} reference addresses`);
      const model = new ModelRegistry(openSqlite(db)).load(summary.version);
      const black = benignBlack(model, ref);
      const over = black / ref.n > MAX_BENIGN_BLACK_RATE;
      assert.equal(over, false, `${black} of ${ref.n} reference addresses black`);
      assert.equal(summary.published, true, summary.reasons.join('; '));
      assert.equal(r.code, 0);
      const m = summary.report.withFinal;
      assert.ok(
        m.precision >= 0.95 && m.coverage >= 0.8,
        `held out: P ${m.precision}, coverage ${m.coverage}`,
      );
      assert.equal(new ModelRegistry(openSqlite(db)).activeVersion(), summary.version);
      for (const rule of model.describe())
        for (const f of WINDOW_TOTALS) assert.doesNotMatch(rule, new RegExp(`\\b${f} [<>]`), rule);
      t.diagnostic(
        `shipped path: benign reference black ${black} / ${ref.n} (${((100 * black) / ref.n).toFixed(1)}%), held-out precision ${m.precision.toFixed(3)}, coverage ${m.coverage.toFixed(3)}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
