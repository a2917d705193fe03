/**
 * The federated-learning server's store (SQLite): registered appliance keys, each round's global model, the
 * updates submitted in a round with their scores, and the ledger's blocks (proposed, then committed with their
 * signatures). Everything the server has accepted is written before it answers, so a restart loses nothing.
 */
import type { Db, Schema, SqliteStore } from '../store/index.js';
import type { RegisteredKey } from './fl-protocol.js';
import type { Block } from './ledger.js';

export const FL_SCHEMA: Schema = {
  component: 'fl',
  migrations: [
    {
      version: 1,
      name: 'ledger',
      sqlite: `
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
        status TEXT NOT NULL CHECK (status IN ('proposed', 'committed')), block_json TEXT NOT NULL);`,
    },
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

export class FlStore {
  readonly db: Db;

  constructor(store: SqliteStore) {
    store.migrate(FL_SCHEMA);
    this.db = store.db;
  }

  register(k: RegisteredKey): boolean {
    return (
      this.db
        .prepare(
          'INSERT OR IGNORE INTO fl_appliances (key_id, pem, vendor_sig, registered_at) VALUES (?, ?, ?, ?)',
        )
        .run(k.keyId, k.pem, k.vendorSig, new Date().toISOString()).changes > 0
    );
  }

  appliances(): RegisteredKey[] {
    return (
      this.db.prepare('SELECT key_id, pem, vendor_sig FROM fl_appliances ORDER BY key_id').all() as {
        key_id: string;
        pem: string;
        vendor_sig: string;
      }[]
    ).map((r) => ({ keyId: r.key_id, pem: r.pem, vendorSig: r.vendor_sig }));
  }

  /** The open round (the highest), or undefined before the first. */
  currentRound(): number | undefined {
    const r = this.db.prepare('SELECT MAX(round) AS r FROM fl_rounds').get() as { r: number | null };
    return r.r ?? undefined;
  }

  openRound(round: number, globalJson: string): void {
    this.db
      .prepare('INSERT INTO fl_rounds (round, global_json, opened_at) VALUES (?, ?, ?)')
      .run(round, globalJson, new Date().toISOString());
  }

  closeRound(round: number): void {
    this.db
      .prepare('UPDATE fl_rounds SET closed_at = ? WHERE round = ?')
      .run(new Date().toISOString(), round);
  }

  roundClosed(round: number): boolean {
    const r = this.db.prepare('SELECT closed_at FROM fl_rounds WHERE round = ?').get(round) as
      { closed_at: string | null } | undefined;
    return !!r?.closed_at;
  }

  global(round: number): string | undefined {
    const r = this.db.prepare('SELECT global_json FROM fl_rounds WHERE round = ?').get(round) as
      { global_json: string } | undefined;
    return r?.global_json;
  }

  addUpdate(round: number, keyId: string, modelId: string, paramsSha256: string, json: string): boolean {
    return (
      this.db
        .prepare(
          `INSERT OR IGNORE INTO fl_updates (round, key_id, model_id, params_sha256, model_json, submitted_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(round, keyId, modelId, paramsSha256, json, new Date().toISOString()).changes > 0
    );
  }

  setScore(round: number, keyId: string, f1: number, norm: number, weight: number): void {
    this.db
      .prepare('UPDATE fl_updates SET f1 = ?, norm = ?, weight = ? WHERE round = ? AND key_id = ?')
      .run(f1, norm, weight, round, keyId);
  }

  updates(round: number): UpdateRow[] {
    return (
      this.db
        .prepare(
          `SELECT round, key_id, model_id, params_sha256, model_json, f1, weight FROM fl_updates
           WHERE round = ? ORDER BY key_id`,
        )
        .all(round) as {
        round: number;
        key_id: string;
        model_id: string;
        params_sha256: string;
        model_json: string;
        f1: number | null;
        weight: number | null;
      }[]
    ).map((r) => ({
      round: r.round,
      keyId: r.key_id,
      modelId: r.model_id,
      paramsSha256: r.params_sha256,
      modelJson: r.model_json,
      f1: r.f1,
      weight: r.weight,
    }));
  }

  update(round: number, keyId: string): string | undefined {
    const r = this.db
      .prepare('SELECT model_json FROM fl_updates WHERE round = ? AND key_id = ?')
      .get(round, keyId) as { model_json: string } | undefined;
    return r?.model_json;
  }

  putBlock(b: Block, status: 'proposed' | 'committed'): void {
    this.db
      .prepare(
        `INSERT INTO fl_blocks (idx, round, hash, status, block_json) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (idx) DO UPDATE SET status = excluded.status, block_json = excluded.block_json`,
      )
      .run(b.index, b.round, b.hash, status, JSON.stringify(b));
  }

  blocks(status: 'proposed' | 'committed'): Block[] {
    return (
      this.db.prepare('SELECT block_json FROM fl_blocks WHERE status = ? ORDER BY idx').all(status) as {
        block_json: string;
      }[]
    ).map((r) => JSON.parse(r.block_json) as Block);
  }
}
