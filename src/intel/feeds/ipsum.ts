/** IPsum main file: 'IP<TAB>count' where count is the number of blocklists naming the address. */
import { formatCidr, isHostCidr, tryParseCidr } from '../../address/index.js';
import { numberedLines, type FeedParseResult, type Indicator } from './types.js';

export function parseIpsum(file: string, text: string): FeedParseResult {
  const indicators: Indicator[] = [];
  const errors: FeedParseResult['errors'] = [];
  for (const [n, raw] of numberedLines(text)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [ipText, countText, extra] = line.split(/\s+/);
    const p = tryParseCidr(ipText);
    const count = Number(countText);
    if (!p || !isHostCidr(p)) {
      errors.push({ file, where: `line ${n}`, message: `not an IP address: '${ipText.slice(0, 60)}'` });
    } else if (countText === undefined || !Number.isInteger(count) || count < 1 || extra !== undefined) {
      errors.push({
        file,
        where: `line ${n}`,
        message: `expected 'IP<TAB>number of lists', got '${line.slice(0, 60)}'`,
      });
    } else {
      indicators.push({
        type: 'ip',
        value: formatCidr(p),
        listCount: count,
        category: 'ipsum',
        where: `line ${n}`,
      });
    }
  }
  return { format: 'ipsum', indicators, errors };
}
