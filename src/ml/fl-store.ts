/**
 * The federated-learning server's store: registered appliance keys, each round's global model, the updates
 * submitted in a round with their scores, the ledger's blocks (proposed, then committed with their signatures) and
 * the appliances' reports (A-91: a model version withdrawn for hurting user experience). SQLite by default,
 * PostgreSQL for a postgres:// `--db`; the same async interface over both. Everything the server has accepted is
 * written before it answers, so a restart loses nothing.
 */
import type { Db, PgPool, Schema, Store } from '../store/index.js';
import type { RegisteredKey } from './fl-protocol.js';
import type { Block } from './ledger.js';

const LEDGER_SQL = `
      CREATE TABLE fl_appliances (
        key_id TEXT PRIMARY KEY, pem TEXT NOT NULL, vendor_sig TEXT NOT NULL, registered_at TEXT NOT NULL);
      CREATE TABLE fl_rounds (
        round INTEGER PRIMARY KEY, global_json TEXT NOT NULL, opened_at TEXT NOT NULL, closed_at TEXT);
      CREATE TABLE fl_updates (
        round INTEGER NOT NULL, key_id TEXT NOT NULL, model_id TEXT NOT NULL, params_sha256 TEXT NOT NULL,
        model_json TEXT NOT NULL, submitted_at TEXT NOT NULL, f1 REAL, norm REAL, weight REAL,
        PRIMARY KEY (round, key_id));
      CREATE TABLE fl_blocks (
        idx INTEGER PRIMARY KEY, round INTEGER NOT NULL, hash TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL CHECK (status IN ('proposed', 'committed')), block_json TEXT NOT NULL);`;

const REPORTS_SQL = `
      CREATE TABLE fl_reports (
        key_id TEXT NOT NULL, report_id INTEGER NOT NULL, kind TEXT NOT NULL, model_sha256 TEXT NOT NULL,
        version TEXT NOT NULL, detail TEXT NOT NULL, reported_at TEXT NOT NULL, received_at TEXT NOT NULL,
        PRIMARY KEY (key_id, report_id));`;

/**
 * The same tables in PostgreSQL: only the float type differs (SQLite's REAL is a 4-byte float there). Migration
 * checksums normalise whitespace, so this is the text PostgreSQL stores were created with.
 */
const postgres = (sql: string): string => sql.replace(/\bREAL\b/g, 'DOUBLE PRECISION');

export const FL_SCHEMA: Schema = {
  component: 'fl',
  migrations: [
    { version: 1, name: 'ledger', sqlite: LEDGER_SQL, postgres: postgres(LEDGER_SQL) },
    { version: 2, name: 'reports', sqlite: REPORTS_SQL, postgres: postgres(REPORTS_SQL) },
  ],
};

export interface UpdateRow {
  round: number;
  keyId: string;
  modelId: string;
  paramsSha256: string;
  modelJson: string;
  f1: number | null;
  weight: number | null;
}

/** An appliance's report as the server keeps it. */
export interface ReportRow {
  keyId: string;
  /** The appliance's own id of the report: a resent report is stored once. */
  reportId: number;
  kind: string;
  modelSha256: string;
  version: string;
  detail: string;
  reportedAt: string;
}

export interface FlStore {
  register(k: RegisteredKey): Promise<boolean>;
  appliances(): Promise<RegisteredKey[]>;
  /** The open round (the highest), or undefined before the first. */
  currentRound(): Promise<number | undefined>;
  openRound(round: number, globalJson: string): Promise<void>;
  closeRound(round: number): Promise<void>;
  roundClosed(round: number): Promise<boolean>;
  global(round: number): Promise<string | undefined>;
  /** False when this appliance already submitted in the round. */
  addUpdate(
    round: number,
    keyId: string,
    modelId: string,
    paramsSha256: string,
    json: string,
  ): Promise<boolean>;
  setScore(round: number, keyId: string, f1: number, norm: number, weight: number): Promise<void>;
  updates(round: number): Promise<UpdateRow[]>;
  update(round: number, keyId: string): Promise<string | undefined>;
  putBlock(b: Block, status: 'proposed' | 'committed'): Promise<void>;
  blocks(status: 'proposed' | 'committed'): Promise<Block[]>;
  /** False when the appliance had sent this report before. */
  addReport(r: ReportRow): Promise<boolean>;
  reports(): Promise<ReportRow[]>;
}

interface RawUpdate {
  round: number;
  key_id: string;
  model_id: string;
  params_sha256: string;
  model_json: string;
  f1: number | null;
  weight: number | null;
}
const updateRow = (r: RawUpdate): UpdateRow => ({
  round: r.round,
  keyId: r.key_id,
  modelId: r.model_id,
  paramsSha256: r.params_sha256,
  modelJson: r.model_json,
  f1: r.f1,
  weight: r.weight,
});
interface RawReport {
  key_id: string;
  report_id: number;
  kind: string;
  model_sha256: string;
  version: string;
  detail: string;
  reported_at: string;
}
const reportRow = (r: RawReport): ReportRow => ({
  keyId: r.key_id,
  reportId: r.report_id,
  kind: r.kind,
  modelSha256: r.model_sha256,
  version: r.version,
  detail: r.detail,
  reportedAt: r.reported_at,
});
const now = (): string => new Date().toISOString();

/** The SQLite store (better-sqlite3 is synchronous; the promises are already settled). */
class SqliteFlStore implements FlStore {
  constructor(private readonly db: Db) {}

  register(k: RegisteredKey): Promise<boolean> {
    const r = this.db
      .prepare(
        'INSERT OR IGNORE INTO fl_appliances (key_id, pem, vendor_sig, registered_at) VALUES (?, ?, ?, ?)',
      )
      .run(k.keyId, k.pem, k.vendorSig, now());
    return Promise.resolve(r.changes > 0);
  }

  appliances(): Promise<RegisteredKey[]> {
    const rows = this.db
      .prepare('SELECT key_id, pem, vendor_sig FROM fl_appliances ORDER BY key_id')
      .all() as {
      key_id: string;
      pem: string;
      vendor_sig: string;
    }[];
    return Promise.resolve(rows.map((r) => ({ keyId: r.key_id, pem: r.pem, vendorSig: r.vendor_sig })));
  }

  currentRound(): Promise<number | undefined> {
    const r = this.db.prepare('SELECT MAX(round) AS r FROM fl_rounds').get() as { r: number | null };
    return Promise.resolve(r.r ?? undefined);
  }

  openRound(round: number, globalJson: string): Promise<void> {
    this.db
      .prepare('INSERT INTO fl_rounds (round, global_json, opened_at) VALUES (?, ?, ?)')
      .run(round, globalJson, now());
    return Promise.resolve();
  }

  closeRound(round: number): Promise<void> {
    this.db.prepare('UPDATE fl_rounds SET closed_at = ? WHERE round = ?').run(now(), round);
    return Promise.resolve();
  }

  roundClosed(round: number): Promise<boolean> {
    const r = this.db.prepare('SELECT closed_at FROM fl_rounds WHERE round = ?').get(round) as
      { closed_at: string | null } | undefined;
    return Promise.resolve(!!r?.closed_at);
  }

  global(round: number): Promise<string | undefined> {
    const r = this.db.prepare('SELECT global_json FROM fl_rounds WHERE round = ?').get(round) as
      { global_json: string } | undefined;
    return Promise.resolve(r?.global_json);
  }

  addUpdate(
    round: number,
    keyId: string,
    modelId: string,
    paramsSha256: string,
    json: string,
  ): Promise<boolean> {
    const r = this.db
      .prepare(
        `INSERT OR IGNORE INTO fl_updates (round, key_id, model_id, params_sha256, model_json, submitted_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(round, keyId, modelId, paramsSha256, json, now());
    return Promise.resolve(r.changes > 0);
  }

  setScore(round: number, keyId: string, f1: number, norm: number, weight: number): Promise<void> {
    this.db
      .prepare('UPDATE fl_updates SET f1 = ?, norm = ?, weight = ? WHERE round = ? AND key_id = ?')
      .run(f1, norm, weight, round, keyId);
    return Promise.resolve();
  }

  updates(round: number): Promise<UpdateRow[]> {
    const rows = this.db
      .prepare(
        `SELECT round, key_id, model_id, params_sha256, model_json, f1, weight FROM fl_updates
         WHERE round = ? ORDER BY key_id`,
      )
      .all(round) as RawUpdate[];
    return Promise.resolve(rows.map(updateRow));
  }

  update(round: number, keyId: string): Promise<string | undefined> {
    const r = this.db
      .prepare('SELECT model_json FROM fl_updates WHERE round = ? AND key_id = ?')
      .get(round, keyId) as { model_json: string } | undefined;
    return Promise.resolve(r?.model_json);
  }

  putBlock(b: Block, status: 'proposed' | 'committed'): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO fl_blocks (idx, round, hash, status, block_json) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (idx) DO UPDATE SET status = excluded.status, block_json = excluded.block_json`,
      )
      .run(b.index, b.round, b.hash, status, JSON.stringify(b));
    return Promise.resolve();
  }

  blocks(status: 'proposed' | 'committed'): Promise<Block[]> {
    const rows = this.db
      .prepare('SELECT block_json FROM fl_blocks WHERE status = ? ORDER BY idx')
      .all(status) as { block_json: string }[];
    return Promise.resolve(rows.map((r) => JSON.parse(r.block_json) as Block));
  }

  addReport(r: ReportRow): Promise<boolean> {
    const res = this.db
      .prepare(
        `INSERT OR IGNORE INTO fl_reports
         (key_id, report_id, kind, model_sha256, version, detail, reported_at, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(r.keyId, r.reportId, r.kind, r.modelSha256, r.version, r.detail, r.reportedAt, now());
    return Promise.resolve(res.changes > 0);
  }

  reports(): Promise<ReportRow[]> {
    const rows = this.db
      .prepare(
        `SELECT key_id, report_id, kind, model_sha256, version, detail, reported_at FROM fl_reports
         ORDER BY received_at, key_id, report_id`,
      )
      .all() as RawReport[];
    return Promise.resolve(rows.map(reportRow));
  }
}

/** The PostgreSQL store, for a vendor whose server shares a database with its other services. */
class PgFlStore implements FlStore {
  constructor(private readonly pool: PgPool) {}

  async register(k: RegisteredKey): Promise<boolean> {
    const r = await this.pool.query(
      `INSERT INTO fl_appliances (key_id, pem, vendor_sig, registered_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [k.keyId, k.pem, k.vendorSig, now()],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async appliances(): Promise<RegisteredKey[]> {
    const r = await this.pool.query<{ key_id: string; pem: string; vendor_sig: string }>(
      'SELECT key_id, pem, vendor_sig FROM fl_appliances ORDER BY key_id',
    );
    return r.rows.map((x) => ({ keyId: x.key_id, pem: x.pem, vendorSig: x.vendor_sig }));
  }

  async currentRound(): Promise<number | undefined> {
    const r = await this.pool.query<{ r: number | null }>('SELECT MAX(round) AS r FROM fl_rounds');
    return r.rows[0]?.r ?? undefined;
  }

  async openRound(round: number, globalJson: string): Promise<void> {
    await this.pool.query('INSERT INTO fl_rounds (round, global_json, opened_at) VALUES ($1, $2, $3)', [
      round,
      globalJson,
      now(),
    ]);
  }

  async closeRound(round: number): Promise<void> {
    await this.pool.query('UPDATE fl_rounds SET closed_at = $1 WHERE round = $2', [now(), round]);
  }

  async roundClosed(round: number): Promise<boolean> {
    const r = await this.pool.query<{ closed_at: string | null }>(
      'SELECT closed_at FROM fl_rounds WHERE round = $1',
      [round],
    );
    return !!r.rows[0]?.closed_at;
  }

  async global(round: number): Promise<string | undefined> {
    const r = await this.pool.query<{ global_json: string }>(
      'SELECT global_json FROM fl_rounds WHERE round = $1',
      [round],
    );
    return r.rows[0]?.global_json;
  }

  async addUpdate(
    round: number,
    keyId: string,
    modelId: string,
    paramsSha256: string,
    json: string,
  ): Promise<boolean> {
    const r = await this.pool.query(
      `INSERT INTO fl_updates (round, key_id, model_id, params_sha256, model_json, submitted_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
      [round, keyId, modelId, paramsSha256, json, now()],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async setScore(round: number, keyId: string, f1: number, norm: number, weight: number): Promise<void> {
    await this.pool.query(
      'UPDATE fl_updates SET f1 = $1, norm = $2, weight = $3 WHERE round = $4 AND key_id = $5',
      [f1, norm, weight, round, keyId],
    );
  }

  async updates(round: number): Promise<UpdateRow[]> {
    const r = await this.pool.query<RawUpdate>(
      `SELECT round, key_id, model_id, params_sha256, model_json, f1, weight FROM fl_updates
       WHERE round = $1 ORDER BY key_id`,
      [round],
    );
    return r.rows.map(updateRow);
  }

  async update(round: number, keyId: string): Promise<string | undefined> {
    const r = await this.pool.query<{ model_json: string }>(
      'SELECT model_json FROM fl_updates WHERE round = $1 AND key_id = $2',
      [round, keyId],
    );
    return r.rows[0]?.model_json;
  }

  async putBlock(b: Block, status: 'proposed' | 'committed'): Promise<void> {
    await this.pool.query(
      `INSERT INTO fl_blocks (idx, round, hash, status, block_json) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (idx) DO UPDATE SET status = excluded.status, block_json = excluded.block_json`,
      [b.index, b.round, b.hash, status, JSON.stringify(b)],
    );
  }

  async blocks(status: 'proposed' | 'committed'): Promise<Block[]> {
    const r = await this.pool.query<{ block_json: string }>(
      'SELECT block_json FROM fl_blocks WHERE status = $1 ORDER BY idx',
      [status],
    );
    return r.rows.map((x) => JSON.parse(x.block_json) as Block);
  }

  async addReport(x: ReportRow): Promise<boolean> {
    const r = await this.pool.query(
      `INSERT INTO fl_reports (key_id, report_id, kind, model_sha256, version, detail, reported_at, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
      [x.keyId, x.reportId, x.kind, x.modelSha256, x.version, x.detail, x.reportedAt, now()],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async reports(): Promise<ReportRow[]> {
    const r = await this.pool.query<RawReport>(
      `SELECT key_id, report_id, kind, model_sha256, version, detail, reported_at FROM fl_reports
       ORDER BY received_at, key_id, report_id`,
    );
    return r.rows.map(reportRow);
  }
}

/** The server's store in `store` (migrated): SQLite or PostgreSQL. */
export async function openFlStore(store: Store): Promise<FlStore> {
  if (store.kind === 'postgres') {
    await store.migrate(FL_SCHEMA);
    return new PgFlStore(store.pool);
  }
  store.migrate(FL_SCHEMA);
  return new SqliteFlStore(store.db);
}
