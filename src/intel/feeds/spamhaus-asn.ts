/**
 * Spamhaus ASN-DROP: JSON lines ({"asn":932,"rir":"arin","domain":…,"cc":"US","asname":"XNNET"}, with a
 * trailing {"type":"metadata",…} line in the live feed) or the older text form 'AS932 ; US | XNNET'.
 */
import { numberedLines, type FeedParseResult, type Indicator } from './types.js';

export function parseSpamhausAsn(file: string, text: string): FeedParseResult {
  const indicators: Indicator[] = [];
  const errors: FeedParseResult['errors'] = [];
  for (const [n, raw] of numberedLines(text)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const where = `line ${n}`;
    if (line.startsWith('{')) {
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        errors.push({ file, where, message: 'not valid JSON' });
        continue;
      }
      const o = obj as Record<string, unknown>;
      if (o.type === 'metadata') continue;
      if (!Number.isInteger(o.asn) || (o.asn as number) < 0 || (o.asn as number) > 4294967295) {
        errors.push({ file, where, message: `'asn' must be an AS number, got ${JSON.stringify(o.asn)}` });
        continue;
      }
      const name = typeof o.asname === 'string' ? o.asname : undefined;
      indicators.push({
        type: 'asn',
        value: `AS${o.asn}`,
        category: name ? `asn-drop ${name}` : 'asn-drop',
        where,
      });
      continue;
    }
    const m = /^AS(\d{1,10})\b/i.exec(line);
    if (!m || Number(m[1]) > 4294967295) {
      errors.push({
        file,
        where,
        message: `expected 'ASnnn ; CC | NAME' or a JSON object, got '${line.slice(0, 60)}'`,
      });
      continue;
    }
    indicators.push({ type: 'asn', value: `AS${Number(m[1])}`, category: 'asn-drop', where });
  }
  return { format: 'spamhaus-asn', indicators, errors };
}
