/** Keywords that keep state across packets: flowbits, threshold, detection_filter, noalert. */
import { RuleError, type FlowintOp, type Threshold, type XbitOp } from '../rule.js';
import { commaList, intValue } from '../parse/options.js';
import { needValue, noValue, type KeywordHandler } from './context.js';
import { ownCopy, shared } from '../parse/strings.js';

const TRACKS = new Set(['by_src', 'by_dst', 'by_rule', 'by_both', 'by_flow']);

/**
 * threshold:type <limit|threshold|both|backoff>, track <by_src|by_dst|by_rule|by_both|by_flow>, count N,
 * <seconds T | multiplier M> (backoff: by_flow and a multiplier, no window), or detection_filter:track …, count N,
 * seconds T.
 */
function thresholdOf(v: string, k: string, filter: boolean): Threshold {
  const fields = new Map<string, string>();
  for (const part of commaList(v)) {
    const sp = part.indexOf(' ');
    if (sp < 0) throw new RuleError(`'${part}' is not 'name value'`, undefined, k);
    fields.set(part.slice(0, sp), part.slice(sp + 1).trim());
  }
  const type = filter ? 'detection_filter' : fields.get('type');
  if (
    type !== 'limit' &&
    type !== 'threshold' &&
    type !== 'both' &&
    type !== 'backoff' &&
    type !== 'detection_filter'
  ) {
    throw new RuleError(`type must be limit, threshold, both or backoff, got '${type ?? ''}'`, undefined, k);
  }
  const track = fields.get('track');
  if (track === undefined || !TRACKS.has(track)) {
    throw new RuleError(
      `track must be by_src, by_dst, by_rule, by_both or by_flow, got '${track ?? ''}'`,
      undefined,
      k,
    );
  }
  const count = intValue(fields.get('count'), `${k} count`, 1);
  if (type === 'backoff') {
    if (track !== 'by_flow')
      throw new RuleError(`type backoff needs track by_flow, got ${track}`, undefined, k);
    if (fields.has('seconds'))
      throw new RuleError('type backoff takes a multiplier, not seconds', undefined, k);
    return {
      type,
      track,
      count,
      seconds: 0,
      multiplier: intValue(fields.get('multiplier'), `${k} multiplier`, 1),
    };
  }
  if (fields.has('multiplier')) throw new RuleError('multiplier is only for type backoff', undefined, k);
  return {
    type,
    track: track as Threshold['track'],
    count,
    seconds: intValue(fields.get('seconds'), `${k} seconds`, 1),
  };
}

/**
 * The operation and bit name of an xbits/hostbits option; `<kind>s:noalert` alone is recorded as flowbits' noalert
 * and gives undefined.
 */
function bitOperation(
  c: Parameters<KeywordHandler>[0],
  opText: string | undefined,
  name: string | undefined,
  kind: 'xbit' | 'hostbit',
  k: string,
): [XbitOp['op'], string] | undefined {
  if (opText === 'noalert' && name === undefined) {
    c.rule.flowbits.push({ op: 'noalert', names: [], any: false });
    return undefined;
  }
  const op = opText as XbitOp['op'];
  if (!['set', 'unset', 'toggle', 'isset', 'isnotset'].includes(op))
    throw new RuleError(`unknown ${kind}s operation '${opText}'`, undefined, k);
  if (!name || !/^[^\s,|&;"]+$/.test(name))
    throw new RuleError(`bad ${kind} name '${name ?? ''}'`, undefined, k);
  return [op, name];
}

/** Suricata's default lifetime of an xbit, in seconds. */
export const XBITS_DEFAULT_EXPIRE = 30;

/** xbits:<set|unset|toggle|isset|isnotset>,<name>,track <ip_src|ip_dst|ip_pair>[,expire <seconds>], or xbits:noalert. */
function xbits(c: Parameters<KeywordHandler>[0], v: string | undefined, k: string): void {
  const [opText, nameText, ...rest] = commaList(needValue(v, k));
  const bit = bitOperation(c, opText, nameText, 'xbit', k);
  if (!bit) return;
  const [op, name] = bit;
  let track: XbitOp['track'] | undefined;
  let expire = XBITS_DEFAULT_EXPIRE;
  for (const part of rest) {
    const [key, val, extra] = part.split(/\s+/);
    if (key === 'track' && (val === 'ip_src' || val === 'ip_dst' || val === 'ip_pair') && extra === undefined)
      track = val;
    else if (key === 'expire' && extra === undefined) expire = intValue(val, `${k} expire`, 1);
    else throw new RuleError(`unknown option '${part}'`, undefined, k);
  }
  if (!track) throw new RuleError('needs track ip_src, ip_dst or ip_pair', undefined, k);
  (c.rule.xbits ??= []).push({ op, name: shared(name), track, expire });
}

/**
 * hostbits:<set|unset|toggle|isset|isnotset>,<name>[,<src|dst>], or hostbits:noalert — Suricata's host bits, which
 * are xbits tracked by one address (the source unless `dst` is given), with the xbits' default lifetime.
 */
function hostbits(c: Parameters<KeywordHandler>[0], v: string | undefined, k: string): void {
  const [opText, nameText, dir, ...rest] = commaList(needValue(v, k));
  const bit = bitOperation(c, opText, nameText, 'hostbit', k);
  if (!bit) return;
  const [op, name] = bit;
  if (rest.length > 0) throw new RuleError(`too many values in '${v ?? ''}'`, undefined, k);
  if (dir !== undefined && dir !== 'src' && dir !== 'dst')
    throw new RuleError(`direction must be src or dst, got '${dir}'`, undefined, k);
  const track = dir === 'dst' ? 'ip_dst' : 'ip_src';
  (c.rule.xbits ??= []).push({ op, name: shared(name), track, expire: XBITS_DEFAULT_EXPIRE });
}

/** bypass (no value): see Rule.bypass. */
function bypass(c: Parameters<KeywordHandler>[0], v: string | undefined, k: string): void {
  if (v !== undefined && v.trim() !== '') throw new RuleError('takes no value', undefined, k);
  c.rule.bypass = true;
}

const FLOWINT_OPS = ['=', '+', '-', '==', '!=', '<', '>', '<=', '>=', 'isset', 'notset', 'isnotset'];

/** flowint:<name>,<op>[,<number or flowint name>]. */
function flowint(c: Parameters<KeywordHandler>[0], v: string | undefined, k: string): void {
  const [name, opText, value, ...rest] = commaList(needValue(v, k));
  if (!name || !/^[^\s,|&;"]+$/.test(name))
    throw new RuleError(`bad flowint name '${name ?? ''}'`, undefined, k);
  if (!FLOWINT_OPS.includes(opText ?? ''))
    throw new RuleError(`unknown flowint operation '${opText ?? ''}'`, undefined, k);
  const op = (opText === 'isnotset' ? 'notset' : opText) as FlowintOp['op'];
  const unary = op === 'isset' || op === 'notset';
  if (rest.length > 0 || unary !== (value === undefined))
    throw new RuleError(unary ? `'${op}' takes no value` : `'${op}' needs a value`, undefined, k);
  const parsed =
    value === undefined
      ? undefined
      : /^-?\d+$/.test(value)
        ? Number(value)
        : /^[^\s,|&;"]+$/.test(value)
          ? shared(value)
          : null;
  if (parsed === null) throw new RuleError(`bad value '${value ?? ''}'`, undefined, k);
  (c.rule.flowint ??= []).push({ name: shared(name), op, value: parsed });
}

/**
 * tag:<session|host>[,<count>,<packets|bytes|seconds>[,<src|dst>]]. Tagging changes no alert: the marked packets are
 * written as EVE `packet` records when the alert logger's `tagged-packets` is on (detect/tagging.ts applies them);
 * the option is checked here and kept on the rule as written.
 */
function tag(c: Parameters<KeywordHandler>[0], v: string | undefined, k: string): void {
  const [scope, count, metric, dir, ...rest] = commaList(needValue(v, k));
  if (scope !== 'session' && scope !== 'host')
    throw new RuleError(`scope must be session or host, got '${scope}'`, undefined, k);
  if (count !== undefined) {
    intValue(count, `${k} count`, 1);
    if (metric !== 'packets' && metric !== 'bytes' && metric !== 'seconds')
      throw new RuleError(`metric must be packets, bytes or seconds, got '${metric ?? ''}'`, undefined, k);
  }
  if (dir !== undefined && (scope !== 'host' || (dir !== 'src' && dir !== 'dst')))
    throw new RuleError(`a direction (src or dst) is only for host tags, got '${dir}'`, undefined, k);
  if (rest.length > 0) throw new RuleError(`too many values in '${v ?? ''}'`, undefined, k);
  (c.rule.tags ??= []).push(ownCopy(needValue(v, k)));
}

export const STATE_KEYWORDS: Record<string, KeywordHandler> = {
  tag,
  xbits,
  hostbits,
  bypass,
  flowint,
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
    const names = expr.split(/[|&]/).map((s) => shared(s.trim()));
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
