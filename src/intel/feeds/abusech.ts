/**
 * abuse.ch SSLBL: the certificate list ('SHA1,ListingReason,ListingDate' in the mirrored form, or the live
 * '# Listingdate,SHA1,Listingreason' form) and the JA3 list ('ja3_md5,Firstseen,Lastseen,Listingreason').
 * The header names the columns, so both column orders are read by name.
 */
import { splitCsvLine } from './csv.js';
import { numberedLines, parseFeedDate, type FeedParseResult, type Indicator } from './types.js';

function columnsOf(header: string): string[] {
  return splitCsvLine(header.replace(/^#\s*/, '')).map((c) => c.trim().toLowerCase());
}

function parseHashCsv(
  file: string,
  text: string,
  kind: 'sha1' | 'ja3',
  defaultColumns: string[],
): FeedParseResult {
  const hashLen = kind === 'sha1' ? 40 : 32;
  const hashCol = kind === 'sha1' ? 'sha1' : 'ja3_md5';
  const indicators: Indicator[] = [];
  const errors: FeedParseResult['errors'] = [];
  let cols = defaultColumns;
  for (const [n, raw] of numberedLines(text)) {
    const line = raw.trim();
    if (line === '') continue;
    const where = `line ${n}`;
    const lower = line.toLowerCase();
    if (lower.replace(/^#\s*/, '').startsWith(hashCol) || /^#\s*listingdate,/.test(lower)) {
      cols = columnsOf(line);
      continue;
    }
    if (line.startsWith('#')) continue;
    const f = splitCsvLine(line);
    const get = (name: string): string | undefined => {
      const i = cols.indexOf(name);
      return i >= 0 ? f[i] : undefined;
    };
    const hash = (get(hashCol) ?? '').toLowerCase();
    if (!new RegExp(`^[0-9a-f]{${hashLen}}$`).test(hash)) {
      errors.push({
        file,
        where,
        message: `expected a ${hashLen}-hex-digit ${hashCol}, got '${hash.slice(0, 60)}'`,
      });
      continue;
    }
    const ind: Indicator = { type: kind, value: hash, where };
    const reason = get('listingreason');
    if (reason) ind.category = reason;
    const first = get('firstseen') ?? get('listingdate');
    const last = get('lastseen');
    for (const [key, v] of [
      ['firstSeen', first],
      ['lastSeen', last],
    ] as const) {
      if (!v) continue;
      const iso = parseFeedDate(v);
      if (!iso) {
        errors.push({ file, where, message: `unreadable date '${v.slice(0, 40)}' (entry kept without it)` });
        continue;
      }
      ind[key] = iso;
    }
    indicators.push(ind);
  }
  return { format: kind === 'sha1' ? 'abusech-sslbl' : 'abusech-ja3', indicators, errors };
}

export function parseSslbl(file: string, text: string): FeedParseResult {
  return parseHashCsv(file, text, 'sha1', ['sha1', 'listingreason', 'listingdate']);
}

export function parseJa3Csv(file: string, text: string): FeedParseResult {
  return parseHashCsv(file, text, 'ja3', ['ja3_md5', 'firstseen', 'lastseen', 'listingreason']);
}
