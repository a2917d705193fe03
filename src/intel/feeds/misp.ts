/**
 * MISP event JSON ({"Event":{…}}, a list of them, or {"response":[{"Event":…}]}): attributes at the event
 * level and inside objects. Only attributes flagged for detection (to_ids, default true) become indicators;
 * ip-dst|port style composites keep the address. Dates: attribute first_seen/last_seen, else its timestamp,
 * else the event date.
 */
import { jsonSyntaxWhere, normaliseIndicator } from './indicator-value.js';
import { parseFeedDate, type FeedParseResult, type Indicator, type IndicatorType } from './types.js';

const TYPES: Record<string, IndicatorType> = {
  'ip-src': 'ip',
  'ip-dst': 'ip',
  'ip-src|port': 'ip',
  'ip-dst|port': 'ip',
  'ip-any': 'ip',
  domain: 'domain',
  hostname: 'domain',
  'domain|ip': 'domain',
  url: 'url',
  'x509-fingerprint-sha1': 'sha1',
  'ja3-fingerprint-md5': 'ja3',
  AS: 'asn',
};

function isoOf(v: unknown): string | undefined {
  if (typeof v === 'number') return new Date(v * 1000).toISOString();
  if (typeof v === 'string' && v !== '') return parseFeedDate(v) ?? undefined;
  return undefined;
}

export function parseMisp(file: string, text: string): FeedParseResult {
  const indicators: Indicator[] = [];
  const errors: FeedParseResult['errors'] = [];
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return {
      format: 'misp',
      indicators,
      errors: [{ file, where: jsonSyntaxWhere(text, e), message: 'not valid JSON' }],
    };
  }
  const events: { ev: Record<string, unknown>; path: string }[] = [];
  const collect = (node: unknown, path: string): void => {
    if (Array.isArray(node)) node.forEach((x, i) => collect(x, `${path}[${i}]`));
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.Event && typeof o.Event === 'object')
        events.push({ ev: o.Event as Record<string, unknown>, path: `${path}${path ? '.' : ''}Event` });
      else if (Array.isArray(o.response)) collect(o.response, 'response');
    }
  };
  collect(doc, '');
  if (events.length === 0) errors.push({ file, where: 'line 1', message: "no MISP 'Event' object found" });
  for (const { ev, path } of events) {
    const eventDate = isoOf(ev.date);
    const eventInfo = typeof ev.info === 'string' ? ev.info : undefined;
    const attrs: { a: unknown; where: string }[] = [];
    if (Array.isArray(ev.Attribute))
      ev.Attribute.forEach((a, i) => attrs.push({ a, where: `${path}.Attribute[${i}]` }));
    if (Array.isArray(ev.Object))
      ev.Object.forEach((o, i) => {
        const oa = (o as Record<string, unknown>)?.Attribute;
        if (Array.isArray(oa))
          oa.forEach((a, j) => attrs.push({ a, where: `${path}.Object[${i}].Attribute[${j}]` }));
      });
    for (const { a, where } of attrs) {
      if (!a || typeof a !== 'object') {
        errors.push({ file, where, message: 'attribute is not an object' });
        continue;
      }
      const at = a as Record<string, unknown>;
      if (typeof at.type !== 'string' || typeof at.value !== 'string') {
        errors.push({ file, where, message: "attribute needs string 'type' and 'value'" });
        continue;
      }
      if (at.to_ids === false || at.to_ids === 0) continue;
      const t = TYPES[at.type];
      if (!t) continue; // Types moat does not match on (filenames, e-mail subjects …) are not errors.
      let value = at.value;
      if (at.type.includes('|')) value = at.type === 'domain|ip' ? value.split('|')[0] : value.split('|')[0];
      const norm = normaliseIndicator(t, value);
      if (typeof norm === 'string') {
        errors.push({ file, where, message: norm });
        continue;
      }
      const ind: Indicator = { ...norm, where };
      const category = [typeof at.category === 'string' ? at.category : undefined, eventInfo]
        .filter(Boolean)
        .join(': ');
      if (category) ind.category = category;
      const first = isoOf(at.first_seen) ?? isoOf(at.timestamp) ?? eventDate;
      const last = isoOf(at.last_seen) ?? isoOf(at.timestamp);
      if (first) ind.firstSeen = first;
      if (last) ind.lastSeen = last;
      indicators.push(ind);
    }
  }
  return { format: 'misp', indicators, errors };
}
