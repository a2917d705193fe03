/**
 * IPsum as positive-unlabelled seed data (B-4): addresses on ≥ 3 blocklists are positive seeds; those on
 * 1–2 lists are *unlabelled*, not clean — many are abusive too, so precision measured against them is a
 * lower bound. Features are address-only (there is no traffic): listed neighbours in the /24 (any level,
 * never the address itself), DROP/EDROP netblocks and ASN-DROP membership when those feeds are given,
 * ASN density with an ASN database.
 */
import { readFileSync } from 'node:fs';
import { parseFeed } from '../../intel/index.js';
import { IntelIndex } from '../../intel/index.js';
import type { GeoLookup } from '../../intel/index.js';
import type { AddressSample } from './ustc-conversations.js';

export function loadIpsumPu(
  ipsumPath: string,
  extraFeeds: string[] = [],
  geo?: GeoLookup,
): { samples: AddressSample[]; intel: IntelIndex } {
  const intel = new IntelIndex();
  const parsed = parseFeed(ipsumPath, readFileSync(ipsumPath, 'utf8'));
  if (parsed.format !== 'ipsum')
    throw new Error(`${ipsumPath}: expected the IPsum main file (IP<TAB>count), got ${parsed.format}`);
  for (const ind of parsed.indicators)
    intel.add({
      type: ind.type,
      value: ind.value,
      source: 'ipsum',
      category: null,
      list_count: ind.listCount ?? null,
    });
  for (const f of extraFeeds) {
    for (const ind of parseFeed(f, readFileSync(f, 'utf8')).indicators)
      intel.add({
        type: ind.type,
        value: ind.value,
        source: f,
        category: ind.category ?? null,
        list_count: null,
      });
  }
  if (geo?.enabled) intel.computeAsnDensity(geo);
  const samples = parsed.indicators.map((ind) => ({
    ip: ind.value.replace(/\/\d+$/, ''),
    flows: [],
    y: (ind.listCount ?? 0) >= 3 ? 1 : 0,
    family: `ipsum-${ind.listCount}`,
  }));
  return { samples, intel };
}
