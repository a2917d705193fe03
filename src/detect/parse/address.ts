/**
 * Rule address expressions: `any`, addresses and CIDR prefixes (IPv4/IPv6), `$VARS`, negation `!`, and groups
 * `[a, !b, [c, d]]` nested to any depth. A group matches what its positive members match (everything when it has
 * none) minus what its negative members match — Suricata's semantics.
 */
import { cidrContains, tryParseCidr, type Cidr } from '../../address/index.js';
import { RuleError } from '../rule.js';
import { memoPerVars } from './vars-memo.js';

export interface AddressSet {
  any: boolean;
  positive: Array<Cidr | AddressSet>;
  negative: Array<Cidr | AddressSet>;
}

export const ANY_ADDRESS: AddressSet = { any: true, positive: [], negative: [] };

/** Splits a bracketed list at top-level commas. */
export function splitGroup(text: string, what: string): string[] {
  const inner = text.slice(1, -1);
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(inner.slice(start, i).trim());
      start = i + 1;
    }
    if (depth < 0) throw new RuleError(`unbalanced brackets in ${what} '${text}'`);
  }
  if (depth !== 0) throw new RuleError(`unbalanced brackets in ${what} '${text}'`);
  parts.push(inner.slice(start).trim());
  if (parts.some((p) => p === '')) throw new RuleError(`empty element in ${what} '${text}'`);
  return parts;
}

/** Parses an address expression; top-level ones once per variable map (vars-memo.ts). */
export const parseAddress = memoPerVars(parseAddressAt);

function parseAddressAt(text: string, vars: ReadonlyMap<string, string>, depth: number): AddressSet {
  if (depth > 16) throw new RuleError(`address variables nest too deep at '${text}'`);
  const t = text.trim();
  if (t === 'any') return ANY_ADDRESS;
  let negated = false;
  let body = t;
  if (body.startsWith('!')) {
    negated = true;
    body = body.slice(1).trim();
  }
  let set: AddressSet;
  if (body.startsWith('$')) {
    const v = vars.get(body.slice(1));
    if (v === undefined) throw new RuleError(`undefined address variable ${body}`);
    set = parseAddress(v, vars, depth + 1);
  } else if (body.startsWith('[')) {
    if (!body.endsWith(']')) throw new RuleError(`unbalanced brackets in address '${t}'`);
    set = { any: false, positive: [], negative: [] };
    for (const part of splitGroup(body, 'address')) {
      const neg = part.startsWith('!');
      const inner = parseAddress(neg ? part.slice(1) : part, vars, depth + 1);
      const item = inner.any
        ? ANY_ADDRESS
        : inner.positive.length === 1 && inner.negative.length === 0
          ? inner.positive[0]
          : inner;
      (neg ? set.negative : set.positive).push(item);
    }
  } else if (body === 'any') {
    set = ANY_ADDRESS;
  } else {
    const c = tryParseCidr(body);
    if (!c) throw new RuleError(`'${body}' is not an address, CIDR prefix, variable or group`);
    set = { any: false, positive: [c], negative: [] };
  }
  if (!negated) return set;
  if (set.any) throw new RuleError(`'!any' matches nothing`);
  return { any: false, positive: [], negative: [set] };
}

function isCidr(x: Cidr | AddressSet): x is Cidr {
  return 'bits' in x;
}

/** Loops rather than `some` with a closure: this runs for every rule candidate, and each closure was an allocation. */
export function addressMatches(set: AddressSet, addr: ArrayLike<number>): boolean {
  if (set.any) return true;
  const pos = set.positive;
  if (pos.length > 0) {
    let any = false;
    for (let i = 0; i < pos.length && !any; i++) any = itemMatches(pos[i], addr);
    if (!any) return false;
  }
  const neg = set.negative;
  for (let i = 0; i < neg.length; i++) if (itemMatches(neg[i], addr)) return false;
  return true;
}

function itemMatches(x: Cidr | AddressSet, addr: ArrayLike<number>): boolean {
  return isCidr(x) ? cidrContains(x, addr) : addressMatches(x, addr);
}
