/**
 * The shipped training path against the out-of-distribution gate (issue 15 §5): `moat identify train` with its
 * default benign captures (the corpus's, split by capture) stores a model whose publication follows the gate's
 * count on the reference — recounted here from the stored model, so the test fails if the gate, the reference or
 * the count drifts apart, whatever the rate is. Only the gate decides (precision and coverage gates at 0).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runMoat, sliceUstc } from './cli-child.js';
import { openSqlite } from '../../src/store/index.js';
import { ModelRegistry, benignBlack, MAX_BENIGN_BLACK_RATE } from '../../src/identify/index.js';
import { benignReference, benignSamples, corpusBenignSplit } from '../../src/cli/commands/identify/benign.js';

const USTC = join(process.cwd(), '..', 'shared', 'corpus', 'ml', 'ustc-tfc2016-conversations');
const skip = existsSync(USTC) && corpusBenignSplit() ? false : 'corpus ../shared/corpus absent';

test(
  'identify train: the out-of-distribution gate publishes or refuses by the reference’s own count',
  { skip },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'moat-shipped-gate-'));
    try {
      const sub = join(dir, 'ustc');
      sliceUstc(USTC, sub, 600);
      const db = join(dir, 'm.db');
      const args = [
        'identify',
        'train',
        '--ustc',
        sub,
        '--db',
        db,
        '--min-precision',
        '0',
        '--min-coverage',
        '0',
      ];
      const r = runMoat([...args, '--json']);
      assert.notEqual(r.code, 2, r.err);
      const summary = JSON.parse(r.out) as { published: boolean; reasons: string[]; version: number };
      const split = corpusBenignSplit()!;
      const training = await benignSamples(split.training);
      const ref = await benignReference(split.reference, new Set(training.samples.map((s) => s.ip)));
      // No capture is on both sides: the reference holds no address of a training capture.
      assert.ok(ref.n >= 100, `only ${ref.n} reference addresses`);
      const model = new ModelRegistry(openSqlite(db)).load(summary.version);
      const black = benignBlack(model, ref);
      const over = black / ref.n > MAX_BENIGN_BLACK_RATE;
      assert.equal(summary.published, !over, `${black} of ${ref.n} black; ${summary.reasons.join('; ')}`);
      assert.equal(r.code, over ? 1 : 0);
      if (over)
        assert.match(
          summary.reasons.join('; '),
          new RegExp(`calls black ${black} of ${ref.n} public addresses`),
        );
      // The refused model is kept, never activated.
      const reg = new ModelRegistry(openSqlite(db));
      assert.equal(reg.activeVersion(), over ? null : summary.version);
      t.diagnostic(
        `shipped path (USTC slice of 600 rows per class): benign reference black ${black} / ${ref.n} (${((100 * black) / ref.n).toFixed(1)}%) → ${summary.published ? 'published' : 'refused'}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
