/**
 * Suricata's `host-os-policy`: the TCP overlap policy of each receiving host, chosen by the most specific address
 * or prefix that holds it. It decides which bytes win when segments overlap with different data — Suricata's
 * target-based reassembly (Novak and Sturges), whose IDS-mode rules are in stream-tcp-list.c (DoHandleDataOverlap).
 * bsd and windows (Suricata's default is bsd) are left to moat's own reassembly, in which the first data wins and
 * in-order bytes are not held: policyOf gives undefined for them.
 */
import { cidrContains, tryParseCidr, type Cidr } from '../address/index.js';
import { ConfigError } from '../framework/errors.js';

export const OS_POLICIES = [
  'windows',
  'bsd',
  'bsd-right',
  'old-linux',
  'linux',
  'old-solaris',
  'solaris',
  'hpux10',
  'hpux11',
  'irix',
  'macos',
  'vista',
  'windows2k3',
] as const;
export type OsPolicy = (typeof OS_POLICIES)[number];

/** Policies whose overlap answer is moat's own (first data wins in every case moat meets). */
const FIRST_WINS: ReadonlySet<OsPolicy> = new Set(['bsd', 'windows']);

/** Where a new segment lies against bytes already held: where it starts, and where it ends. */
export const START_SAME = 0;
export const START_BEFORE = 1;
export const START_AFTER = 2;

/**
 * Whether the new segment's bytes replace the held ones it overlaps (IDS mode). `endCmp`: the new segment ends
 * before (-1), with (0) or after (1) the held bytes.
 */
export function newDataWins(p: OsPolicy, start: number, endCmp: number): boolean {
  if (start === START_SAME) {
    if (endCmp < 0) return false;
    if (endCmp > 0 && p === 'linux') return true;
    return p === 'old-linux' || p === 'solaris' || p === 'hpux11';
  }
  if (start === START_BEFORE) {
    if (endCmp >= 0 && (p === 'solaris' || p === 'hpux11')) return true;
    return (
      p === 'bsd' ||
      p === 'hpux10' ||
      p === 'irix' ||
      p === 'windows' ||
      p === 'windows2k3' ||
      p === 'old-linux' ||
      p === 'linux' ||
      p === 'macos'
    );
  }
  return endCmp > 0 && (p === 'solaris' || p === 'hpux11');
}

export type HostOsPolicy = Partial<Record<OsPolicy, readonly string[]>>;

/** `host-os-policy.POLICY=ADDR,ADDR…` (or `[ADDR, ADDR]`) into `into`; a bad policy or address is a ConfigError. */
export function applyHostOsPolicy(key: string, value: string, into: HostOsPolicy): void {
  const policy = key.slice('host-os-policy.'.length);
  if (!(OS_POLICIES as readonly string[]).includes(policy))
    throw new ConfigError(`${key}: unknown OS policy '${policy}' (${OS_POLICIES.join(', ')})`);
  const list = value
    .replace(/^\[|\]$/g, '')
    .split(',')
    .map((a) => a.trim().replace(/^["']|["']$/g, ''))
    .filter((a) => a !== '');
  for (const a of list)
    if (!tryParseCidr(a)) throw new ConfigError(`${key}: '${a}' is not an address or prefix`);
  into[policy as OsPolicy] = list;
}

/** The policy of each receiving address, most specific prefix first. */
export class OsPolicyTable {
  private readonly entries: Array<{ cidr: Cidr; policy: OsPolicy }> = [];

  constructor(config: HostOsPolicy) {
    for (const p of OS_POLICIES)
      for (const a of config[p] ?? []) this.entries.push({ cidr: tryParseCidr(a)!, policy: p });
    this.entries.sort((x, y) => y.cidr.bits - x.cidr.bits);
  }

  /** The receiving host's policy when it is one moat's own reassembly does not already follow. */
  policyOf(addr: ArrayLike<number>): OsPolicy | undefined {
    for (const e of this.entries) {
      if (cidrContains(e.cidr, addr)) return FIRST_WINS.has(e.policy) ? undefined : e.policy;
    }
    return undefined;
  }
}
