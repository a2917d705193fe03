/**
 * Exploration for the payload CNN: trains variants (architecture overrides, epochs, learning-rate schedule) on the
 * training part of one stratified fold and scores the held-out fold; prints macro-F1 and the largest confusions.
 * `node dist/bench/ml-explore.js --fold 0 --variants '[{"name":"x","epochs":8,"arch":{...}}]' [--sample P]`.
 */
import { join } from 'node:path';
import {
  Classifier,
  DEFAULT_ARCH,
  USTC_CLASS_NAMES,
  USTC_MALICIOUS,
  complement,
  exportModel,
  maskSet,
  readUstcFolder,
  score,
  stratifiedFolds,
  subset,
  tfReady,
  trainModel,
  type Arch,
} from '../src/ml/index.js';

interface Variant {
  name: string;
  epochs: number;
  lr?: number;
  lrFloor?: number;
  batch?: number;
  labelSmoothing?: number;
  averageLast?: number;
  arch?: Partial<Arch>;
}

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const dir = join(process.cwd(), '..', 'shared', 'corpus', 'ml', 'ustc-tfc2016-20class-session-l7');
const fold = Number(opt('fold') ?? 0);
const variants = JSON.parse(opt('variants') ?? '[]') as Variant[];

const tf = await tfReady();
const set = readUstcFolder(dir);
const folds = stratifiedFolds(set.labels, 5, 1);
const train = subset(set, complement(set.n, folds[fold]));
const held = subset(set, folds[fold]);
for (const v of variants) {
  const arch: Arch = { ...DEFAULT_ARCH, ...v.arch };
  const cpu0 = process.cpuUsage();
  const r = await trainModel(tf, train, {
    arch,
    epochs: v.epochs,
    seed: 1 + fold,
    learningRate: v.lr,
    lrFloor: v.lrFloor,
    batchSize: v.batch,
    labelSmoothing: v.labelSmoothing,
    averageLast: v.averageLast,
  });
  const cpu = process.cpuUsage(cpu0);
  const file = exportModel(r.model, arch, {
    name: 'x',
    version: '0',
    classNames: USTC_CLASS_NAMES,
    maliciousClasses: USTC_MALICIOUS,
    training: {},
    metrics: {},
  });
  r.model.dispose();
  const c = new Classifier(tf, file.manifest, r.params);
  const m = maskSet(held).set;
  const p = c.predict(m.bytes, m.n, m.width);
  const s = score(held.labels, p.cls, arch.classes);
  const pairs: string[] = [];
  s.confusion.forEach((row, t) =>
    row.forEach((n, q) => {
      if (t !== q && n >= 3) pairs.push(`${USTC_CLASS_NAMES[t]}→${USTC_CLASS_NAMES[q]} ${n}`);
    }),
  );
  const params = r.params.reduce((a, b) => a + b.length, 0);
  console.log(
    `${v.name}: fold ${fold} macro-F1 ${s.macroF1.toFixed(4)} acc ${s.accuracy.toFixed(4)} params ${params} train ${((cpu.user + cpu.system) / 1e6).toFixed(0)} CPU-s loss ${r.losses.map((l) => l.toFixed(3)).join(' ')}`,
  );
  console.log(`  confusions: ${pairs.join(', ')}`);
  console.log(
    `  worst F1: ${[...s.perClass]
      .sort((a, b) => a.f1 - b.f1)
      .slice(0, 6)
      .map((x) => `${USTC_CLASS_NAMES[x.cls]} ${x.f1.toFixed(3)}`)
      .join(', ')}`,
  );
}
