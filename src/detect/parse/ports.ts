/**
 * Rule port expressions: `any`, single ports, ranges `1024:` `:1023` `80:90`, `$VARS`, negation and nested groups,
 * with the same positive-minus-negative semantics as addresses.
 */
import { RuleError } from '../rule.js';
import { splitGroup } from './address.js';
import { memoPerVars } from './vars-memo.js';

export interface PortSet {
  any: boolean;
  positive: Array<[number, number] | PortSet>;
  negative: Array<[number, number] | PortSet>;
}

export const ANY_PORT: PortSet = { any: true, positive: [], negative: [] };

function port(text: string, whole: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535)
    throw new RuleError(`'${text}' in port '${whole}' is not a port number`);
  return n;
}

/** Parses a port expression; top-level ones once per variable map (vars-memo.ts). */
export const parsePorts = memoPerVars(parsePortsAt);

function parsePortsAt(text: string, vars: ReadonlyMap<string, string>, depth: number): PortSet {
  if (depth > 16) throw new RuleError(`port variables nest too deep at '${text}'`);
  const t = text.trim();
  if (t === 'any') return ANY_PORT;
  let negated = false;
  let body = t;
  if (body.startsWith('!')) {
    negated = true;
    body = body.slice(1).trim();
  }
  let set: PortSet;
  if (body.startsWith('$')) {
    const v = vars.get(body.slice(1));
    if (v === undefined) throw new RuleError(`undefined port variable ${body}`);
    set = parsePorts(v, vars, depth + 1);
  } else if (body.startsWith('[')) {
    if (!body.endsWith(']')) throw new RuleError(`unbalanced brackets in port '${t}'`);
    set = { any: false, positive: [], negative: [] };
    for (const part of splitGroup(body, 'port')) {
      const neg = part.startsWith('!');
      const inner = parsePorts(neg ? part.slice(1) : part, vars, depth + 1);
      const item = inner.any
        ? ANY_PORT
        : inner.positive.length === 1 && inner.negative.length === 0
          ? inner.positive[0]
          : inner;
      (neg ? set.negative : set.positive).push(item);
    }
  } else if (body.includes(':')) {
    const [a, b] = body.split(':');
    const lo = a === '' ? 0 : port(a, t);
    const hi = b === '' ? 65535 : port(b, t);
    if (lo > hi) throw new RuleError(`port range '${body}' runs backwards`);
    set = { any: false, positive: [[lo, hi]], negative: [] };
  } else {
    const p = port(body, t);
    set = { any: false, positive: [[p, p]], negative: [] };
  }
  if (!negated) return set;
  if (set.any) throw new RuleError(`'!any' port matches nothing`);
  return { any: false, positive: [], negative: [set] };
}

export function portMatches(set: PortSet, p: number): boolean {
  if (set.any) return true;
  const hit = (x: [number, number] | PortSet): boolean =>
    Array.isArray(x) ? p >= x[0] && p <= x[1] : portMatches(x, p);
  if (set.positive.length > 0 && !set.positive.some(hit)) return false;
  return !set.negative.some(hit);
}
