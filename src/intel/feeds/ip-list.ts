/**
 * Plain IP/CIDR lists, one entry a line: Spamhaus DROP/EDROP/DROPv6 ('1.10.16.0/20 ; SBL256894'), IPsum
 * level files (levels/N.txt: addresses on ≥ N lists), firewall blocklists. '#' and ';' start comments.
 */
import { formatCidr, isHostCidr, tryParseCidr } from '../../address/index.js';
import { numberedLines, type FeedParseResult, type Indicator } from './types.js';

export interface IpListOptions {
  category?: string;
  /** Set for IPsum level files: every address there is on at least this many lists. */
  listCount?: number;
}

export function parseIpList(file: string, text: string, opts: IpListOptions = {}): FeedParseResult {
  const indicators: Indicator[] = [];
  const errors: FeedParseResult['errors'] = [];
  for (const [n, raw] of numberedLines(text)) {
    const cut = raw.search(/[#;]/);
    const line = (cut >= 0 ? raw.slice(0, cut) : raw).trim();
    if (line === '') continue;
    const token = line.split(/\s+/)[0];
    const p = tryParseCidr(token);
    if (!p) {
      errors.push({
        file,
        where: `line ${n}`,
        message: `not an IP address or CIDR: '${token.slice(0, 60)}'`,
      });
      continue;
    }
    const host = isHostCidr(p);
    const ind: Indicator = { type: host ? 'ip' : 'cidr', value: formatCidr(p), where: `line ${n}` };
    if (opts.category) ind.category = opts.category;
    if (opts.listCount !== undefined) ind.listCount = opts.listCount;
    indicators.push(ind);
  }
  return { format: 'ip-list', indicators, errors };
}
