/**
 * T-44 domain reputation and T-47 registration age from a local store an operator loads (CSV or JSON lines), kept
 * in SQLite so it survives restarts and can be shared with the identification service's verdicts later.
 * CSV columns: domain, reputation (0…1, 1 = good, empty if unknown), registered (ISO date, empty if unknown).
 */
import { readFileSync } from 'node:fs';
import type { Db, Schema, SqliteStore } from '../store/index.js';
import type { DomainFacts } from './services.js';

export const DOMAIN_SCHEMA: Schema = {
  component: 'tlsmon-domains',
  migrations: [
    {
      version: 1,
      name: 'domains',
      legacyId: 'tlsmon-002-domains',
      sqlite: `CREATE TABLE tlsmon_domains (
      domain TEXT PRIMARY KEY,
      reputation REAL,
      registered INTEGER,
      source TEXT NOT NULL,
      loaded_at TEXT NOT NULL
    ) WITHOUT ROWID;`,
    },
  ],
};

export interface DomainRow {
  domain: string;
  reputation?: number;
  registered?: number;
}

export class DomainLoadError extends Error {}

function parseRow(
  d: string,
  rep: string | number | undefined,
  reg: string | undefined,
  where: string,
): DomainRow {
  const domain = d.trim().toLowerCase().replace(/\.$/, '');
  if (!/^[a-z0-9_*-]+(\.[a-z0-9_-]+)*$/.test(domain))
    throw new DomainLoadError(`${where}: '${d}' is not a domain name`);
  const row: DomainRow = { domain };
  if (rep !== undefined && String(rep).trim() !== '') {
    const r = Number(rep);
    if (!(r >= 0 && r <= 1))
      throw new DomainLoadError(`${where}: reputation '${String(rep)}' is not between 0 and 1`);
    row.reputation = r;
  }
  if (reg !== undefined && reg.trim() !== '') {
    const t = Date.parse(reg.trim());
    if (!Number.isFinite(t)) throw new DomainLoadError(`${where}: registered '${reg}' is not a date`);
    row.registered = t;
  }
  return row;
}

/** Parses a CSV (optional header) or JSON-lines file; every bad line is reported with file:line. */
export function parseDomainFile(
  path: string,
  text = readFileSync(path, 'utf8'),
): { rows: DomainRow[]; errors: string[] } {
  const rows: DomainRow[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const where = `${path}:${i + 1}`;
    const t = line.trim();
    if (t === '' || t.startsWith('#') || /^domain\s*,/i.test(t)) return;
    try {
      if (t.startsWith('{')) {
        const o = JSON.parse(t) as { domain?: string; reputation?: number; registered?: string };
        if (typeof o.domain !== 'string') throw new DomainLoadError(`${where}: no "domain" field`);
        rows.push(parseRow(o.domain, o.reputation, o.registered, where));
      } else {
        const [d, rep, reg] = t.split(',');
        rows.push(parseRow(d, rep, reg, where));
      }
    } catch (err) {
      errors.push(
        err instanceof DomainLoadError
          ? err.message
          : `${where}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  });
  return { rows, errors };
}

export class DomainStore implements DomainFacts {
  private readonly rep = new Map<string, number>();
  private readonly reg = new Map<string, number>();

  private readonly db?: Db;

  /** Without a store the facts live in memory only. */
  constructor(store?: SqliteStore) {
    if (!store) return;
    store.migrate(DOMAIN_SCHEMA);
    const db = (this.db = store.db);
    const rows = db.prepare('SELECT domain, reputation, registered FROM tlsmon_domains').all() as Array<{
      domain: string;
      reputation: number | null;
      registered: number | null;
    }>;
    for (const r of rows)
      this.put({
        domain: r.domain,
        reputation: r.reputation ?? undefined,
        registered: r.registered ?? undefined,
      });
  }

  private put(r: DomainRow): void {
    if (r.reputation !== undefined) this.rep.set(r.domain, r.reputation);
    if (r.registered !== undefined) this.reg.set(r.domain, r.registered);
  }

  /** Loads rows (valid ones are kept even when others in the file are bad) and persists them. */
  load(rows: DomainRow[], source: string): number {
    const now = new Date().toISOString();
    const ins = this.db?.prepare(
      `INSERT INTO tlsmon_domains (domain, reputation, registered, source, loaded_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (domain) DO UPDATE SET reputation = coalesce(excluded.reputation, reputation),
         registered = coalesce(excluded.registered, registered), source = excluded.source, loaded_at = excluded.loaded_at`,
    );
    const write = (): void => {
      for (const r of rows) {
        this.put(r);
        ins?.run(r.domain, r.reputation ?? null, r.registered ?? null, source, now);
      }
    };
    if (this.db) this.db.transaction(write)();
    else write();
    return rows.length;
  }

  reputation(domain: string): number | undefined {
    return this.rep.get(domain);
  }

  registered(domain: string): number | undefined {
    return this.reg.get(domain);
  }

  get size(): number {
    return new Set([...this.rep.keys(), ...this.reg.keys()]).size;
  }
}
