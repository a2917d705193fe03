/** What the `moat identify` subcommands share: the default store, number flags, and AS/geo data flags. */
import { existsSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import type { Db } from '../../../store/index.js';
import { GeoLookup, AsnRanges, IntelIndex, IntelStore } from '../../../intel/index.js';

export const DEFAULT_DB = 'moat.db';

/** `--name` as a number in [min, max], or a usage error naming the flag. */
export function num(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`--${name} must be a number in [${min}, ${max}], got '${text}'`);
  return n;
}

export function loadIntel(db: Db, geo?: GeoLookup): IntelIndex {
  return IntelIndex.fromRows(new IntelStore(db).live(), geo);
}

export interface GeoFlags {
  asnDb?: string;
  countryDb?: string;
  /** true: the @ip-location-db/asn package's tables; a string: 'v4.csv[,v6.csv]'. */
  asnRanges?: string | boolean;
}

export const ASN_RANGES_HELP =
  'ASN/organisation from range CSVs (default: the @ip-location-db/asn package, DB-IP CC-BY-4.0)';

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
