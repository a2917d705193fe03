/**
 * One versioned migration mechanism for every component and both SQL stores. A component declares its schema as
 * an ordered list of numbered steps (1, 2, 3 …); the store records (component, version, name, applied_at, checksum)
 * in `store_migrations` and applies the missing steps in order, in one transaction per component. A recorded step
 * whose checksum differs from the shipped one, a hole in the recorded versions and a store newer than this build
 * are refused with a message naming the component and version.
 *
 * Stores written before versioning kept ids such as 'identify-001-models' in `schema_migrations(id)`: a step names
 * its old id (`legacyId`), and the first migration of that component records those steps as applied (with their
 * old applied_at) instead of running them again.
 */
import { createHash } from 'node:crypto';
import { StoreError } from './errors.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Migration {
  /** 1, 2, 3 … in order; a shipped number is never reused or changed. */
  version: number;
  /** A few words for messages and the bookkeeping table, e.g. 'models'. */
  name: string;
  /** The step for SQLite; absent when the component does not live in SQLite. */
  sqlite?: string;
  /** The step for PostgreSQL; absent when the component does not live in PostgreSQL (yet). */
  postgres?: string;
  /** The id a pre-versioning store recorded for this step in `schema_migrations`. */
  legacyId?: string;
}

export interface Schema {
  /** Who owns the tables, e.g. 'intel' or 'security-event-cache': lowercase words joined by '-'. */
  component: string;
  migrations: readonly Migration[];
}

/** One row of `store_migrations`. */
export interface AppliedMigration {
  component: string;
  version: number;
  name: string;
  appliedAt: string;
  checksum: string;
}

/** What a `migrate` call did. */
export interface MigrationReport {
  component: string;
  /** Version before the call (0: none), and after. */
  from: number;
  to: number;
  /** Steps taken over from a pre-versioning `schema_migrations` table. */
  adopted: number[];
  /** Steps run now. */
  applied: number[];
}

export const BOOKKEEPING_TABLE = 'store_migrations';
export const LEGACY_TABLE = 'schema_migrations';

const DIALECT_NAME: Record<Dialect, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

/**
 * SHA-256 of the step's SQL with runs of whitespace collapsed: re-indenting a shipped step is not a change,
 * anything else is.
 */
export function checksum(sql: string): string {
  return createHash('sha256').update(sql.trim().replace(/\s+/g, ' ')).digest('hex');
}

/** The step's SQL for a dialect; throws when the component has none there. */
export function sqlFor(schema: Schema, m: Migration, dialect: Dialect, location: string): string {
  const sql = m[dialect];
  if (sql === undefined)
    throw new StoreError(
      'dialect',
      `store ${location}: ${schema.component} keeps its tables in ${dialect === 'sqlite' ? 'PostgreSQL' : 'SQLite'} only (migration ${schema.component} #${m.version} '${m.name}' has no ${DIALECT_NAME[dialect]} form)`,
    );
  return sql;
}

/** A declaration mistake is a bug in moat, caught the first time the component opens a store. */
export function validateSchema(schema: Schema): void {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(schema.component))
    throw new Error(`schema component name '${schema.component}': lowercase words joined by '-'`);
  schema.migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(
        `schema ${schema.component}: migration '${m.name}' is number ${m.version} at position ${i + 1} (versions run 1, 2, 3 … in order)`,
      );
    if (m.sqlite === undefined && m.postgres === undefined)
      throw new Error(`schema ${schema.component}: migration #${m.version} '${m.name}' has no SQL`);
  });
}

export interface Plan {
  from: number;
  /** Steps to record as applied without running them (pre-versioning store), with their old applied_at. */
  adopt: Array<{ migration: Migration; appliedAt: string }>;
  /** Steps to run, in order. */
  apply: Migration[];
}

/**
 * Decides what a migration run does from what the store records: pure, so both stores share it. `legacy` holds the
 * pre-versioning ids → applied_at, consulted only while the component has no bookkeeping rows.
 */
export function plan(
  schema: Schema,
  dialect: Dialect,
  location: string,
  recorded: ReadonlyArray<{ version: number; checksum: string }>,
  legacy: ReadonlyMap<string, string>,
): Plan {
  validateSchema(schema);
  const known = schema.migrations.length;
  const name = schema.component;
  const adopt: Plan['adopt'] = [];
  let rows = recorded;
  if (rows.length === 0 && legacy.size > 0) {
    for (const m of schema.migrations) {
      const at = m.legacyId === undefined ? undefined : legacy.get(m.legacyId);
      if (at !== undefined) adopt.push({ migration: m, appliedAt: at });
    }
    rows = adopt.map((a) => ({
      version: a.migration.version,
      checksum: checksum(sqlFor(schema, a.migration, dialect, location)),
    }));
  }
  const versions = rows.map((r) => r.version).sort((a, b) => a - b);
  const newest = versions.length ? versions[versions.length - 1] : 0;
  if (newest > known)
    throw new StoreError(
      'newer',
      `store ${location}: ${name} is at schema version ${newest} but this moat knows versions up to ${known}: the store was written by a newer moat; upgrade moat (the store is left as it is)`,
    );
  const hole = versions.findIndex((v, i) => v !== i + 1);
  if (hole >= 0)
    throw new StoreError(
      'gap',
      `store ${location}: ${name} records versions ${versions.join(', ')}: migration #${hole + 1} '${schema.migrations[hole].name}' is missing below applied ones (were migrations renumbered?)`,
    );
  const changed = rows
    .filter(
      (r) => r.checksum !== checksum(sqlFor(schema, schema.migrations[r.version - 1], dialect, location)),
    )
    .map((r) => {
      const m = schema.migrations[r.version - 1];
      return `${name} #${m.version} '${m.name}' (recorded ${r.checksum.slice(0, 12)}, shipped ${checksum(sqlFor(schema, m, dialect, location)).slice(0, 12)})`;
    });
  if (changed.length > 0)
    throw new StoreError(
      'checksum',
      `store ${location}: applied migration${changed.length > 1 ? 's' : ''} ${changed.join(', ')} differ${changed.length > 1 ? '' : 's'} from what this moat ships: a shipped migration was edited; restore it and add a new version instead`,
    );
  const apply = schema.migrations.slice(newest);
  for (const m of apply) sqlFor(schema, m, dialect, location);
  return { from: newest, adopt, apply };
}
