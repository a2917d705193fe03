/**
 * Local training within the appliance's means: the process drops to the lowest CPU priority, trains only
 * while the load average per core is under a threshold or inside a night window, holds its CPU use to a budget (a
 * share of one core, by sleeping between batches), and writes a checkpoint after every epoch — atomically (temp
 * file + rename), so `kill -9` at any instant leaves either the previous checkpoint or the new one, never half of
 * one. A run started again with the same data and settings resumes after the last checkpointed epoch, with the
 * parameters and Adam's step count and moment estimates as they were: it continues the run that was killed, rather
 * than restarting the optimiser.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, setPriority } from 'node:os';
import type * as TF from '@tensorflow/tfjs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Arch } from './arch.js';
import type { SessionSet } from './idx.js';
import { canonicalJson, sha256Hex } from './model-file.js';
import { trainModel, type Trained } from './train.js';
import { ConfigError } from '../framework/errors.js';

export interface Budget {
  /** Train only while loadavg(1 min) / cores is below this (unless in the night window). */
  maxLoadPerCore?: number;
  /** Hours [from, to) in local time when training runs whatever the load, e.g. [1, 6]. */
  nightWindow?: [number, number];
  /** Largest share of one core the trainer may use, 0–1 (sleeps between batches to keep under it). */
  cpuShare?: number;
}

export interface LocalTrainOptions {
  arch: Arch;
  epochs: number;
  seed: number;
  learningRate?: number;
  labelSmoothing?: number;
  averageLast?: number;
  checkpoint?: string;
  budget?: Budget;
  log?: (line: string) => void;
  /** For tests: the clock and load the gate reads. */
  now?: () => Date;
  load?: () => number;
}

export interface LocalTrainResult extends Trained {
  resumedFrom: number;
  cpuSeconds: number;
  wallSeconds: number;
  waitedSeconds: number;
}

interface Checkpoint {
  key: string;
  epoch: number;
  params: string[];
  /** Adam's state (absent in checkpoints written before it was kept: those resume with fresh moments). */
  optimizer?: { iterations: number; moments: { shape: number[]; data: string }[] };
  /** Weight averaging's running sum (float64), once its window has begun. */
  average?: { count: number; sum: string[] };
  sha256: string;
}

const b64 = (p: Float32Array | Float64Array): string =>
  Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('base64');
const f32 = (b: string): Float32Array => new Float32Array(new Uint8Array(Buffer.from(b, 'base64')).buffer);
const f64 = (b: string): Float64Array => new Float64Array(new Uint8Array(Buffer.from(b, 'base64')).buffer);

export function inWindow(hour: number, w: [number, number]): boolean {
  return w[0] <= w[1] ? hour >= w[0] && hour < w[1] : hour >= w[0] || hour < w[1];
}

function readCheckpoint(path: string, key: string, log: (l: string) => void): Checkpoint | null {
  if (!existsSync(path)) return null;
  try {
    const c = JSON.parse(readFileSync(path, 'utf8')) as Checkpoint;
    if (sha256Hex(canonicalJson({ ...c, sha256: undefined })) !== c.sha256) {
      log(`checkpoint ${path}: hash does not match, ignored`);
      return null;
    }
    if (c.key !== key) {
      log(`checkpoint ${path} is of another data set or settings, ignored`);
      return null;
    }
    return c;
  } catch {
    log(`checkpoint ${path} does not parse, ignored`);
    return null;
  }
}

export async function trainLocally(
  tf: typeof TF,
  set: SessionSet,
  o: LocalTrainOptions,
): Promise<LocalTrainResult> {
  const log = o.log ?? (() => undefined);
  const budget = o.budget ?? {};
  if (budget.cpuShare !== undefined && !(budget.cpuShare > 0 && budget.cpuShare <= 1))
    throw new ConfigError(`CPU budget ${budget.cpuShare}: a share of one core, above 0 and at most 1`);
  try {
    setPriority(process.pid, 19);
  } catch {
    log('could not lower the process priority');
  }
  const key = sha256Hex(
    canonicalJson({
      data: sha256Hex(set.bytes),
      labels: sha256Hex(set.labels),
      arch: o.arch,
      seed: o.seed,
      epochs: o.epochs,
      // Only when set, so checkpoints written before these settings existed still match.
      ...(o.learningRate !== undefined ? { learningRate: o.learningRate } : {}),
      ...(o.labelSmoothing ? { labelSmoothing: o.labelSmoothing } : {}),
      ...(o.averageLast && o.averageLast > 1 ? { averageLast: o.averageLast } : {}),
    }),
  );
  const cp = o.checkpoint ? readCheckpoint(o.checkpoint, key, log) : null;
  const startEpoch = cp ? cp.epoch + 1 : 0;
  if (cp) log(`resuming from the checkpoint after epoch ${startEpoch}`);
  const initial = cp?.params.map(f32);
  const optimizerState = cp?.optimizer && {
    iterations: cp.optimizer.iterations,
    moments: cp.optimizer.moments.map((m) => ({ shape: m.shape, data: f32(m.data) })),
  };
  const averageState = cp?.average && { count: cp.average.count, sum: cp.average.sum.map(f64) };
  const cores = cpus().length || 1;
  const now = o.now ?? (() => new Date());
  const load = o.load ?? (() => loadavg()[0] / cores);
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  let waited = 0;
  const allowed = (): boolean =>
    budget.maxLoadPerCore === undefined ||
    load() < budget.maxLoadPerCore ||
    (budget.nightWindow !== undefined && inWindow(now().getHours(), budget.nightWindow));
  const cpuSeconds = (): number => {
    const c = process.cpuUsage(cpu0);
    return (c.user + c.system) / 1e6;
  };
  let announced = false;
  const trained = await trainModel(tf, set, {
    arch: o.arch,
    epochs: o.epochs,
    seed: o.seed,
    learningRate: o.learningRate,
    labelSmoothing: o.labelSmoothing,
    averageLast: o.averageLast,
    initial,
    startEpoch,
    ...(optimizerState ? { optimizerState } : {}),
    ...(averageState ? { averageState } : {}),
    beforeBatch: async () => {
      while (!allowed()) {
        if (!announced) log('load over the threshold and outside the night window: waiting');
        announced = true;
        await sleep(500);
        waited += 0.5;
      }
      announced = false;
      if (budget.cpuShare !== undefined) {
        // Sleep until the CPU used so far is within the share of the wall time elapsed.
        const wall = (Date.now() - t0) / 1000;
        const over = cpuSeconds() / budget.cpuShare - wall;
        if (over > 0) {
          await sleep(over * 1000);
          waited += over;
        }
      }
    },
    afterEpoch: async (epoch, params, loss, readOptimizer, average) => {
      log(`epoch ${epoch + 1}/${o.epochs}: loss ${loss.toFixed(4)}`);
      if (!o.checkpoint) return;
      const optimizer = await readOptimizer();
      const body = {
        key,
        epoch,
        params: params.map(b64),
        optimizer: {
          iterations: optimizer.iterations,
          moments: optimizer.moments.map((m) => ({ shape: m.shape, data: b64(m.data) })),
        },
        ...(average ? { average: { count: average.count, sum: average.sum.map(b64) } } : {}),
      };
      const c: Checkpoint = { ...body, sha256: sha256Hex(canonicalJson(body)) };
      const tmp = `${o.checkpoint}.tmp`;
      writeFileSync(tmp, JSON.stringify(c));
      renameSync(tmp, o.checkpoint);
    },
  });
  return {
    ...trained,
    resumedFrom: startEpoch,
    cpuSeconds: cpuSeconds(),
    wallSeconds: (Date.now() - t0) / 1000,
    waitedSeconds: waited,
  };
}
