/**
 * T-45's geolocation source: a MaxMind-format database (GeoLite2/GeoIP2 Country or City, or any mmdb with a
 * `country.iso_code`), read with the `maxmind` reader; lookups are cached because clients hit few addresses often.
 */
import { readFileSync } from 'node:fs';
import { Reader, type CountryResponse } from 'maxmind';
import type { GeoLookup } from './services.js';

export class MmdbGeo implements GeoLookup {
  private readonly reader: Reader<CountryResponse>;
  private readonly cache = new Map<string, string | null>();

  constructor(path: string) {
    try {
      this.reader = new Reader<CountryResponse>(readFileSync(path));
    } catch (err) {
      throw new Error(
        `${path}: not a readable MaxMind database: ${err instanceof Error ? err.message : String(err)}`,
        {
          cause: err,
        },
      );
    }
  }

  country(ip: string): string | undefined {
    const hit = this.cache.get(ip);
    if (hit !== undefined) return hit ?? undefined;
    let cc: string | null;
    try {
      const r = this.reader.get(ip);
      cc = r?.country?.iso_code ?? r?.registered_country?.iso_code ?? null;
    } catch {
      cc = null;
    }
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(ip, cc);
    return cc ?? undefined;
  }
}
