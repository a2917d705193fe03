/**
 * The training worker's side of cloud training (./cloud.ts): one job folder holding `data.sealed`; the key arrives
 * on a pipe. Writes `model.sealed` and `worker.log` (one signed line) and leaves nothing else behind.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { ML_RECIPE, framingAdjust } from './recipe.js';
import { decodeSet, open, seal, signLog, type WorkerLog } from './cloud.js';
import { exportModel } from './model-io.js';
import { serialiseModel, sha256Hex } from './model-file.js';
import { trainModel } from './train.js';
import { USTC_CLASS_NAMES, USTC_MALICIOUS } from './ustc.js';

export interface WorkerJob {
  dir: string;
  /** The appliance key; zeroed here when the job ends, whatever happens. */
  key: Buffer;
  signingKeyPem: string;
  epochs: number;
  version: string;
}

export async function runWorkerJob(tf: typeof TF, job: WorkerJob): Promise<WorkerLog> {
  const sealedPath = join(job.dir, 'data.sealed');
  const work = join(job.dir, 'work');
  const plainPath = join(work, 'data.plain');
  let plain: Buffer | undefined;
  let modelSha = '';
  let datasetSha = '';
  try {
    const sealed = readFileSync(sealedPath);
    datasetSha = sha256Hex(sealed);
    plain = open(sealed, job.key, 'dataset', sealedPath);
    // The working copy a real trainer keeps on its disk while it runs.
    mkdirSync(work, { recursive: true, mode: 0o700 });
    writeFileSync(plainPath, plain, { mode: 0o600 });
    const set = decodeSet(plain, 'job data set');
    const arch = { ...ML_RECIPE.arch, inputBytes: Math.min(ML_RECIPE.arch.inputBytes, set.width) };
    const r = await trainModel(tf, set, {
      arch,
      epochs: job.epochs,
      seed: 1,
      learningRate: ML_RECIPE.learningRate,
      labelSmoothing: ML_RECIPE.labelSmoothing,
      averageLast: ML_RECIPE.averageLast,
    });
    const file = exportModel(r.model, arch, {
      name: 'payload-cnn',
      version: job.version,
      classNames: USTC_CLASS_NAMES,
      maliciousClasses: USTC_MALICIOUS,
      training: { where: 'cloud worker', sessions: set.n, epochs: job.epochs },
      metrics: {},
      ...framingAdjust(set, arch),
    });
    r.model.dispose();
    modelSha = file.sha256;
    writeFileSync(join(job.dir, 'model.sealed'), seal(Buffer.from(serialiseModel(file)), job.key, 'model'));
  } finally {
    const deleted: string[] = [];
    for (const p of [plainPath, sealedPath]) {
      if (existsSync(p)) {
        // Overwrite before unlinking: the plaintext should not survive in the freed blocks either.
        const size = readFileSync(p).length;
        writeFileSync(p, Buffer.alloc(size));
        rmSync(p);
        deleted.push(p);
      }
    }
    rmSync(work, { recursive: true, force: true });
    job.key.fill(0);
    plain?.fill(0);
    const log: WorkerLog = {
      job: job.dir,
      at: new Date().toISOString(),
      datasetSha256: datasetSha,
      modelSha256: modelSha,
      deleted,
      keyZeroed: job.key.every((b) => b === 0),
      plaintextZeroed: plain ? plain.every((b) => b === 0) : true,
    };
    writeFileSync(join(job.dir, 'worker.log'), `${signLog(log, job.signingKeyPem)}\n`);
  }
  return JSON.parse(readFileSync(join(job.dir, 'worker.log'), 'utf8')) as WorkerLog;
}
