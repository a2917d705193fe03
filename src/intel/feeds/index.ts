/**
 * Feed format detection and dispatch: by an explicit format name, else by file name and first lines.
 * One parser per format in this folder.
 */
import { basename } from 'node:path';
import { parseIpList } from './ip-list.js';
import { parseIpsum } from './ipsum.js';
import { parseSpamhausAsn } from './spamhaus-asn.js';
import { parseJa3Csv, parseSslbl } from './abusech.js';
import { parseMisp } from './misp.js';
import { parseStix } from './stix.js';
import type { FeedParseResult } from './types.js';

export * from './types.js';
export { parseIpList, parseIpsum, parseSpamhausAsn, parseSslbl, parseJa3Csv, parseMisp, parseStix };

export const FEED_FORMATS = [
  'ip-list',
  'ipsum',
  'ipsum-level',
  'spamhaus-asn',
  'sslbl',
  'ja3',
  'misp',
  'stix',
] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

export function detectFeedFormat(path: string, text: string): FeedFormat {
  const name = basename(path).toLowerCase();
  const head = text.slice(0, 4096).replace(/^\ufeff/, '');
  const trimmed = head.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    if (/"type"\s*:\s*"bundle"|"spec_version"\s*:\s*"2\./.test(head)) return 'stix';
    if (/"Event"\s*:|"response"\s*:/.test(head)) return 'misp';
    if (/^\{"asn":/m.test(head)) return 'spamhaus-asn';
  }
  if (/ja3_md5/i.test(head) || /ja3/.test(name)) return 'ja3';
  if (/sha1\s*,\s*listingreason|listingdate\s*,\s*sha1/i.test(head) || /sslbl|sslblacklist/.test(name))
    return 'sslbl';
  if (/asn[_-]?drop/.test(name) || /^AS\d+\s*;/m.test(head)) return 'spamhaus-asn';
  if (/\/levels\/\d+\.txt$/.test(path.replace(/\\/g, '/'))) return 'ipsum-level';
  if (/^[0-9a-fA-F:.]+\t\d+\s*$/m.test(head)) return 'ipsum';
  return 'ip-list';
}

/** Category given to plain lists by their file name (Spamhaus lists keep their names as provenance). */
function listCategory(path: string): string | undefined {
  const name = basename(path).toLowerCase();
  if (/^edrop/.test(name)) return 'spamhaus-edrop';
  if (/^drop/.test(name)) return 'spamhaus-drop';
  return undefined;
}

export function parseFeed(path: string, text: string, format?: FeedFormat): FeedParseResult {
  const f = format ?? detectFeedFormat(path, text);
  switch (f) {
    case 'ipsum':
      return parseIpsum(path, text);
    case 'ipsum-level': {
      const level = Number(/\/levels\/(\d+)\.txt$/.exec(path.replace(/\\/g, '/'))?.[1] ?? 1);
      const r = parseIpList(path, text, { category: 'ipsum', listCount: level });
      return { ...r, format: 'ipsum-level' };
    }
    case 'spamhaus-asn':
      return parseSpamhausAsn(path, text);
    case 'sslbl':
      return parseSslbl(path, text);
    case 'ja3':
      return parseJa3Csv(path, text);
    case 'misp':
      return parseMisp(path, text);
    case 'stix':
      return parseStix(path, text);
    case 'ip-list': {
      const category = listCategory(path);
      return parseIpList(path, text, category ? { category } : {});
    }
  }
}
