/** What the `moat identify` subcommands share: the stores, number flags, and AS/geo data flags. */
import { existsSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import type { SqliteStore, Store } from '../../../store/index.js';
import type { StoreSet } from '../../stores.js';
import { ApiKeyStore, type KeyVerifier } from '../../../api/index.js';
import { PgApiKeyStore } from '../../../api/index.js';
import { PgRequestLog, SqliteRequestLog, type RequestLog } from '../../../api/index.js';
import type { IntelStore } from '../../../intel/index.js';
import { GeoLookup, AsnRanges, IntelIndex } from '../../../intel/index.js';

export const DEFAULT_DB = 'moat.db';
export const DB_HELP = 'the store (SQLite file): models and intel';
export const FLEET_HELP =
  'the store a fleet of services shares, usually postgres://user@host:port/db: API keys and the request log (default: --db)';
export const PG_NOTE = 'use --fleet-db URL (the store a fleet shares: API keys and request log)';

/** The local store: models, training runs and intel live in SQLite only. */
export function localStore(stores: StoreSet, location: string): SqliteStore {
  return stores.sqliteStore('--db', location, 'identification models and intel');
}

/** Where the fleet's tables (API keys, request log) live: --fleet-db (or the old --pg), else --db. */
export async function fleetStore(
  stores: StoreSet,
  flags: { db: string; fleetDb?: string; pg?: string },
): Promise<Store> {
  if (flags.fleetDb && flags.pg && flags.fleetDb !== flags.pg)
    throw new UsageError('--pg is the old name of --fleet-db: give one of them');
  const fleet = flags.fleetDb ?? flags.pg;
  return fleet ? stores.store(flags.fleetDb ? '--fleet-db' : '--pg', fleet) : stores.store('--db', flags.db);
}

/** The API keys in the store given (their table is migrated on open). */
export async function openKeys(store: Store): Promise<ApiKeyStore | PgApiKeyStore> {
  return store.kind === 'postgres' ? PgApiKeyStore.open(store) : new ApiKeyStore(store);
}

/** The request log in the store given. */
export async function openRequestLog(store: Store): Promise<RequestLog> {
  return store.kind === 'postgres' ? PgRequestLog.open(store) : new SqliteRequestLog(store);
}

export type { KeyVerifier };

/** `--name` as a number in [min, max], or a usage error naming the flag. */
export function num(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`--${name} must be a number in [${min}, ${max}], got '${text}'`);
  return n;
}

export function loadIntel(intel: IntelStore, geo?: GeoLookup): IntelIndex {
  return IntelIndex.fromRows(intel.live(), geo);
}

export interface GeoFlags {
  asnDb?: string;
  countryDb?: string;
  /** true: the @ip-location-db/asn package's tables; a string: 'v4.csv[,v6.csv]'. */
  asnRanges?: string | boolean;
}

export const ASN_RANGES_HELP =
  'ASN/organisation from range CSVs (default: the @ip-location-db/asn package, DB-IP CC-BY-4.0)';

/** The range CSVs --asn-ranges names (the package's when given without files). */
export function asnRangeFiles(flags: GeoFlags): { v4: string; v6?: string } | undefined {
  if (!flags.asnRanges) return undefined;
  if (typeof flags.asnRanges === 'string') {
    const [v4, v6] = flags.asnRanges.split(',');
    return v6 ? { v4, v6 } : { v4 };
  }
  return AsnRanges.packageFiles() ?? undefined;
}

export function geoFrom(flags: GeoFlags): GeoLookup | undefined {
  if (!flags.asnDb && !flags.countryDb && !flags.asnRanges) return undefined;
  for (const p of [flags.asnDb, flags.countryDb])
    if (p && !existsSync(p)) throw new UsageError(`no such MaxMind DB: ${p}`);
  let asnRanges: AsnRanges | undefined;
  if (flags.asnRanges) {
    let files: { v4: string; v6?: string } | null;
    if (typeof flags.asnRanges === 'string') {
      const [v4, v6] = flags.asnRanges.split(',');
      files = v6 ? { v4, v6 } : { v4 };
    } else files = AsnRanges.packageFiles();
    if (!files)
      throw new UsageError('--asn-ranges: the @ip-location-db/asn package is not installed; give CSV files');
    for (const p of [files.v4, files.v6])
      if (p && !existsSync(p)) throw new UsageError(`--asn-ranges: no such file: ${p}`);
    asnRanges = AsnRanges.load(files.v4, files.v6);
  }
  return new GeoLookup({
    ...(flags.asnDb ? { asnDb: flags.asnDb } : {}),
    ...(flags.countryDb ? { countryDb: flags.countryDb } : {}),
    ...(asnRanges ? { asnRanges } : {}),
  });
}

/** A metric for the tables: three decimals, 'n/a' when undefined. */
export function fmt(x: number): string {
  return Number.isNaN(x) ? '  n/a' : x.toFixed(3);
}
