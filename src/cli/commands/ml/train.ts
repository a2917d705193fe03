/** `moat ml train --ustc DIR --db STORE`: train the payload CNN, test it on saved malicious traffic, deploy it. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DB_HELP, DEFAULT_DB, num, openRegistry } from './shared.js';
import { withStores } from '../../stores.js';
import { UsageError } from '../../errors.js';
import { verifyDataset } from '../../../dataset/index.js';
import {
  ML_RECIPE,
  DEFAULT_GATES,
  USTC_CLASS_NAMES,
  USTC_MALICIOUS,
  exportModel,
  framingAdjust,
  readUstcFolder,
  seededRandom,
  shuffle,
  signModel,
  stratifiedFolds,
  subset,
  tfReady,
  trainLocally,
  type SessionSet,
} from '../../../ml/index.js';

/** At most `cap` sessions per class, seeded: `--subsample` for quick runs. */
export function capPerClass(s: SessionSet, cap: number, seed: number): SessionSet {
  const rnd = seededRandom(seed);
  const rows = shuffle(
    Array.from({ length: s.n }, (_, i) => i),
    rnd,
  );
  const count = new Map<number, number>();
  const keep: number[] = [];
  for (const r of rows) {
    const c = count.get(s.labels[r]) ?? 0;
    if (c < cap) {
      keep.push(r);
      count.set(s.labels[r], c + 1);
    }
  }
  return subset(
    s,
    keep.sort((a, b) => a - b),
  );
}

/** Class names and malicious ids from a dataset manifest (`moat dataset build`) in the folder, if there is one. */
function datasetClasses(dir: string): { names: string[]; malicious: number[] } | undefined {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) return undefined;
  const m = JSON.parse(readFileSync(path, 'utf8')) as {
    classes?: Array<{ id: number; name: string; malicious: boolean }>;
  };
  if (!Array.isArray(m.classes)) return undefined;
  const names: string[] = [];
  for (const c of m.classes) names[c.id] = c.name;
  return { names, malicious: m.classes.filter((c) => c.malicious).map((c) => c.id) };
}

/**
 * A dataset folder with a manifest is verified before training when keys are given (the manifest's signature vouches
 * for the files' hashes and the pseudonym list). Without keys a signed manifest is named as unchecked on stderr, so
 * the operator knows nothing vouched for the rows; the public corpus folders have no manifest.
 */
function checkDataset(dir: string, keyFiles: string[]): void {
  if (keyFiles.length > 0) {
    const trustedKeys = keyFiles.map((k) => {
      try {
        return readFileSync(k, 'utf8');
      } catch (e) {
        throw new UsageError(`--dataset-key ${k}: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
    const r = verifyDataset(dir, { trustedKeys });
    process.stderr.write(
      `ml train: dataset ${dir} verified — signed by ${r.signedBy}, ${r.files} files match their sha256, ${r.checkedRows} own rows pass the privacy check\n`,
    );
    return;
  }
  const path = join(dir, 'manifest.json');
  if (existsSync(path))
    process.stderr.write(
      `ml train: ${path} not verified (give --dataset-key PUB to check its signature and hashes)\n`,
    );
}

export function registerMlTrain(ml: Command, setExit: (code: number) => void): void {
  ml.command('train')
    .description(
      'train the payload CNN on a folder in the USTC layout, test it on saved malicious traffic, deploy it',
    )
    .requiredOption('--ustc <dir>', 'folder with images-idx3-ubyte.gz + labels-idx1-ubyte.gz')
    .option('--db <file>', DB_HELP, DEFAULT_DB)
    .option(
      '--epochs <n>',
      'training epochs (default: the recipe chosen by 5-fold CV; more overfits)',
      String(ML_RECIPE.epochs),
    )
    .option('--per-class <n>', 'train on at most N sessions per class (quick runs)')
    .option('--seed <n>', 'shuffle and initialisation seed', '1')
    .option('--version <v>', 'model version (dotted numbers; default: date and sequence)')
    .option('--sign <key>', 'sign the model with this Ed25519 private key (PEM)')
    .option(
      '--min-detection <p>',
      'deployment test: share of saved malicious sessions to detect',
      String(DEFAULT_GATES.minDetection),
    )
    .option(
      '--max-false-alarm <p>',
      'deployment test: largest share of the benign reference called malicious',
      String(DEFAULT_GATES.maxFalseAlarm),
    )
    .option('--keep <n>', 'deployed versions whose parameters are kept', '3')
    .option(
      '--checkpoint <file>',
      'write a checkpoint after every epoch; a run with the same data and settings resumes from it',
    )
    .option('--max-load <x>', 'train only while the 1-minute load average per core is below X (A-84)')
    .option('--night <h-h>', 'hours (local) when training runs whatever the load, e.g. 1-6')
    .option('--cpu-budget <share>', 'largest share of one core to use, 0–1 (sleeps between batches)')
    .option(
      '--dataset-key <pub>',
      'verify a `moat dataset build` folder before training: its manifest signed by this Ed25519 public key (PEM), every file against its sha256, the privacy check (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--json', 'print the result as JSON')
    .action(
      async (f: {
        ustc: string;
        db: string;
        epochs: string;
        perClass?: string;
        seed: string;
        version?: string;
        sign?: string;
        minDetection: string;
        maxFalseAlarm: string;
        keep: string;
        checkpoint?: string;
        maxLoad?: string;
        night?: string;
        cpuBudget?: string;
        datasetKey: string[];
        json?: boolean;
      }) => {
        const epochs = num('epochs', f.epochs, 1, 1000, true);
        const seed = num('seed', f.seed, 0, 2 ** 31, true);
        const gates = {
          minDetection: num('min-detection', f.minDetection, 0, 1),
          maxFalseAlarm: num('max-false-alarm', f.maxFalseAlarm, 0, 1),
        };
        let night: [number, number] | undefined;
        if (f.night) {
          const m = /^(\d{1,2})-(\d{1,2})$/.exec(f.night);
          if (!m || Number(m[1]) > 23 || Number(m[2]) > 24)
            throw new UsageError(`--night ${f.night}: expected hours like 1-6`);
          night = [Number(m[1]), Number(m[2])];
        }
        const budget = {
          maxLoadPerCore: f.maxLoad ? num('max-load', f.maxLoad, 0, 1000) : undefined,
          nightWindow: night,
          cpuShare: f.cpuBudget ? num('cpu-budget', f.cpuBudget, 0.01, 1) : undefined,
        };
        const signKey = f.sign ? readFileSync(f.sign, 'utf8') : undefined;
        checkDataset(f.ustc, f.datasetKey);
        let set = readUstcFolder(f.ustc);
        if (f.perClass) set = capPerClass(set, num('per-class', f.perClass, 1, 1e6, true), seed);
        let top = 19;
        for (const l of set.labels) if (l > top) top = l;
        // A dataset built by `moat dataset build` names its classes and which are malicious in its manifest.
        const named = datasetClasses(f.ustc);
        if (named) top = Math.max(top, named.names.length - 1);
        const arch = { ...ML_RECIPE.arch, classes: top + 1 };
        const classNames = named
          ? Array.from({ length: arch.classes }, (_, i) => named.names[i] ?? `class ${i}`)
          : arch.classes === 20
            ? USTC_CLASS_NAMES
            : Array.from({ length: arch.classes }, (_, i) => `class ${i}`);
        const maliciousIds = named ? named.malicious : USTC_MALICIOUS.filter((c) => c < arch.classes);
        const tf = await tfReady();
        await withStores(async (stores) => {
          const reg = await openRegistry(stores, f.db, num('keep', f.keep, 1, 100, true));
          // The reference set the deployment test runs on: a seeded fifth of the folder, malicious and benign apart.
          const ref = stratifiedFolds(set.labels, 5, seed)[0];
          const mal = ref.filter((r) => maliciousIds.includes(set.labels[r]));
          const ben = ref.filter((r) => !maliciousIds.includes(set.labels[r]));
          reg.addReference('malicious', set, f.ustc, mal);
          reg.addReference('benign', set, f.ustc, ben);
          const trained = await trainLocally(tf, set, {
            arch,
            epochs,
            seed,
            learningRate: ML_RECIPE.learningRate,
            labelSmoothing: ML_RECIPE.labelSmoothing,
            averageLast: ML_RECIPE.averageLast,
            checkpoint: f.checkpoint,
            budget,
            log: (line) => {
              if (!f.json) process.stderr.write(`${line}\n`);
            },
          });
          const now = new Date();
          const n = reg.list().length + 1;
          const version =
            f.version ?? `${now.getUTCFullYear()}.${now.getUTCMonth() + 1}.${now.getUTCDate()}.${n}`;
          let file = exportModel(trained.model, arch, {
            name: 'payload-cnn',
            version,
            classNames,
            maliciousClasses: maliciousIds,
            training: {
              dataset: f.ustc,
              sessions: set.n,
              epochs,
              seed,
              learningRate: ML_RECIPE.learningRate,
              labelSmoothing: ML_RECIPE.labelSmoothing,
              averageLast: ML_RECIPE.averageLast,
              framingWeight: ML_RECIPE.framingWeight,
              finalLoss: trained.losses[trained.losses.length - 1],
              cpuSeconds: trained.cpuSeconds,
              wallSeconds: trained.wallSeconds,
              waitedSeconds: trained.waitedSeconds,
              resumedFrom: trained.resumedFrom,
              budget,
            },
            metrics: {},
            ...framingAdjust(set, arch),
          });
          if (signKey) file = signModel(file, signKey);
          const r = reg.add(file, { gates });
          if (f.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
          else
            process.stdout.write(
              `model ${r.version} (${r.sha256.slice(0, 16)}): ${r.deployed ? 'deployed, active' : `REFUSED — ${r.test.reasons.join('; ')}`}\n` +
                `training: ${trained.cpuSeconds.toFixed(1)} CPU-s in ${trained.wallSeconds.toFixed(1)} s (${((trained.cpuSeconds / Math.max(trained.wallSeconds, 1e-9)) * 100).toFixed(0)}% of a core)${trained.resumedFrom ? `, resumed after epoch ${trained.resumedFrom}` : ''}\n` +
                `deployment test: detected ${r.test.detected}/${r.test.malicious} saved malicious sessions, ${r.test.falseAlarms}/${r.test.benign} benign false alarms\n`,
            );
          if (!r.deployed) setExit(1);
        });
      },
    );
}
