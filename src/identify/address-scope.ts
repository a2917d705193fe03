/**
 * Which addresses the identification model may judge at all. The model learned from public internet hosts;
 * private, reserved, link-local, loopback, multicast and documentation ranges are never abuse infrastructure
 * on the internet, so a verdict on them would be noise ("clean" there claims knowledge the model lacks).
 * The ranges are the IANA special-purpose registries (RFC 6890 and successors). Written here until the
 * one-address-model work (`src/address/`) lands on main; switch to it then.
 */
import { maskV4, maskV6, parsePrefix, type IpAddress, type IpPrefix } from '../intel/address.js';

const SPECIAL: readonly (readonly [string, string])[] = [
  ['0.0.0.0/8', 'this-network'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared (carrier-grade NAT)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'IETF protocol assignment'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'reserved (6to4 relay anycast)'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'local-use translation'],
  ['100::/64', 'discard-only'],
  ['2001::/23', 'IETF protocol assignment'],
  ['2001:db8::/32', 'documentation'],
  ['fc00::/7', 'unique-local (private)'],
  ['fe80::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
];

const TABLE: readonly (readonly [IpPrefix, string])[] = SPECIAL.map(([p, kind]) => {
  const prefix = parsePrefix(p);
  if (!prefix) throw new Error(`address-scope: bad built-in prefix ${p}`);
  return [prefix, kind] as const;
});

/** The special-purpose range an address falls in ('private', 'link-local', …), or null when it is public. */
export function specialScope(ip: IpAddress): string | null {
  for (const [p, kind] of TABLE) {
    if (p.v !== ip.v) continue;
    if (ip.v === 4 ? maskV4(ip.n, p.len) === p.n : maskV6(ip.n, p.len) === p.n) return kind;
  }
  return null;
}
