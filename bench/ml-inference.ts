/**
 * Inference throughput of the payload CNN on one thread (tfjs wasm is single-threaded here): the fused batched
 * classifier against the plain tfjs model (embedding gather + both convolutions on wasm) in the same run, on the
 * corpus sessions. Reported per CPU-second (the machine is shared; wall time is printed too) and as a ratio.
 * `node dist/bench/ml-inference.js [DIR] [--rounds N] [--arch JSON]`: with `--arch`, a candidate architecture (fields
 * over the default's) is measured too, in the same run, so the two are compared under the same load.
 */
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import {
  Classifier,
  DEFAULT_ARCH,
  ML_RECIPE,
  framingAdjust,
  buildModel,
  exportModel,
  inputRows,
  maskSet,
  modelParams,
  readUstcFolder,
  tfReady,
  type Arch,
} from '../src/ml/index.js';
import { BENCH_META } from './ml-fold.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const rounds = Number(opt('rounds') ?? 3);
const candidate = opt('arch');
const dir =
  args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ??
  join(process.cwd(), '..', 'shared', 'corpus', 'ml', 'ustc-tfc2016-20class-session-l7');

const tf = await tfReady();
const set = readUstcFolder(dir);

function measure(name: string, run: () => void): number {
  run(); // warm-up: wasm compilation, kernel set-up
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) run();
  const cpu = process.cpuUsage(c0);
  const wall = (performance.now() - t0) / 1000;
  const perCpu = (rounds * set.n) / ((cpu.user + cpu.system) / 1e6);
  console.log(
    `${name.padEnd(34)} ${Math.round(perCpu).toString().padStart(7)} sessions/CPU-s   ${Math.round(
      (rounds * set.n) / wall,
    )
      .toString()
      .padStart(7)} sessions/s wall`,
  );
  return perCpu;
}

function bench(label: string, arch: Arch): void {
  const model = buildModel(tf, arch, 5);
  const file = exportModel(model, arch, BENCH_META);
  const size = Buffer.byteLength(JSON.stringify(file));
  const classifier = new Classifier(tf, file.manifest, modelParams(model).arrays);
  const fused = measure(`${label}: fused classifier (moat)`, () => {
    const m = maskSet(set).set;
    classifier.predict(m.bytes, m.n, m.width);
  });
  // The recipe's framing side input (one record walk and one map lookup a session), with the table of this set.
  const adjusted = exportModel(model, arch, {
    ...BENCH_META,
    ...framingAdjust(set, arch, ML_RECIPE.framingWeight || 2),
  });
  const withFraming = new Classifier(tf, adjusted.manifest, modelParams(model).arrays);
  const framed = measure(`${label}: fused + framing table`, () => {
    const m = maskSet(set).set;
    withFraming.predict(m.bytes, m.n, m.width);
  });
  withFraming.dispose();
  const x = inputRows(set, arch.inputBytes);
  const plain = measure(`${label}: tfjs model.predict (peer)`, () => {
    for (let from = 0; from < set.n; from += 512) {
      const n = Math.min(512, set.n - from);
      const t = tf.tensor2d(
        x.subarray(from * arch.inputBytes, (from + n) * arch.inputBytes),
        [n, arch.inputBytes],
        'int32',
      );
      const out = model.predict(t) as TF.Tensor;
      out.dataSync();
      t.dispose();
      out.dispose();
    }
  });
  classifier.dispose();
  model.dispose();
  console.log(
    `${label} ${JSON.stringify(arch)}: ${set.n} sessions × ${rounds} rounds, model ${(file.manifest.paramBytes / 1024).toFixed(0)} kB parameters, file ${(size / 1024).toFixed(0)} kB; fused / plain = ${(fused / plain).toFixed(2)}×, with framing / plain = ${(framed / plain).toFixed(2)}× (file ${(Buffer.byteLength(JSON.stringify(adjusted)) / 1024).toFixed(0)} kB); goal 10,000 sessions/s on one core: ${Math.min(fused, framed) >= 10_000 ? 'met' : 'NOT met'}\n`,
  );
}

bench('default', DEFAULT_ARCH);
if (candidate) {
  const over = JSON.parse(candidate) as Partial<Arch>;
  bench('candidate', { ...DEFAULT_ARCH, ...over });
}
