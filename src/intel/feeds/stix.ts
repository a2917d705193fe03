/**
 * STIX 2.1 bundles: 'indicator' objects with pattern_type 'stix' whose pattern is one comparison or an OR of
 * comparisons on ipv4-addr/ipv6-addr/domain-name/url values, x509-certificate or file SHA-1 hashes, or
 * network-traffic JA3 extensions. valid_from/valid_until give first-seen and expiry; revoked ones are skipped.
 * Patterns with AND / FOLLOWEDBY / qualifiers need a correlation engine: reported, not half-matched.
 */
import { jsonSyntaxWhere, normaliseIndicator } from './indicator-value.js';
import { parseFeedDate, type FeedParseResult, type Indicator, type IndicatorType } from './types.js';

const COMPARISON = /^\s*\[?\s*([a-z0-9-]+):([A-Za-z0-9_.'"-]+)\s*=\s*'((?:[^'\\]|\\.)*)'\s*\]?\s*$/;

function typeOf(object: string, path: string): IndicatorType | undefined {
  const p = path.replace(/"/g, "'").toLowerCase();
  if (object === 'ipv4-addr' || object === 'ipv6-addr') return p === 'value' ? 'ip' : undefined;
  if (object === 'domain-name') return p === 'value' ? 'domain' : undefined;
  if (object === 'url') return p === 'value' ? 'url' : undefined;
  if ((object === 'x509-certificate' || object === 'file') && p === "hashes.'sha-1'") return 'sha1';
  if (object === 'autonomous-system' && p === 'number') return 'asn';
  if (object === 'network-traffic' && /ja3/.test(p)) return 'ja3';
  return undefined;
}

export function parseStixPattern(pattern: string): { type: IndicatorType; value: string }[] | string {
  if (/\b(AND|FOLLOWEDBY|WITHIN|REPEATS|START|STOP)\b/.test(pattern.replace(/'(?:[^'\\]|\\.)*'/g, "''")))
    return 'pattern uses AND/FOLLOWEDBY/qualifiers: not a simple indicator';
  const out: { type: IndicatorType; value: string }[] = [];
  for (const part of pattern.split(/\]\s*OR\s*\[|\s+OR\s+/)) {
    const m = COMPARISON.exec(part);
    if (!m) return `unsupported comparison '${part.trim().slice(0, 80)}'`;
    const t = typeOf(m[1], m[2]);
    if (!t) return `unsupported object path '${m[1]}:${m[2]}'`;
    const norm = normaliseIndicator(t, m[3].replace(/\\(.)/g, '$1'));
    if (typeof norm === 'string') return norm;
    out.push(norm);
  }
  return out;
}

export function parseStix(file: string, text: string): FeedParseResult {
  const indicators: Indicator[] = [];
  const errors: FeedParseResult['errors'] = [];
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return {
      format: 'stix',
      indicators,
      errors: [{ file, where: jsonSyntaxWhere(text, e), message: 'not valid JSON' }],
    };
  }
  const d = doc as Record<string, unknown>;
  const objects =
    d?.type === 'bundle' && Array.isArray(d.objects) ? d.objects : d?.type === 'indicator' ? [d] : null;
  if (!objects)
    return {
      format: 'stix',
      indicators,
      errors: [{ file, where: 'line 1', message: "not a STIX bundle (type 'bundle' with 'objects')" }],
    };
  objects.forEach((o: unknown, i: number) => {
    const where = `objects[${i}]`;
    const obj = o as Record<string, unknown>;
    if (!obj || obj.type !== 'indicator') return;
    if (obj.revoked === true) return;
    if (obj.pattern_type !== undefined && obj.pattern_type !== 'stix') return;
    if (typeof obj.pattern !== 'string') {
      errors.push({ file, where, message: "indicator without a string 'pattern'" });
      return;
    }
    const parsed = parseStixPattern(obj.pattern);
    if (typeof parsed === 'string') {
      errors.push({ file, where, message: parsed });
      return;
    }
    const labels = [
      ...(Array.isArray(obj.indicator_types) ? obj.indicator_types : []),
      ...(Array.isArray(obj.labels) ? obj.labels : []),
    ].filter((x) => typeof x === 'string');
    const category = [typeof obj.name === 'string' ? obj.name : undefined, labels.join(',') || undefined]
      .filter(Boolean)
      .join(': ');
    const first = typeof obj.valid_from === 'string' ? parseFeedDate(obj.valid_from) : null;
    const until = typeof obj.valid_until === 'string' ? parseFeedDate(obj.valid_until) : null;
    const modified = typeof obj.modified === 'string' ? parseFeedDate(obj.modified) : null;
    for (const p of parsed) {
      const ind: Indicator = { ...p, where };
      if (category) ind.category = category;
      if (first) ind.firstSeen = first;
      if (modified) ind.lastSeen = modified;
      if (until) ind.expiresAt = until;
      indicators.push(ind);
    }
  });
  return { format: 'stix', indicators, errors };
}
