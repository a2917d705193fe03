/**
 * Model versions in the store (B-4 gates): every trained model is kept with its held-out metrics; only
 * those meeting the precision and coverage thresholds are 'published'; one published version is active.
 * Activation history makes rollback exact: it returns to the version active before the current one.
 * Training runs and every loop iteration are logged here too (B-5 "every iteration logged").
 */
import type { Db, Schema, SqliteStore } from '../store/index.js';
import type { IterationLog } from './loop.js';
import { IdentifyModel } from './model.js';

export const IDENTIFY_SCHEMA: Schema = {
  component: 'identify',
  migrations: [
    {
      version: 1,
      name: 'models',
      legacyId: 'identify-001-models',
      sqlite: `
      CREATE TABLE identify_models (
        version INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('published', 'refused')),
        model_json TEXT NOT NULL, metrics_json TEXT NOT NULL, reason TEXT);
      CREATE TABLE identify_activations (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, version INTEGER NOT NULL
          REFERENCES identify_models (version),
        action TEXT NOT NULL);
      CREATE TABLE identify_train_runs (
        run_id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, params_json TEXT NOT NULL,
        stopped_by TEXT, best_iteration INTEGER, model_version INTEGER);
      CREATE TABLE identify_iterations (
        run_id INTEGER NOT NULL REFERENCES identify_train_runs (run_id), k INTEGER NOT NULL,
        precision REAL NOT NULL, recall REAL NOT NULL, objective REAL NOT NULL, objective0 REAL NOT NULL,
        prob_improved REAL, margin REAL NOT NULL, pseudo_positive INTEGER NOT NULL,
        pseudo_negative INTEGER NOT NULL, unlabelled_left INTEGER NOT NULL, black_threshold REAL NOT NULL,
        PRIMARY KEY (run_id, k));`,
    },
  ],
};

export interface HeldOutMetrics {
  precision: number;
  coverage: number;
  [k: string]: unknown;
}

export interface Gates {
  minPrecision: number;
  minCoverage: number;
}

/**
 * Out-of-distribution gate (issue 15): feature rows of the public addresses of benign captures. A model
 * that calls more than `maxBlackRate` (default 1%) of them black learned its data set, not the internet,
 * and is refused like one that misses precision.
 */
export interface BenignReference {
  name: string;
  /** Row-major n × FEATURE_COUNT. */
  x: Float64Array;
  n: number;
  width: number;
  maxBlackRate?: number;
}

export const MAX_BENIGN_BLACK_RATE = 0.01;

/**
 * Passed instead of a reference, turns the out-of-distribution gate off for one submission (models built for
 * tests and fixtures, never a trained production model: `identify train` always brings a reference).
 */
export const SKIP_OOD_GATE = 'skip-ood-gate' as const;

/** How many reference addresses the model calls black. */
export function benignBlack(model: IdentifyModel, ref: BenignReference): number {
  let black = 0;
  for (let i = 0; i < ref.n; i++)
    if (model.verdictOf(model.score(ref.x, i * ref.width).score) === 'black') black++;
  return black;
}

export interface PublishResult {
  version: number;
  published: boolean;
  reasons: string[];
}

export class ModelRegistry {
  readonly db: Db;

  /** The reference a submission without one is judged against (the out-of-distribution gate is on by default). */
  private readonly benign: BenignReference | undefined;

  constructor(store: SqliteStore, opts: { benign?: BenignReference } = {}) {
    store.migrate(IDENTIFY_SCHEMA);
    this.db = store.db;
    this.benign = opts.benign;
  }

  /**
   * Stores the model; publishes it only when its held-out metrics pass the gates (B-4) and it passes the
   * out-of-distribution gate on the benign reference (the given one, else the registry's). Without any
   * reference the model is refused: a model nobody checked against benign traffic is not published.
   */
  submit(
    model: IdentifyModel,
    metrics: HeldOutMetrics,
    gates: Gates,
    reference: BenignReference | typeof SKIP_OOD_GATE | undefined = this.benign,
  ): PublishResult {
    const reasons: string[] = [];
    const oodReasons: string[] = [];
    const benign = reference === SKIP_OOD_GATE ? undefined : reference;
    if (reference === undefined)
      oodReasons.push(
        'no benign reference for the out-of-distribution gate (identify train --benign CAPTURES)',
      );
    else if (reference === SKIP_OOD_GATE) metrics = { ...metrics, oodGate: 'skipped' };
    if (benign) {
      const max = benign.maxBlackRate ?? MAX_BENIGN_BLACK_RATE;
      const black = benignBlack(model, benign);
      const rate = benign.n ? black / benign.n : 0;
      metrics = { ...metrics, benignReference: benign.name, benignAddresses: benign.n, benignBlack: black };
      if (benign.n === 0) oodReasons.push(`benign reference '${benign.name}' has no public address`);
      else if (rate > max)
        oodReasons.push(
          `calls black ${black} of ${benign.n} public addresses (${(rate * 100).toFixed(1)}%) of the benign reference '${benign.name}' > ${max * 100}%`,
        );
    }
    if (!(metrics.precision >= gates.minPrecision))
      reasons.push(`held-out precision ${metrics.precision.toFixed(3)} < required ${gates.minPrecision}`);
    if (!(metrics.coverage >= gates.minCoverage))
      reasons.push(`held-out coverage ${metrics.coverage.toFixed(3)} < required ${gates.minCoverage}`);
    reasons.push(...oodReasons);
    const published = reasons.length === 0;
    const r = this.db
      .prepare(
        'INSERT INTO identify_models (created_at, status, model_json, metrics_json, reason) VALUES (?, ?, ?, ?, ?)',
      )
      .run(
        new Date().toISOString(),
        published ? 'published' : 'refused',
        model.toJson(),
        JSON.stringify({ ...metrics, gates }),
        reasons.join('; ') || null,
      );
    return { version: Number(r.lastInsertRowid), published, reasons };
  }

  activate(version: number, action = 'activate'): void {
    const row = this.db.prepare('SELECT status FROM identify_models WHERE version = ?').get(version) as
      { status: string } | undefined;
    if (!row) throw new Error(`no model version ${version}`);
    if (row.status !== 'published')
      throw new Error(`model version ${version} was refused by the gates; it cannot be activated`);
    this.db
      .prepare('INSERT INTO identify_activations (at, version, action) VALUES (?, ?, ?)')
      .run(new Date().toISOString(), version, action);
  }

  activeVersion(): number | null {
    const r = this.db.prepare('SELECT version FROM identify_activations ORDER BY seq DESC LIMIT 1').get() as
      { version: number } | undefined;
    return r?.version ?? null;
  }

  /** Re-activates the version that was active before the current one. */
  rollback(): number {
    const history = this.db.prepare('SELECT version FROM identify_activations ORDER BY seq DESC').all() as {
      version: number;
    }[];
    if (history.length === 0) throw new Error('no active model to roll back from');
    const current = history[0].version;
    const previous = history.find((h) => h.version !== current);
    if (!previous)
      throw new Error(`model version ${current} is the only one ever active; nothing to roll back to`);
    this.activate(previous.version, 'rollback');
    return previous.version;
  }

  load(version: number): IdentifyModel {
    const r = this.db.prepare('SELECT model_json FROM identify_models WHERE version = ?').get(version) as
      { model_json: string } | undefined;
    if (!r) throw new Error(`no model version ${version}`);
    return IdentifyModel.fromJson(r.model_json);
  }

  list(): {
    version: number;
    created_at: string;
    status: string;
    metrics: HeldOutMetrics;
    reason: string | null;
    active: boolean;
  }[] {
    const active = this.activeVersion();
    return (
      this.db
        .prepare(
          'SELECT version, created_at, status, metrics_json, reason FROM identify_models ORDER BY version',
        )
        .all() as {
        version: number;
        created_at: string;
        status: string;
        metrics_json: string;
        reason: string | null;
      }[]
    ).map((r) => ({
      version: r.version,
      created_at: r.created_at,
      status: r.status,
      metrics: JSON.parse(r.metrics_json),
      reason: r.reason,
      active: r.version === active,
    }));
  }

  startRun(params: unknown): number {
    return Number(
      this.db
        .prepare('INSERT INTO identify_train_runs (started_at, params_json) VALUES (?, ?)')
        .run(new Date().toISOString(), JSON.stringify(params)).lastInsertRowid,
    );
  }

  logIteration(runId: number, it: IterationLog): void {
    this.db
      .prepare(
        `INSERT INTO identify_iterations (run_id, k, precision, recall, objective, objective0, prob_improved, margin,
           pseudo_positive, pseudo_negative, unlabelled_left, black_threshold) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        runId,
        it.k,
        it.precision,
        it.recall,
        it.objective,
        it.objective0,
        it.probImproved,
        it.margin,
        it.pseudoPositive,
        it.pseudoNegative,
        it.unlabelledLeft,
        it.blackThreshold,
      );
  }

  finishRun(runId: number, stoppedBy: string, bestIteration: number, version: number | null): void {
    this.db
      .prepare(
        'UPDATE identify_train_runs SET stopped_by = ?, best_iteration = ?, model_version = ? WHERE run_id = ?',
      )
      .run(stoppedBy, bestIteration, version, runId);
  }

  iterations(runId: number): Record<string, unknown>[] {
    return this.db
      .prepare('SELECT * FROM identify_iterations WHERE run_id = ? ORDER BY k')
      .all(runId) as Record<string, unknown>[];
  }
}
