/**
 * The federated-learning acceptance bench (A-85…A-88): `moat fl serve` and 5 `moat fl run` appliance processes,
 * each on a non-IID share of the visible USTC set, against centralised training on the same sessions, measured in
 * the same run; then again with one appliance poisoned (its labels flipped).
 *
 * Split (stratified, seeded): a fifth is the test set; half of another fifth is the vendor's reference set the
 * server scores updates on; the rest is the appliances' data. Non-IID: class c's "home" appliance (c mod 5) holds
 * 60% of that class's sessions, each of the other four 10%.
 * Centralised training is the shipped recipe (ML_RECIPE: label smoothing, averaging of the last epochs); the
 * federated defaults are what `moat fl serve`/`moat fl run` ship.
 * `node dist/bench/ml-fl.js [--rounds R] [--epochs E] [--server-momentum B] [--server-lr L] [--average-last K]
 * [--label-smoothing S] [--round-lr-floor F] [--fresh-optimizer] [--central-epochs C] [--skip-central]
 * [--central-only] [--skip-poison] [--clean-f1 X] [--framing W]`. Every model is scored with and without the framing
 * table (the federated one: the kept appliances' histograms summed, as `moat fl serve` builds it).
 */
import { spawn } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import {
  Classifier,
  DEFAULT_ARCH,
  ML_RECIPE,
  buildFramingTable,
  framingHistogram,
  buildModelFile,
  keyIdOf,
  maskSet,
  mergeFramingTables,
  readUstcFolder,
  score,
  seededRandom,
  shuffle,
  stratifiedFolds,
  subset,
  tfReady,
  trainModel,
  verifyModel,
  writeUstcFolder,
  type FramingTable,
  type SessionSet,
} from '../src/ml/index.js';
import { BENCH_META } from './ml-fold.js';

const args = process.argv.slice(2);
const flag = (name: string, d: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : d;
};
// Defaults: what `moat fl serve` / `moat fl run` ship.
const ROUNDS = flag('rounds', 14);
const EPOCHS = flag('epochs', 2);
const CENTRAL = flag('central-epochs', ML_RECIPE.epochs);
const CLIENTS = 5;
// FedAvgM: server momentum and step (0 and 1: plain FedAvg).
const MOMENTUM = flag('server-momentum', 0.5);
const SERVER_LR = flag('server-lr', 2);
// Appliances carry local Adam's moments from round to round (--fresh-optimizer: a new Adam each round).
const KEEP_OPT = !args.includes('--fresh-optimizer');
// Server-side averaging of the last k rounds' globals into the final model; the appliances' label smoothing and
// decay of their learning rate across the rounds.
const AVERAGE = flag('average-last', 3);
const SMOOTH = flag('label-smoothing', ML_RECIPE.labelSmoothing);
const ROUND_FLOOR = flag('round-lr-floor', 0.1);
// Appliance side against the label skew: logit adjustment by each share's prior, FedProx's μ.
const ADJUST = flag('logit-adjust', 0);
const MU = flag('proximal-mu', 0);
// The framing side input `moat ml train` ships (ML_RECIPE.framingWeight): every model is scored with and without
// it. The federated table is the sum of the appliances' own key histograms (what they would submit), counted only
// for appliances whose update the server kept (non-zero weight in the last round); the sum of all of them is shown
// too, to see what a poisoned histogram would do unfiltered.
const FRAMING = flag('framing', ML_RECIPE.framingWeight);
const MOAT = join(process.cwd(), 'bin', 'moat.js');
const dir = mkdtempSync(join(tmpdir(), 'moat-flbench-'));
const f = (n: string): string => join(dir, n);

const tf = await tfReady();
const all = readUstcFolder(
  join(process.cwd(), '..', 'shared', 'corpus', 'ml', 'ustc-tfc2016-20class-session-l7'),
);
const folds = stratifiedFolds(all.labels, 5, 1);
const test = subset(all, folds[0]);
const refRows = folds[1].filter((_, i) => i % 2 === 0);
const pool = [...folds[1].filter((_, i) => i % 2 === 1), ...folds[2], ...folds[3], ...folds[4]];
const reference = subset(all, refRows);
const shares: number[][] = Array.from({ length: CLIENTS }, () => []);
{
  const byClass = new Map<number, number[]>();
  for (const r of pool) {
    const c = all.labels[r];
    byClass.set(c, [...(byClass.get(c) ?? []), r]);
  }
  const rnd = seededRandom(11);
  for (const [c, rows] of byClass) {
    shuffle(rows, rnd);
    const home = c % CLIENTS;
    const cut = Math.round(rows.length * 0.6);
    rows.forEach((r, i) => {
      if (i < cut) shares[home].push(r);
      else {
        const others = [...Array(CLIENTS).keys()].filter((k) => k !== home);
        shares[others[(i - cut) % others.length]].push(r);
      }
    });
  }
}
const union = subset(all, pool);

const tableOf = (s: SessionSet): FramingTable =>
  buildFramingTable(maskSet(s).set, DEFAULT_ARCH.classes, DEFAULT_ARCH.inputBytes, FRAMING);

function evaluate(params: Float32Array[], framing?: FramingTable): { f1: number; acc: number } {
  const meta = framing ? { ...BENCH_META, logitAdjust: { framing } } : BENCH_META;
  const file = buildModelFile(DEFAULT_ARCH, params, [], meta);
  const c = new Classifier(tf, file.manifest, params);
  const m = maskSet(test).set;
  const s = score(test.labels, c.predict(m.bytes, m.n, m.width).cls, DEFAULT_ARCH.classes);
  return { f1: s.macroF1, acc: s.accuracy };
}

interface Child {
  out: string;
  exited: Promise<number | null>;
  pid: number | undefined;
  kill: () => void;
}
function run(argv: string[]): Child {
  const c = spawn(process.execPath, [MOAT, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  const ch: Child = {
    out: '',
    exited: new Promise((r) => c.once('exit', (code) => r(code))),
    pid: c.pid,
    kill: () => c.kill('SIGTERM'),
  };
  c.stdout.setEncoding('utf8').on('data', (d: string) => (ch.out += d));
  c.stderr.setEncoding('utf8').on('data', (d: string) => (ch.out += d));
  return ch;
}
function pem(): { priv: string; pub: string } {
  const k = generateKeyPairSync('ed25519');
  return {
    priv: k.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    pub: k.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

/** One federated run: a fresh server and store, 5 appliance processes; returns the final model's scores. */
async function federated(
  name: string,
  poisoned: number | undefined,
): Promise<{ f1: number; acc: number; log: string; rounds: string; framed: string }> {
  const d = (n: string): string => f(`${name}-${n}`);
  const vendor = pem();
  writeFileSync(d('vendor.key'), vendor.priv);
  writeFileSync(d('vendor.pub'), vendor.pub);
  const pubs: string[] = [];
  const tables: { table: FramingTable; keyId: string }[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const k = pem();
    writeFileSync(d(`a${i}.key`), k.priv);
    writeFileSync(d(`a${i}.pub`), k.pub);
    pubs.push(d(`a${i}.pub`));
    const s = subset(all, shares[i]);
    // Label flipping: every class learned as another.
    const data: SessionSet = i === poisoned ? { ...s, labels: s.labels.map((l) => (l + 7) % 20) } : s;
    writeUstcFolder(d(`data${i}`), data);
    tables.push({
      table: framingHistogram(maskSet(data).set, DEFAULT_ARCH.classes, DEFAULT_ARCH.inputBytes),
      keyId: keyIdOf(createPublicKey(k.pub)),
    });
  }
  writeUstcFolder(d('reference'), reference);
  const reg = run(['fl', 'register', '--db', d('server.db'), '--vendor-key', d('vendor.key'), ...pubs]);
  if ((await reg.exited) !== 0) throw new Error(`register: ${reg.out}`);
  const server = run([
    'fl',
    'serve',
    '--db',
    d('server.db'),
    '--vendor-key',
    d('vendor.key'),
    '--reference',
    d('reference'),
    '--expect',
    String(CLIENTS),
    '--rounds',
    String(ROUNDS),
    '--port',
    '0',
    '--tls-dir',
    dir,
    '--server-momentum',
    String(MOMENTUM),
    '--server-lr',
    String(SERVER_LR),
    '--average-last',
    String(AVERAGE),
  ]);
  try {
    const t0 = Date.now();
    while (!/listening on https:\/\/[^:]+:\d+/.test(server.out)) {
      if (Date.now() - t0 > 300_000) throw new Error(`server did not start: ${server.out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const url = /listening on (https:\/\/[^,\s]+)/.exec(server.out)?.[1] ?? '';
    const apps = Array.from({ length: CLIENTS }, (_, i) =>
      run([
        'fl',
        'run',
        '--server',
        url,
        '--ca',
        join(dir, 'fl-server.crt'),
        '--vendor-pub',
        d('vendor.pub'),
        '--key',
        d(`a${i}.key`),
        '--state',
        d(`state${i}`),
        '--ustc',
        d(`data${i}`),
        '--epochs',
        String(EPOCHS),
        '--seed',
        String(i + 1),
        '--out',
        d(`final${i}.json`),
        KEEP_OPT ? '--keep-optimizer' : '--no-keep-optimizer',
        '--label-smoothing',
        String(SMOOTH),
        '--round-lr-floor',
        String(ROUND_FLOOR),
        '--logit-adjust',
        String(ADJUST),
        '--proximal-mu',
        String(MU),
      ]),
    );
    const codes = await Promise.all(apps.map((a) => a.exited));
    codes.forEach((c, i) => {
      if (c !== 0) throw new Error(`appliance ${i} exited ${c}: ${apps[i].out}`);
    });
    // Every appliance verified the same final model.
    const finals = apps.map((_, i) => verifyModel(readFileSync(d(`final${i}.json`), 'utf8')));
    if (new Set(finals.map((m) => m.file.manifest.paramsSha256)).size !== 1)
      throw new Error('the appliances ended on different models');
    const s = evaluate(finals[0].params);
    // Each round's global model on the test set, from the server's store: is the fused model still rising?
    const db = new Database(d('server.db'), { readonly: true });
    const rows = db.prepare('SELECT round, global_json FROM fl_rounds ORDER BY round').all() as {
      round: number;
      global_json: string;
    }[];
    const kept = new Set(
      (
        db.prepare('SELECT key_id FROM fl_updates WHERE round = ? AND weight > 0').all(ROUNDS - 1) as {
          key_id: string;
        }[]
      ).map((r) => r.key_id),
    );
    db.close();
    let framed = 'framing off';
    if (FRAMING > 0) {
      const keptTables = tables.filter((t) => kept.has(t.keyId));
      const summed = mergeFramingTables(
        keptTables.map((t) => t.table),
        FRAMING,
      );
      // The appliances send their histograms by default: the served model's table must be this sum.
      const served = finals[0].file.manifest.logitAdjust?.framing;
      if (served && FRAMING === ML_RECIPE.framingWeight && JSON.stringify(served) !== JSON.stringify(summed))
        throw new Error("the final model's framing table is not the kept appliances' histograms summed");
      const withKept = evaluate(finals[0].params, summed);
      const withAll = evaluate(
        finals[0].params,
        mergeFramingTables(
          tables.map((t) => t.table),
          FRAMING,
        ),
      );
      framed = `${served ? 'served model, ' : ''}with the framing table (weight ${FRAMING}) summed from the ${keptTables.length} kept appliances' histograms: macro-F1 ${withKept.f1.toFixed(4)} accuracy ${withKept.acc.toFixed(4)}; summed from all ${tables.length}: macro-F1 ${withAll.f1.toFixed(4)}`;
    }
    const perRound = rows
      .filter((r) => r.round > 0)
      .map((r) => `${r.round}:${evaluate(verifyModel(r.global_json).params).f1.toFixed(4)}`);
    return { ...s, log: server.out, rounds: perRound.join(' '), framed };
  } finally {
    server.kill();
    await server.exited;
  }
}

console.log(
  `split: test ${test.n}, reference ${reference.n}, appliances ${shares.map((s) => s.length).join('/')} (non-IID: 60% of each class on one appliance)`,
);
// --skip-central: the centralised model is deterministic (seeded split, shuffles and initialisation, one wasm
// thread), so a second federated configuration can be compared with the number an earlier run printed.
let cen = { f1: NaN, acc: NaN };
if (!args.includes('--skip-central')) {
  const c0 = process.cpuUsage();
  // What `moat ml train` ships: the recipe's learning rate, label smoothing and averaging of the last epochs.
  const central = await trainModel(tf, union, {
    arch: DEFAULT_ARCH,
    epochs: CENTRAL,
    learningRate: ML_RECIPE.learningRate,
    labelSmoothing: ML_RECIPE.labelSmoothing,
    averageLast: ML_RECIPE.averageLast,
    seed: 1,
  });
  central.model.dispose();
  cen = evaluate(central.params);
  const cpu = process.cpuUsage(c0);
  if (FRAMING > 0) {
    const fr = evaluate(central.params, tableOf(union));
    console.log(
      `centralised with the framing table (weight ${FRAMING}, from all ${union.n} sessions): macro-F1 ${fr.f1.toFixed(4)} accuracy ${fr.acc.toFixed(4)}`,
    );
  }
  console.log(
    `centralised (${union.n} sessions, ${CENTRAL} epochs, label smoothing ${ML_RECIPE.labelSmoothing}, average of the last ${ML_RECIPE.averageLast}): macro-F1 ${cen.f1.toFixed(4)} accuracy ${cen.acc.toFixed(4)} (${((cpu.user + cpu.system) / 1e6).toFixed(0)} CPU-s)`,
  );
}
if (args.includes('--central-only')) {
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
const weights = (log: string): string =>
  log
    .split('\n')
    .filter((l) => /closed:/.test(l))
    .map((l) => l.replace(/^fl: /, '  '))
    .join('\n');
// --clean-f1 X: skip the clean federated run and compare the poisoned one with X (an earlier run's, same split and
// configuration; the federated runs are deterministic up to the blocks' time stamps).
const given = flag('clean-f1', NaN);
const clean = Number.isNaN(given)
  ? await federated('clean', undefined)
  : { f1: given, acc: NaN, log: '', rounds: '', framed: '' };
if (Number.isNaN(given)) {
  console.log(
    `federated, 5 appliances, ${ROUNDS} rounds × ${EPOCHS} local epochs, server momentum ${MOMENTUM} lr ${SERVER_LR}, final average of ${AVERAGE} rounds${KEEP_OPT ? ', Adam kept across rounds' : ''}, label smoothing ${SMOOTH}, round lr floor ${ROUND_FLOOR}, logit adjustment ${ADJUST}, proximal μ ${MU}: macro-F1 ${clean.f1.toFixed(4)} accuracy ${clean.acc.toFixed(4)}; ${((cen.f1 - clean.f1) * 100).toFixed(2)} points below centralised`,
  );
  console.log(weights(clean.log));
  console.log(`  test macro-F1 of each round's global model: ${clean.rounds}`);
  console.log(`  ${clean.framed}`);
}
if (!args.includes('--skip-poison')) {
  const bad = await federated('poisoned', 4);
  console.log(
    `federated, appliance 4 label-flipping: macro-F1 ${bad.f1.toFixed(4)} accuracy ${bad.acc.toFixed(4)}; moved ${((clean.f1 - bad.f1) * 100).toFixed(2)} points from the clean run`,
  );
  console.log(weights(bad.log));
  console.log(`  test macro-F1 of each round's global model: ${bad.rounds}`);
  console.log(`  ${bad.framed}`);
}
// --keep: leave the servers' stores for a look at each round's global model.
if (args.includes('--keep')) console.log(`kept ${dir}`);
else rmSync(dir, { recursive: true, force: true });
