/** Keywords that keep state across packets: flowbits, threshold, detection_filter, noalert. */
import { RuleError, type Threshold } from '../rule.js';
import { commaList, intValue } from '../parse/options.js';
import { needValue, noValue, type KeywordHandler } from './context.js';

function thresholdOf(v: string, k: string, filter: boolean): Threshold {
  const fields = new Map<string, string>();
  for (const part of commaList(v)) {
    const sp = part.indexOf(' ');
    if (sp < 0) throw new RuleError(`'${part}' is not 'name value'`, undefined, k);
    fields.set(part.slice(0, sp), part.slice(sp + 1).trim());
  }
  const type = filter ? 'detection_filter' : fields.get('type');
  if (type !== 'limit' && type !== 'threshold' && type !== 'both' && type !== 'detection_filter') {
    throw new RuleError(`type must be limit, threshold or both, got '${type ?? ''}'`, undefined, k);
  }
  const track = fields.get('track');
  if (track !== 'by_src' && track !== 'by_dst' && track !== 'by_rule' && track !== 'by_both') {
    throw new RuleError(
      `track must be by_src, by_dst, by_rule or by_both, got '${track ?? ''}'`,
      undefined,
      k,
    );
  }
  return {
    type,
    track,
    count: intValue(fields.get('count'), `${k} count`, 1),
    seconds: intValue(fields.get('seconds'), `${k} seconds`, 1),
  };
}

export const STATE_KEYWORDS: Record<string, KeywordHandler> = {
  flowbits: (c, v, k) => {
    const [opText, ...rest] = commaList(needValue(v, k));
    const op = opText as 'set' | 'unset' | 'toggle' | 'isset' | 'isnotset' | 'noalert';
    if (!['set', 'unset', 'toggle', 'isset', 'isnotset', 'noalert'].includes(op)) {
      throw new RuleError(`unknown flowbits operation '${opText}'`, undefined, k);
    }
    if (op === 'noalert') {
      c.rule.flowbits.push({ op, names: [], any: false });
      return;
    }
    const expr = rest.join(',');
    if (expr === '') throw new RuleError(`'${op}' needs a flowbit name`, undefined, k);
    const any = expr.includes('|');
    const names = expr.split(/[|&]/).map((s) => s.trim());
    // Suricata allows any name without separators or blanks ("traffic/id/mozilla").
    if (names.some((n) => !/^[^\s,|&;"]+$/.test(n)))
      throw new RuleError(`bad flowbit name in '${expr}'`, undefined, k);
    c.rule.flowbits.push({ op, names, any });
  },
  noalert: (c, v, k) => {
    noValue(v, k);
    c.rule.flowbits.push({ op: 'noalert', names: [], any: false });
  },
  threshold: (c, v, k) => {
    c.rule.threshold = thresholdOf(needValue(v, k), k, false);
  },
  detection_filter: (c, v, k) => {
    c.rule.threshold = thresholdOf(needValue(v, k), k, true);
  },
};
