/**
 * Inference throughput of the payload CNN on one thread (tfjs wasm is single-threaded here): the fused batched
 * classifier against the plain tfjs model (embedding gather + both convolutions on wasm) in the same run, on the
 * corpus sessions. Reported per CPU-second (the machine is shared; wall time is printed too) and as a ratio.
 * `node dist/bench/ml-inference.js [DIR] [--rounds N]`.
 */
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import {
  Classifier,
  DEFAULT_ARCH,
  USTC_CLASS_NAMES,
  USTC_MALICIOUS,
  buildModel,
  exportModel,
  inputRows,
  maskSet,
  modelParams,
  readUstcFolder,
  tfReady,
} from '../src/ml/index.js';

const args = process.argv.slice(2);
const ri = args.indexOf('--rounds');
const rounds = ri >= 0 ? Number(args[ri + 1]) : 3;
const dir =
  args.find((a) => !a.startsWith('--') && a !== String(rounds)) ??
  join(process.cwd(), '..', 'shared', 'corpus', 'ml', 'ustc-tfc2016-20class-session-l7');

const tf = await tfReady();
const set = readUstcFolder(dir);
const model = buildModel(tf, DEFAULT_ARCH, 5);
const file = exportModel(model, DEFAULT_ARCH, {
  name: 'bench',
  version: '0',
  classNames: USTC_CLASS_NAMES,
  maliciousClasses: USTC_MALICIOUS,
  training: {},
  metrics: {},
});
const size = Buffer.byteLength(JSON.stringify(file));

function measure(name: string, run: () => void): number {
  run(); // warm-up: wasm compilation, kernel set-up
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) run();
  const cpu = process.cpuUsage(c0);
  const wall = (performance.now() - t0) / 1000;
  const perCpu = (rounds * set.n) / ((cpu.user + cpu.system) / 1e6);
  console.log(
    `${name.padEnd(28)} ${Math.round(perCpu).toString().padStart(7)} sessions/CPU-s   ${Math.round(
      (rounds * set.n) / wall,
    )
      .toString()
      .padStart(7)} sessions/s wall`,
  );
  return perCpu;
}

const classifier = new Classifier(tf, file.manifest, modelParams(model).arrays);
const fused = measure('fused classifier (moat)', () => {
  const m = maskSet(set).set;
  classifier.predict(m.bytes, m.n, m.width);
});
const x = inputRows(set, DEFAULT_ARCH.inputBytes);
const plain = measure('tfjs model.predict (peer)', () => {
  for (let from = 0; from < set.n; from += 512) {
    const n = Math.min(512, set.n - from);
    const t = tf.tensor2d(
      x.subarray(from * DEFAULT_ARCH.inputBytes, (from + n) * DEFAULT_ARCH.inputBytes),
      [n, DEFAULT_ARCH.inputBytes],
      'int32',
    );
    const out = model.predict(t) as TF.Tensor;
    out.dataSync();
    t.dispose();
    out.dispose();
  }
});
console.log(
  `\n${set.n} sessions × ${rounds} rounds, model ${(file.manifest.paramBytes / 1024).toFixed(0)} kB parameters, file ${(size / 1024).toFixed(0)} kB; fused / plain = ${(fused / plain).toFixed(2)}×; goal 10,000 sessions/s on one core: ${fused >= 10_000 ? 'met' : 'NOT met'}`,
);
