/**
 * Installed rule bundles: every accepted bundle is kept (file + row), one is active. Installing is
 * atomic: the bundle is verified, written under a temporary name and renamed, the new engine is built, and only
 * then the active row flips and the running engine is swapped — a failure at any step leaves the old rules running.
 * Rollback re-verifies the kept bundle before it is activated again.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Db, Schema, SqliteStore } from '../store/index.js';
import { verifyBundle, type Verified, type VerifyOptions } from './checkers.js';
import type { Rule } from '../detect/index.js';

export const BUNDLE_SCHEMA: Schema = {
  component: 'rule-bundles',
  migrations: [
    {
      version: 1,
      name: 'bundles',
      legacyId: 'verify-001-bundles',
      sqlite: `CREATE TABLE rule_bundles (
      version TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      sha256 TEXT NOT NULL,
      records INTEGER NOT NULL,
      file TEXT NOT NULL,
      installed_at TEXT NOT NULL,
      active INTEGER NOT NULL DEFAULT 0
    );`,
    },
  ],
};

export interface BundleRow {
  version: string;
  name: string;
  sha256: string;
  records: number;
  file: string;
  installed_at: string;
  active: number;
}

export class BundleStore {
  private readonly db: Db;

  constructor(
    store: SqliteStore,
    private readonly dir: string,
    private readonly vendorKeys: string[],
  ) {
    store.migrate(BUNDLE_SCHEMA);
    this.db = store.db;
    mkdirSync(dir, { recursive: true });
  }

  active(): BundleRow | undefined {
    return this.db.prepare('SELECT * FROM rule_bundles WHERE active = 1').get() as BundleRow | undefined;
  }

  list(): BundleRow[] {
    return this.db.prepare('SELECT * FROM rule_bundles ORDER BY installed_at DESC').all() as BundleRow[];
  }

  verify(text: string, opts: Partial<VerifyOptions> = {}): Verified {
    return verifyBundle(text, {
      vendorKeys: this.vendorKeys,
      installedVersion: this.active()?.version,
      ...opts,
    });
  }

  /**
   * Verifies and installs; `swap` builds and installs the running engine from the rules (throw to abort: the
   * active bundle then stays as it was).
   */
  install(text: string, swap: (rules: Rule[]) => void, opts: Partial<VerifyOptions> = {}): BundleRow {
    const v = this.verify(text, opts);
    const m = v.bundle.manifest;
    const file = join(this.dir, `${m.name.replace(/[^\w.-]/g, '_')}-${m.version}.json`);
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
    swap(v.rules);
    const now = new Date().toISOString();
    this.db.transaction(() => {
      this.db.prepare('UPDATE rule_bundles SET active = 0 WHERE active = 1').run();
      this.db
        .prepare(
          `INSERT INTO rule_bundles (version, name, sha256, records, file, installed_at, active) VALUES (?, ?, ?, ?, ?, ?, 1)
           ON CONFLICT (version) DO UPDATE SET active = 1, installed_at = excluded.installed_at, file = excluded.file`,
        )
        .run(m.version, m.name, m.sha256, m.records, file, now);
    })();
    return this.active() as BundleRow;
  }

  /** Re-activates a kept version after verifying it again (its file could have been altered on disk). */
  rollback(version: string, swap: (rules: Rule[]) => void): BundleRow {
    const row = this.db.prepare('SELECT * FROM rule_bundles WHERE version = ?').get(version) as
      BundleRow | undefined;
    if (!row) throw new Error(`no kept bundle with version ${version} (see 'moat rules list')`);
    if (!existsSync(row.file)) throw new Error(`the kept bundle file ${row.file} is gone`);
    const v = verifyBundle(readFileSync(row.file, 'utf8'), {
      vendorKeys: this.vendorKeys,
      allowDowngrade: true,
    });
    swap(v.rules);
    this.db.transaction(() => {
      this.db.prepare('UPDATE rule_bundles SET active = 0 WHERE active = 1').run();
      this.db.prepare('UPDATE rule_bundles SET active = 1 WHERE version = ?').run(version);
    })();
    return this.active() as BundleRow;
  }

  /** The active bundle's rules (verified again), for start-up. */
  loadActive(): Rule[] {
    const row = this.active();
    if (!row) return [];
    return verifyBundle(readFileSync(row.file, 'utf8'), { vendorKeys: this.vendorKeys, allowDowngrade: true })
      .rules;
  }
}
