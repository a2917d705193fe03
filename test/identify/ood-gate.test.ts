/**
 * The out-of-distribution gate of `registry.submit` (issue 15 §5): the public addresses of benign corpus
 * captures — TLS captures of FoxIO's JA4 suite and Zeek's TLS traces, turned into flows by moat's own engine —
 * form a reference set; a model that calls more than 1% of them black is refused like one that misses precision.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openSqlite } from '../../src/store/index.js';
import { analyzeToEvents } from '../../src/pipeline/collect.js';
import {
  benignBlack,
  FEATURE_COUNT,
  FEATURE_NAMES,
  IdentifyModel,
  MODEL_FORMAT,
  ModelRegistry,
  samplesFromEve,
  trainModel,
  DEFAULT_TRAIN,
  groupFraction,
  type BenignReference,
  type LabelledSet,
} from '../../src/identify/index.js';
import { featurise } from '../../src/identify/evaluate.js';
import { allBlackModel, syntheticRequests, toLabelledSet } from './synthetic.js';

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');
/** Attack and evasion captures of those suites are not benign traffic. */
const NOT_BENIGN = new Set(['CVE-2018-6794.pcap', 'badcurveball.pcap']);

async function benignReference(): Promise<BenignReference & { captures: number }> {
  const files = [
    ...readdirSync(join(CORPUS, 'tls', 'ja4', 'pcap')).map((f) => join(CORPUS, 'tls', 'ja4', 'pcap', f)),
    ...readdirSync(join(CORPUS, 'tls', 'zeek', 'traces', 'tls')).map((f) =>
      join(CORPUS, 'tls', 'zeek', 'traces', 'tls', f),
    ),
  ].filter((f) => /\.(pcap|pcapng|cap)$/.test(f) && !NOT_BENIGN.has(f.slice(f.lastIndexOf('/') + 1)));
  const captures: unknown[][] = [];
  for (const f of files) {
    try {
      captures.push((await analyzeToEvents(f)).events as unknown[]);
    } catch {
      // A capture moat cannot read adds nothing to the reference; the decode tests own that failure.
    }
  }
  const { samples } = samplesFromEve(captures);
  const set = featurise(samples, {});
  return {
    name: 'corpus tls/ja4 + tls/zeek',
    x: set.x,
    n: set.n,
    width: set.width,
    captures: captures.length,
  };
}

const gates = { minPrecision: 0.9, minCoverage: 0.8 };
const good = { precision: 0.99, coverage: 0.95 };

test('a model that calls the benign internet black is refused; one that does not is published', async () => {
  const ref = await benignReference();
  assert.ok(ref.n >= 30, `only ${ref.n} public addresses in the benign reference`);
  const reg = new ModelRegistry(openSqlite(':memory:'));
  const black = reg.submit(allBlackModel(), good, gates, ref);
  assert.equal(black.published, false);
  assert.match(
    black.reasons.join('; '),
    new RegExp(`calls black ${ref.n} of ${ref.n} public addresses \\(100.0%\\)`),
  );
  assert.throws(() => reg.activate(black.version), /refused by the gates/);
  const quiet = new IdentifyModel({
    format: MODEL_FORMAT,
    features: [...FEATURE_NAMES],
    tree: { leaf: true, id: 0, p: 0, n: 1, pos: 0 },
    thresholds: { black: 0.5, gray: 0.2 },
    trainedAt: new Date(0).toISOString(),
    info: {},
  });
  const ok = reg.submit(quiet, good, gates, ref);
  assert.equal(ok.published, true, ok.reasons.join('; '));
  const synthetic = trainModel(toLabelledSet(syntheticRequests(600, 1)), DEFAULT_TRAIN);
  const k = benignBlack(synthetic, ref);
  const r = reg.submit(synthetic, good, gates, ref);
  assert.equal(r.published, k / ref.n <= 0.01);
  console.log(
    `# benign reference: ${ref.n} public addresses from ${ref.captures} captures; all-black model ${ref.n}/${ref.n} refused; synthetic-trained model calls ${k} black (${((100 * k) / ref.n).toFixed(1)}%) → ${r.published ? 'published' : 'refused'}`,
  );
});

test('the gate is on by default: no reference refuses, the registry’s own reference judges', () => {
  const quiet = new IdentifyModel({
    format: MODEL_FORMAT,
    features: [...FEATURE_NAMES],
    tree: { leaf: true, id: 0, p: 0, n: 1, pos: 0 },
    thresholds: { black: 0.5, gray: 0.2 },
    trainedAt: new Date(0).toISOString(),
    info: {},
  });
  const bare = new ModelRegistry(openSqlite(':memory:'));
  const none = bare.submit(quiet, good, gates);
  assert.equal(none.published, false);
  assert.match(none.reasons.join('; '), /no benign reference for the out-of-distribution gate/);
  // A registry holding a reference applies it to every submission that brings none.
  const x = new Float64Array(FEATURE_NAMES.length * 3).fill(-1);
  const ref: BenignReference = { name: 'three addresses', x, n: 3, width: FEATURE_NAMES.length };
  const reg = new ModelRegistry(openSqlite(':memory:'), { benign: ref });
  const black = reg.submit(allBlackModel(), good, gates);
  assert.equal(black.published, false);
  assert.match(black.reasons.join('; '), /calls black 3 of 3 public addresses .* 'three addresses'/);
  assert.equal(reg.submit(quiet, good, gates).published, true);
});

/** 1,600 rows, 500 abuse then benign, each its own group; feature 0 is set per row by `f0`. */
function oneFeatureSet(f0: (i: number) => number): LabelledSet {
  const n = 1600;
  const set: LabelledSet = {
    x: new Float64Array(n * FEATURE_COUNT).fill(-1),
    y: new Uint8Array(n),
    w: new Float64Array(n).fill(1),
    group: Uint32Array.from({ length: n }, (_, i) => i),
    n,
    width: FEATURE_COUNT,
  };
  for (let i = 0; i < n; i++) {
    set.y[i] = i < 500 ? 1 : 0;
    set.x[i * FEATURE_COUNT] = f0(i);
  }
  return set;
}

/** Of the benign rows trainModel holds aside (whole groups) for calibration and the bound, how many `hit`. */
function heldAsideBenign(
  set: LabelledSet,
  m: IdentifyModel,
  hit: (verdict: string) => boolean,
): { hits: number; n: number } {
  let hits = 0;
  let n = 0;
  for (let i = 0; i < set.n; i++)
    if (set.y[i] === 0 && groupFraction(set.group[i], 7) < DEFAULT_TRAIN.calibrationShare) {
      n++;
      if (hit(m.verdictOf(m.score(set.x, i * set.width).score))) hits++;
    }
  return { hits, n };
}

test('real benign rows bound the black threshold on rows the tree never grew on: ≤ 1% of held-aside ones are black', () => {
  // One feature tells the classes apart except for 2% of benign rows that look exactly like abuse: the leaf
  // holding them still reaches precision 0.95, so a precision threshold alone calls them black.
  const set = oneFeatureSet((i) => (i < 500 || i % 50 === 0 ? 40 : 3));
  const black = (v: string): boolean => v === 'black';
  const plain = heldAsideBenign(set, trainModel(set, DEFAULT_TRAIN), black);
  assert.ok(plain.hits > plain.n * 0.01, `without the bound ${plain.hits} of ${plain.n} are black`);
  set.realBenign = Uint8Array.from(set.y, (y) => (y === 0 ? 1 : 0));
  const bounded = trainModel(set, DEFAULT_TRAIN);
  const b = heldAsideBenign(set, bounded, black);
  assert.ok(b.n > 200, `only ${b.n} held-aside benign rows`);
  assert.ok(b.hits <= Math.floor(b.n * 0.01), `${b.hits} of ${b.n} held-aside real benign rows black`);
  assert.ok(typeof bounded.data.info.blackThresholdRaisedForRealBenign === 'number');
});

test('real benign rows bound the gray threshold too: ≤ 5% of held-aside benign rows gray or black', () => {
  // Feature 0 = 20 holds 200 abuse rows and 10% of the benign ones: precision 0.65 makes that leaf gray by the
  // precision rule alone, which would put a tenth of benign traffic in the gray band.
  const set = oneFeatureSet((i) => (i < 300 ? 40 : i < 500 ? 20 : i % 10 === 1 ? 20 : 3));
  const flagged = (v: string): boolean => v !== 'clean';
  const plain = heldAsideBenign(set, trainModel(set, DEFAULT_TRAIN), flagged);
  assert.ok(plain.hits > plain.n * 0.05, `without the bound ${plain.hits} of ${plain.n} are gray`);
  set.realBenign = Uint8Array.from(set.y, (y) => (y === 0 ? 1 : 0));
  const bounded = trainModel(set, DEFAULT_TRAIN);
  const b = heldAsideBenign(set, bounded, flagged);
  assert.ok(b.hits <= Math.floor(b.n * 0.05), `${b.hits} of ${b.n} held-aside benign rows gray or black`);
  assert.ok(typeof bounded.data.info.grayThresholdRaisedForRealBenign === 'number');
  // The abuse rows at 40 stay flagged.
  assert.notEqual(bounded.verdictOf(bounded.score(set.x, 0).score), 'clean');
});
