/**
 * Spec T's blacklists and reputation (T-24, T-35, T-46) and geolocation (T-45) come from the shared threat-intel
 * layer (`intel/`): the same feed parsers and index the identification service uses, so a feed loaded once serves
 * both. These adapters only translate the index's answers into the monitor's service interfaces.
 */
import { readFileSync } from 'node:fs';
import { parseFeed, formatFeedError, IntelIndex, GeoLookup } from '../intel/index.js';
import type {
  AddressList,
  CertificateBlacklist,
  FingerprintBlacklist,
  GeoLookup as TlsmonGeo,
} from './services.js';

export interface IntelLists {
  certBlacklist: CertificateBlacklist;
  fingerprintBlacklist: FingerprintBlacklist;
  addressBlacklist: AddressList;
  addressReputation: AddressList;
  indicators: number;
  errors: string[];
}

/** Loads feed files (format detected per file) into one index; bad lines are reported, good ones kept. */
export function loadIntelLists(files: readonly string[]): IntelLists {
  const index = new IntelIndex();
  const errors: string[] = [];
  let indicators = 0;
  for (const f of files) {
    const r = parseFeed(f, readFileSync(f, 'utf8'));
    for (const e of r.errors) errors.push(formatFeedError(e));
    for (const ind of r.indicators) {
      index.add({
        type: ind.type,
        value: ind.value,
        source: f,
        category: ind.category ?? null,
        list_count: ind.listCount ?? null,
      });
      indicators++;
    }
  }
  const certBlacklist: CertificateBlacklist = {
    lookup(sha1) {
      const hit = index.sha1.get(sha1.toLowerCase());
      return hit ? `${hit.sources[0]}${hit.categories[0] ? ` (${hit.categories[0]})` : ''}` : undefined;
    },
  };
  const fingerprintBlacklist: FingerprintBlacklist = {
    lookup(ja3) {
      const hit = index.ja3.get(ja3.toLowerCase());
      return hit ? `${hit.sources[0]}${hit.categories[0] ? ` (${hit.categories[0]})` : ''}` : undefined;
    },
  };
  // Blocklists proper (DROP, plain lists, SSLBL IPs) vs reputation counts (IPsum: how many lists name it).
  const addressBlacklist: AddressList = {
    lookup(ip) {
      const hit = index.lookupIpText(ip);
      if (!hit || (hit.listCount > 0 && hit.categories.every((c) => c === 'ipsum'))) return undefined;
      return { list: hit.sources.join(', '), count: Math.max(1, hit.listCount) };
    },
  };
  const addressReputation: AddressList = {
    lookup(ip) {
      const hit = index.lookupIpText(ip);
      return hit ? { list: hit.sources.join(', '), count: Math.max(1, hit.listCount) } : undefined;
    },
  };
  return { certBlacklist, fingerprintBlacklist, addressBlacklist, addressReputation, indicators, errors };
}

export function mmdbCountries(path: string): TlsmonGeo {
  const geo = new GeoLookup({ countryDb: path });
  return { country: (ip) => geo.lookup(ip).country };
}
