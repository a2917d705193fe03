/**
 * suricata-verify's `checks:` on eve.json: `filter` blocks with `count` and `match` on dotted field paths, with the
 * operators the suite uses (`__len`, `__contains`, `__startswith`, `__endswith`, `__find`, `has-key`, `not-has-key`,
 * `lt`/`gt`-style numeric keys are not used by the selected tests). Returns a reason when a check fails.
 */
import { parseIpInto } from '../../address/index.js';

export type Json = Record<string, unknown>;

function get(ev: unknown, path: string): { found: boolean; value: unknown } {
  let cur: unknown = ev;
  // "a.b[0].c" and "a.b.0.c" name the same field.
  for (const part of path.replace(/\[(\d+)\]/g, '.$1').split('.')) {
    if (cur === null || typeof cur !== 'object') return { found: false, value: undefined };
    if (Array.isArray(cur) && /^\d+$/.test(part)) {
      if (Number(part) >= cur.length) return { found: false, value: undefined };
      cur = cur[Number(part)];
      continue;
    }
    const o = cur as Record<string, unknown>;
    if (!(part in o)) return { found: false, value: undefined };
    cur = o[part];
  }
  return { found: true, value: cur };
}

const wa = new Uint32Array(4);
const wb = new Uint32Array(4);

/**
 * Two spellings of one IPv6 address: Suricata's EVE writes all eight groups zero-padded
 * (`fd01:0000:…:0101:0101`), moat's the RFC 5952 form (`fd01::101:101`). The check is on the address.
 */
function sameIpv6(a: string, b: string): boolean {
  if (!a.includes(':') || !b.includes(':')) return false;
  if (parseIpInto(a, wa) !== 6 || parseIpInto(b, wb) !== 6) return false;
  return wa[0] === wb[0] && wa[1] === wb[1] && wa[2] === wb[2] && wa[3] === wb[3];
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'string' && typeof b === 'string') return sameIpv6(a, b);
  if (typeof a === 'number' && typeof b === 'string') return String(a) === b;
  if (typeof a === 'string' && typeof b === 'number') return a === String(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a as Json);
    const kb = Object.keys(b as Json);
    return kb.every((k) => equal((a as Json)[k], (b as Json)[k])) && ka.length >= kb.length;
  }
  return false;
}

/** Whether the record has the field a check's key names (`a.b[0].c`, or `a.b.__len`: the field `a.b`). */
export function hasField(ev: Json, key: string): boolean {
  if (key === 'has-key' || key === 'not-has-key') return true;
  return get(ev, key.replace(/\.__(len|contains|startswith|endswith|find)$/, '')).found;
}

export function matches(ev: Json, match: Json): boolean {
  for (const [key, want] of Object.entries(match)) {
    if (key === 'has-key') {
      if (!get(ev, String(want)).found) return false;
      continue;
    }
    if (key === 'not-has-key') {
      if (get(ev, String(want)).found) return false;
      continue;
    }
    const op = /^(.*)\.__(len|contains|startswith|endswith|find)$/.exec(key);
    if (op) {
      const { found, value } = get(ev, op[1]);
      if (!found) return false;
      switch (op[2]) {
        case 'len':
          if (!((Array.isArray(value) || typeof value === 'string') && value.length === Number(want)))
            return false;
          break;
        case 'contains':
          if (Array.isArray(value)) {
            if (!value.some((v) => equal(v, want))) return false;
          } else if (typeof value !== 'string' || !value.includes(String(want))) return false;
          break;
        case 'startswith':
          if (typeof value !== 'string' || !value.startsWith(String(want))) return false;
          break;
        case 'endswith':
          if (typeof value !== 'string' || !value.endsWith(String(want))) return false;
          break;
        case 'find':
          if (typeof value !== 'string' || !value.includes(String(want))) return false;
          break;
      }
      continue;
    }
    const { found, value } = get(ev, key);
    // suricata-verify reads a missing field as null: `src_ip: null` holds when the event has no src_ip.
    if (want === null) {
      if (found && value !== null) return false;
      continue;
    }
    if (!found || !equal(value, want)) return false;
  }
  return true;
}

export interface FilterCheck {
  count?: number;
  match?: Json;
  min?: number;
}

/** undefined when the check holds, else what differed. */
export function runFilter(events: Json[], f: FilterCheck): string | undefined {
  const n = events.filter((e) => matches(e, f.match ?? {})).length;
  if (f.count !== undefined)
    return n === f.count
      ? undefined
      : `expected ${f.count} events matching ${JSON.stringify(f.match)}, got ${n}`;
  if (f.min !== undefined)
    return n >= f.min
      ? undefined
      : `expected at least ${f.min} events matching ${JSON.stringify(f.match)}, got ${n}`;
  return n >= 1 ? undefined : `expected events matching ${JSON.stringify(f.match)}, got none`;
}
