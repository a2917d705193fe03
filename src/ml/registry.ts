/**
 * The model registry: every model version with its id (SHA-256) and parameters hash; a candidate is
 * deployed only after it passes the deployment test on saved malicious traffic — the appliance's stored incidents and
 * the reference set taken from the corpus — and on the benign reference (false alarms). A failure is recorded with
 * its reason and nothing changes; a pass activates it and keeps the last N deployed versions (older ones keep their
 * row and hashes, not their parameters). A-91: when the active model's alert rate on the user's recent benign traffic
 * passes a threshold, the previous version is restored and the event is queued for the federated-learning network.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Db, Schema, SqliteStore } from '../store/index.js';
import { ConfigError } from '../framework/errors.js';
import { Classifier } from './classifier.js';
import { verifyModel, type ModelVerifyOptions, type VerifiedModel } from './model-io.js';
import { serialiseModel, sha256Hex, type ModelFile } from './model-file.js';
import { maskSet } from './mask.js';
import type { SessionSet } from './idx.js';

export const ML_SCHEMA: Schema = {
  component: 'ml',
  migrations: [
    {
      version: 1,
      name: 'models',
      sqlite: `
      CREATE TABLE ml_models (
        id INTEGER PRIMARY KEY AUTOINCREMENT, sha256 TEXT NOT NULL UNIQUE, params_sha256 TEXT NOT NULL,
        name TEXT NOT NULL, version TEXT NOT NULL, created_at TEXT NOT NULL, added_at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('candidate', 'deployed', 'refused', 'retired')),
        model_json TEXT, test_json TEXT, reason TEXT);
      CREATE TABLE ml_activations (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, model_id INTEGER NOT NULL REFERENCES ml_models (id),
        action TEXT NOT NULL, detail TEXT);
      CREATE TABLE ml_reference (
        id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL CHECK (kind IN ('malicious', 'benign')),
        label INTEGER NOT NULL, source TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE, payload BLOB NOT NULL);
      CREATE TABLE ml_incidents (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, label INTEGER NOT NULL, source TEXT NOT NULL,
        sha256 TEXT NOT NULL UNIQUE, payload BLOB NOT NULL);
      CREATE TABLE ml_reports (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, kind TEXT NOT NULL, model_sha256 TEXT NOT NULL,
        version TEXT NOT NULL, detail TEXT NOT NULL, sent_at TEXT);`,
    },
  ],
};

export interface DeployGates {
  /** Share of saved malicious sessions the model must call malicious. */
  minDetection: number;
  /** Largest share of the benign reference it may call malicious. */
  maxFalseAlarm: number;
}
export const DEFAULT_GATES: DeployGates = { minDetection: 0.9, maxFalseAlarm: 0.05 };

export interface DeployTest {
  malicious: number;
  detected: number;
  detection: number;
  benign: number;
  falseAlarms: number;
  falseAlarm: number;
  incidents: number;
  passed: boolean;
  reasons: string[];
}

export interface ModelRow {
  id: number;
  sha256: string;
  paramsSha256: string;
  name: string;
  version: string;
  createdAt: string;
  status: string;
  reason: string | null;
  active: boolean;
}

export interface AddResult {
  id: number;
  sha256: string;
  version: string;
  deployed: boolean;
  test: DeployTest;
}

function rowsOf(rows: { payload: Buffer; label: number }[], width: number): SessionSet {
  const bytes = new Uint8Array(rows.length * width);
  const labels = new Uint8Array(rows.length);
  rows.forEach((r, i) => {
    bytes.set(r.payload.subarray(0, width), i * width);
    labels[i] = r.label;
  });
  return { source: 'store', n: rows.length, width, bytes, labels };
}

export class MlRegistry {
  readonly db: Db;

  constructor(
    store: SqliteStore,
    private readonly tf: typeof TF,
    readonly keep = 3,
  ) {
    store.migrate(ML_SCHEMA);
    this.db = store.db;
  }

  /** Stores reference sessions (deduplicated by hash); returns how many were new. */
  addReference(
    kind: 'malicious' | 'benign',
    set: SessionSet,
    source: string,
    rows?: ArrayLike<number>,
  ): number {
    const ins = this.db.prepare(
      'INSERT OR IGNORE INTO ml_reference (kind, label, source, sha256, payload) VALUES (?, ?, ?, ?, ?)',
    );
    let added = 0;
    const pick = rows ?? Array.from({ length: set.n }, (_, i) => i);
    this.db.transaction(() => {
      for (let k = 0; k < pick.length; k++) {
        const i = pick[k];
        const payload = Buffer.from(set.bytes.subarray(i * set.width, (i + 1) * set.width));
        added += ins.run(kind, set.labels[i], source, sha256Hex(payload), payload).changes;
      }
    })();
    return added;
  }

  /** A saved incident: the payload of a session the appliance judged malicious (honeypot, sandbox, confirmed alert). */
  addIncident(payload: Uint8Array, label: number, source: string): boolean {
    const b = Buffer.from(payload);
    return (
      this.db
        .prepare(
          'INSERT OR IGNORE INTO ml_incidents (at, label, source, sha256, payload) VALUES (?, ?, ?, ?, ?)',
        )
        .run(new Date().toISOString(), label, source, sha256Hex(b), b).changes > 0
    );
  }

  referenceCounts(): { malicious: number; benign: number; incidents: number } {
    const c = (sql: string): number => (this.db.prepare(sql).get() as { n: number }).n;
    return {
      malicious: c("SELECT count(*) AS n FROM ml_reference WHERE kind = 'malicious'"),
      benign: c("SELECT count(*) AS n FROM ml_reference WHERE kind = 'benign'"),
      incidents: c('SELECT count(*) AS n FROM ml_incidents'),
    };
  }

  /** The deployment test: detection on saved malicious traffic, false alarms on the benign reference. */
  test(v: VerifiedModel, gates: DeployGates): DeployTest {
    const c = new Classifier(this.tf, v.file.manifest, v.params);
    const width = v.file.manifest.arch.inputBytes;
    const mal = this.db.prepare("SELECT payload, label FROM ml_reference WHERE kind = 'malicious'").all() as {
      payload: Buffer;
      label: number;
    }[];
    const inc = this.db.prepare('SELECT payload, label FROM ml_incidents').all() as {
      payload: Buffer;
      label: number;
    }[];
    const ben = this.db.prepare("SELECT payload, label FROM ml_reference WHERE kind = 'benign'").all() as {
      payload: Buffer;
      label: number;
    }[];
    const alarms = (rows: { payload: Buffer; label: number }[]): number => {
      if (rows.length === 0) return 0;
      const s = maskSet(rowsOf(rows, width)).set;
      const p = c.predict(s.bytes, s.n, s.width);
      let k = 0;
      for (let i = 0; i < s.n; i++) if (c.isMalicious(p.cls[i])) k++;
      return k;
    };
    const malicious = mal.length + inc.length;
    const detected = alarms([...mal, ...inc]);
    const falseAlarms = alarms(ben);
    const detection = malicious ? detected / malicious : 0;
    const falseAlarm = ben.length ? falseAlarms / ben.length : 0;
    const reasons: string[] = [];
    if (malicious === 0)
      reasons.push('no saved malicious traffic to test on (add a reference set: moat ml reference)');
    else if (detection < gates.minDetection)
      reasons.push(
        `detects ${detected} of ${malicious} saved malicious sessions (${(detection * 100).toFixed(1)}%) < required ${(gates.minDetection * 100).toFixed(1)}%`,
      );
    if (falseAlarm > gates.maxFalseAlarm)
      reasons.push(
        `calls ${falseAlarms} of ${ben.length} benign reference sessions malicious (${(falseAlarm * 100).toFixed(1)}%) > allowed ${(gates.maxFalseAlarm * 100).toFixed(1)}%`,
      );
    return {
      malicious,
      detected,
      detection,
      benign: ben.length,
      falseAlarms,
      falseAlarm,
      incidents: inc.length,
      passed: reasons.length === 0,
      reasons,
    };
  }

  /**
   * Verifies a model (A-2 checkers), runs the deployment test, and deploys it when it passes. A model already in the
   * registry (same id) is refused as a duplicate.
   */
  add(
    file: ModelFile | string,
    o: { gates?: DeployGates; verify?: ModelVerifyOptions; deploy?: boolean } = {},
  ): AddResult {
    const v = verifyModel(typeof file === 'string' ? file : JSON.parse(serialiseModel(file)), o.verify);
    const f = v.file;
    const dup = this.db.prepare('SELECT id FROM ml_models WHERE sha256 = ?').get(f.sha256) as
      { id: number } | undefined;
    if (dup)
      throw new ConfigError(`model ${f.sha256.slice(0, 16)} is already in the registry (id ${dup.id})`);
    const test = this.test(v, o.gates ?? DEFAULT_GATES);
    const deploy = test.passed && o.deploy !== false;
    const r = this.db
      .prepare(
        `INSERT INTO ml_models (sha256, params_sha256, name, version, created_at, added_at, status, model_json, test_json, reason)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        f.sha256,
        f.manifest.paramsSha256,
        f.manifest.name,
        f.manifest.version,
        f.manifest.createdAt,
        new Date().toISOString(),
        test.passed ? (deploy ? 'deployed' : 'candidate') : 'refused',
        serialiseModel(f),
        JSON.stringify(test),
        test.reasons.join('; ') || null,
      );
    const id = Number(r.lastInsertRowid);
    if (deploy)
      this.activate(
        id,
        'deploy',
        `passed: detection ${test.detection.toFixed(3)}, false alarms ${test.falseAlarm.toFixed(3)}`,
      );
    return { id, sha256: f.sha256, version: f.manifest.version, deployed: deploy, test };
  }

  private activate(id: number, action: string, detail: string): void {
    this.db.transaction(() => {
      this.db.prepare("UPDATE ml_models SET status = 'deployed' WHERE id = ?").run(id);
      this.db
        .prepare('INSERT INTO ml_activations (at, model_id, action, detail) VALUES (?, ?, ?, ?)')
        .run(new Date().toISOString(), id, action, detail);
      // Keep the parameters of the last N deployed versions; older ones stay listed with their hashes.
      const deployed = this.db
        .prepare("SELECT id FROM ml_models WHERE status = 'deployed' ORDER BY id DESC")
        .all() as { id: number }[];
      for (const d of deployed.slice(this.keep))
        if (d.id !== id)
          this.db
            .prepare("UPDATE ml_models SET status = 'retired', model_json = NULL WHERE id = ?")
            .run(d.id);
    })();
  }

  activeId(): number | null {
    const r = this.db.prepare('SELECT model_id FROM ml_activations ORDER BY seq DESC LIMIT 1').get() as
      { model_id: number } | undefined;
    return r?.model_id ?? null;
  }

  /** The active model, verified again from the store (a row edited on disk is refused). */
  active(): VerifiedModel | null {
    const id = this.activeId();
    return id === null ? null : this.load(id);
  }

  load(id: number): VerifiedModel {
    const r = this.db.prepare('SELECT model_json, sha256 FROM ml_models WHERE id = ?').get(id) as
      { model_json: string | null; sha256: string } | undefined;
    if (!r) throw new ConfigError(`no model ${id} in the registry`);
    if (r.model_json === null)
      throw new ConfigError(`model ${id} was retired: its parameters are no longer kept`);
    const v = verifyModel(r.model_json);
    if (v.file.sha256 !== r.sha256)
      throw new ConfigError(`model ${id}: stored document has id ${v.file.sha256}, the row ${r.sha256}`);
    return v;
  }

  list(): ModelRow[] {
    const active = this.activeId();
    return (
      this.db
        .prepare(
          'SELECT id, sha256, params_sha256, name, version, created_at, status, reason FROM ml_models ORDER BY id',
        )
        .all() as {
        id: number;
        sha256: string;
        params_sha256: string;
        name: string;
        version: string;
        created_at: string;
        status: string;
        reason: string | null;
      }[]
    ).map((r) => ({
      id: r.id,
      sha256: r.sha256,
      paramsSha256: r.params_sha256,
      name: r.name,
      version: r.version,
      createdAt: r.created_at,
      status: r.status,
      reason: r.reason,
      active: r.id === active,
    }));
  }

  /** The deployed version before the active one that still has its parameters. */
  previousId(): number | null {
    const active = this.activeId();
    const rows = this.db
      .prepare(
        "SELECT DISTINCT a.model_id AS id FROM ml_activations a JOIN ml_models m ON m.id = a.model_id WHERE m.model_json IS NOT NULL AND m.status = 'deployed' ORDER BY a.seq DESC",
      )
      .all() as { id: number }[];
    return rows.find((r) => r.id !== active)?.id ?? null;
  }

  rollback(action = 'rollback', detail = 'operator'): { from: number; to: number } {
    const from = this.activeId();
    const to = this.previousId();
    if (from === null || to === null) throw new ConfigError('no earlier deployed model to roll back to');
    this.db.transaction(() => {
      this.db
        .prepare("UPDATE ml_models SET status = 'refused', reason = ? WHERE id = ?")
        .run(`${action}: ${detail}`, from);
      this.db
        .prepare('INSERT INTO ml_activations (at, model_id, action, detail) VALUES (?, ?, ?, ?)')
        .run(new Date().toISOString(), to, action, detail);
    })();
    return { from, to };
  }

  /**
   * the active model's alert rate on the user's recent benign sessions; past `maxRate`, the previous version is
   * restored and a report naming the withdrawn version is queued for the federated-learning network (ml_reports).
   */
  checkUserExperience(
    recentBenign: SessionSet,
    maxRate: number,
  ): {
    rate: number;
    alerts: number;
    sessions: number;
    rolledBack: null | { from: string; to: string; reportId: number };
  } {
    const v = this.active();
    if (!v) throw new ConfigError('no active model');
    const c = new Classifier(this.tf, v.file.manifest, v.params);
    const s = maskSet(recentBenign).set;
    const p = c.predict(s.bytes, s.n, s.width);
    let alerts = 0;
    for (let i = 0; i < s.n; i++) if (c.isMalicious(p.cls[i])) alerts++;
    const rate = s.n ? alerts / s.n : 0;
    if (rate <= maxRate) return { rate, alerts, sessions: s.n, rolledBack: null };
    const detail = `alert rate ${(rate * 100).toFixed(1)}% on ${s.n} recent benign sessions > ${(maxRate * 100).toFixed(1)}%`;
    const { to } = this.rollback('ux-rollback', detail);
    const restored = this.load(to).file;
    const reportId = this.queueReport('ux-rollback', v.file.sha256, v.file.manifest.version, detail);
    return {
      rate,
      alerts,
      sessions: s.n,
      rolledBack: {
        from: v.file.manifest.version,
        to: restored.manifest.version,
        reportId,
      },
    };
  }

  /** Queues a report for the federated-learning network (sent by `sendPendingReports`); returns its id. */
  queueReport(kind: string, modelSha256: string, version: string, detail: string): number {
    const r = this.db
      .prepare('INSERT INTO ml_reports (at, kind, model_sha256, version, detail) VALUES (?, ?, ?, ?, ?)')
      .run(new Date().toISOString(), kind, modelSha256, version, detail);
    return Number(r.lastInsertRowid);
  }

  /** The server acknowledged the report: it leaves the queue. */
  markReportSent(id: number): void {
    this.db.prepare('UPDATE ml_reports SET sent_at = ? WHERE id = ?').run(new Date().toISOString(), id);
  }

  /** Reports not yet sent to the federated-learning server. */
  pendingReports(): { id: number; kind: string; modelSha256: string; version: string; detail: string }[] {
    return (
      this.db
        .prepare(
          'SELECT id, kind, model_sha256, version, detail FROM ml_reports WHERE sent_at IS NULL ORDER BY id',
        )
        .all() as {
        id: number;
        kind: string;
        model_sha256: string;
        version: string;
        detail: string;
      }[]
    ).map((r) => ({
      id: r.id,
      kind: r.kind,
      modelSha256: r.model_sha256,
      version: r.version,
      detail: r.detail,
    }));
  }
}
