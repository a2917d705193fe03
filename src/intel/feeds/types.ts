/** What every feed parser yields: normalised indicators with provenance, and per-line errors (B-4 seeds). */
export type IndicatorType = 'ip' | 'cidr' | 'asn' | 'sha1' | 'ja3' | 'domain' | 'url';

export interface Indicator {
  type: IndicatorType;
  /** Normalised: 'a.b.c.d/len' for ip/cidr (ip = host prefix), 'AS123', lower-case hex for hashes. */
  value: string;
  /** What the source says it is: 'AsyncRAT C&C', 'drop', 'malware' … */
  category?: string;
  /** IPsum: how many blocklists name the address. */
  listCount?: number;
  firstSeen?: string;
  lastSeen?: string;
  expiresAt?: string;
  /** Where in the file it came from: 'line 12' or a JSON path. */
  where: string;
}

export interface FeedError {
  file: string;
  /** 'line 12' or a JSON path like 'Event.Attribute[3]'. */
  where: string;
  message: string;
}

export interface FeedParseResult {
  format: string;
  indicators: Indicator[];
  errors: FeedError[];
}

export function formatFeedError(e: FeedError): string {
  return `${e.file}:${e.where.replace(/^line /, '')}: ${e.message}`;
}

/** Splits text into lines with their 1-based numbers, dropping a UTF-8 BOM (abuse.ch CSVs start with one). */
export function* numberedLines(text: string): Generator<[number, string]> {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let start = 0;
  let n = 1;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let line = text.slice(start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    yield [n, line];
    n++;
    start = end + 1;
  }
}

/** Dates as feeds write them → ISO 8601 UTC, or null. Accepts ISO, 'YYYY-MM-DD HH:MM:SS', 'M/D/YYYY H:MM'. */
export function parseFeedDate(text: string): string | null {
  const t = text.trim();
  let m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(t);
  if (m) {
    const d = Date.UTC(+m[3], +m[1] - 1, +m[2], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
    return Number.isFinite(d) ? new Date(d).toISOString() : null;
  }
  m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?/.exec(t);
  if (m && !/[zZ]|[+-]\d{2}:?\d{2}$/.test(t)) {
    const d = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0));
    return Number.isFinite(d) ? new Date(d).toISOString() : null;
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(t) || /^\d{10}$/.test(t)) {
    const d = /^\d{10}$/.test(t) ? Number(t) * 1000 : Date.parse(t);
    return Number.isFinite(d) ? new Date(d).toISOString() : null;
  }
  return null;
}
