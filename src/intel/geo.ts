/**
 * Address facts from MaxMind DB files (B-4 IP features): ASN and organisation from a GeoLite2-ASN style
 * database, country from a Country/City database. Either is optional; answers are cached per address
 * because the same peers recur. Broken databases are refused at open with the file name.
 */
import { readFileSync } from 'node:fs';
import { Reader, type Response } from 'maxmind';
import { tryParseIp } from '../address/index.js';
import type { AsnRanges } from './asn-ranges.js';

export interface GeoFacts {
  asn?: number;
  org?: string;
  country?: string;
}

interface MmdbRecord {
  autonomous_system_number?: number;
  autonomous_system_organization?: string;
  isp?: string;
  organization?: string;
  country?: { iso_code?: string };
  registered_country?: { iso_code?: string };
}

export class GeoLookup {
  private readonly asnDb?: Reader<Response>;
  private readonly countryDb?: Reader<Response>;
  private readonly cache = new Map<string, GeoFacts>();
  private readonly ranges?: AsnRanges;

  /** asnRanges: CSV range tables (@ip-location-db/asn) used when no ASN mmdb answers. */
  constructor(opts: { asnDb?: string; countryDb?: string; asnRanges?: AsnRanges }) {
    if (opts.asnRanges) this.ranges = opts.asnRanges;
    const open = (path: string): Reader<Response> => {
      try {
        return new Reader<Response>(readFileSync(path));
      } catch (e) {
        throw new Error(
          `${path}: not a readable MaxMind DB (${e instanceof Error ? e.message : String(e)})`,
          {
            cause: e,
          },
        );
      }
    };
    if (opts.asnDb) this.asnDb = open(opts.asnDb);
    if (opts.countryDb) this.countryDb = open(opts.countryDb);
  }

  get enabled(): boolean {
    return this.asnDb !== undefined || this.countryDb !== undefined || this.ranges !== undefined;
  }

  lookup(ip: string): GeoFacts {
    const hit = this.cache.get(ip);
    if (hit) return hit;
    const facts: GeoFacts = {};
    try {
      const a = this.asnDb?.get(ip) as MmdbRecord | null | undefined;
      if (a) {
        if (a.autonomous_system_number !== undefined) facts.asn = a.autonomous_system_number;
        const org = a.autonomous_system_organization ?? a.organization ?? a.isp;
        if (org) facts.org = org;
      }
      if (facts.asn === undefined && this.ranges) {
        const parsed = tryParseIp(ip);
        const r = parsed ? this.ranges.lookup(parsed.words) : undefined;
        if (r) {
          facts.asn = r.asn;
          if (r.org) facts.org = r.org;
        }
      }
      const c = this.countryDb?.get(ip) as MmdbRecord | null | undefined;
      const cc = c?.country?.iso_code ?? c?.registered_country?.iso_code;
      if (cc) facts.country = cc;
    } catch {
      // A corrupt record for one address leaves its facts unknown rather than failing the request.
    }
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(ip, facts);
    return facts;
  }
}
