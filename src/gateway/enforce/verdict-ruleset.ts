/**
 * The verdict table: every event-cache entry in force (A-34, A-36) as nftables rules in one table of its own
 * (`inet <table>_verdicts`), next to the router's table, so a configuration reload and a verdict never rewrite each
 * other. The table is replaced as one transaction (create, delete, define) whenever the entries change: conntrack
 * and every live connection are untouched by the swap.
 *
 * Each rule carries its entry's deadline as `meta time < T`: once the lifetime is over the kernel stops applying it
 * by itself, so a moat that died leaves the last verdicts in force only until their timeouts run out (A-21).
 *
 * A-37's eight operations:
 * - forward: `accept` ahead of the blocking rules (an allowed flow skips the verdicts below it);
 * - drop: `drop`; an address-level drop (a device, an address pair) is an element of a set with its own timeout,
 *   so any number of them costs one lookup per packet; reset: `reject with tcp reset` (other protocols dropped);
 * - suppress: `limit rate over R drop`, R from the entry (operationArg) or the configuration;
 * - deceive: the flow is redirected to moat's deception service on the gateway (DNS to the sinkholing responder,
 *   TCP to the decoy web page);
 * - intervene (A-67): new connections are DNATed to the honeypot; packets of connections already open are answered
 *   with a reset in both directions (a1: abort towards the source, a2: towards the destination);
 * - monitor: NFLOG copy of each flow's first packet, headers only; track: NFLOG copy of every packet, payload included.
 * Diverted connections carry LURED_MARK in conntrack, which the router's table lets through (the DMZ policy and the
 * gateway's input policy would otherwise stop them) and the intervention's resets spare.
 */
import { createHash } from 'node:crypto';
import type { CacheEntryMessage } from '../../framework/index.js';
import { formatIp, tryParseIp } from '../../address/index.js';

/** conntrack mark of connections a verdict diverted (deceive, intervene): "moat" in ASCII. */
export const LURED_MARK = '0x6d6f6174';

export interface VerdictTableOptions {
  table: string;
  honeypot?: string;
  monitorGroup: number;
  trackGroup: number;
  monitorSnaplen: number;
  suppressRate: string;
  deception: { dnsPort: number; httpPort: number };
}

export interface RenderedVerdicts {
  script: string;
  hash: string;
  /** Entries that could not be expressed (mixed families, intervene without a honeypot), with why. */
  skipped: Array<{ key: string; why: string }>;
  rules: number;
  /** Address-level drops held as set elements. */
  elements: number;
  /** Some element outlives MAX_SET_TIMEOUT_S: its kernel timeout was cut and the table must be rendered again. */
  clamped: boolean;
}

/**
 * The longest set-element timeout rendered. nft refuses a timeout of 10^8 s or more ("value too large") and one such
 * element makes the kernel refuse the whole table, so an operator's "block for ten years" is held as 30 days and
 * re-armed by the enforcer's sweep (`clamped`). If moat is dead that long the element lapses: fail-open.
 */
export const MAX_SET_TIMEOUT_S = 30 * 86_400;

/** Address-level drop sets; the IPv6 ones carry a 6. */
type DropSet =
  'dev_out' | 'dev_both' | 'pair_fwd' | 'pair_both' | 'dev_out6' | 'dev_both6' | 'pair_fwd6' | 'pair_both6';
const DROP_SETS: readonly DropSet[] = [
  'dev_out',
  'dev_both',
  'pair_fwd',
  'pair_both',
  'dev_out6',
  'dev_both6',
  'pair_fwd6',
  'pair_both6',
];

/** The entry's key (the event cache's 5-tuple key). */
export const verdictKey = (e: Pick<CacheEntryMessage, 'srcIp' | 'dstIp' | 'srcPort' | 'dstPort' | 'proto'>) =>
  `${e.srcIp}|${e.dstIp}|${e.srcPort}|${e.dstPort}|${e.proto}`;

/** When the entry stops applying, seconds since the epoch. */
export const expiresAtS = (e: CacheEntryMessage): number => Math.floor((e.createdUs + e.maxLifetimeUs) / 1e6);

/** The address in canonical form and its family (parsed again here: nothing unchecked goes into a rule). */
function canon(s: string): { text: string; v6: boolean } | undefined {
  const ip = tryParseIp(s);
  return ip && { text: formatIp(ip.words, ip.version), v6: ip.version === 6 };
}

/**
 * The match of an entry in one direction. A connection's source port is ephemeral: an entry for one connection
 * (both ports known) matches the service (addresses, protocol, destination port), so the next connection meets it.
 */
function matchOf(e: CacheEntryMessage, reverse: boolean): string {
  const l4 = e.proto === 6 ? 'tcp' : e.proto === 17 ? 'udp' : undefined;
  const s = canon(e.srcIp)!;
  const src = s.text;
  const ip = s.v6 ? 'ip6' : 'ip';
  let m: string;
  if (e.dstIp === '*') m = `${ip} ${reverse ? 'daddr' : 'saddr'} ${src}`;
  else {
    const dst = canon(e.dstIp)!.text;
    m = reverse ? `${ip} saddr ${dst} ${ip} daddr ${src}` : `${ip} saddr ${src} ${ip} daddr ${dst}`;
  }
  if (e.proto !== 0) m += ` meta l4proto ${e.proto}`;
  if (l4 && e.dstPort !== 0) m += ` ${l4} ${reverse ? 'sport' : 'dport'} ${e.dstPort}`;
  else if (l4 && e.srcPort !== 0) m += ` ${l4} ${reverse ? 'dport' : 'sport'} ${e.srcPort}`;
  return m;
}

const ORDER: Record<CacheEntryMessage['operation'], number> = {
  monitor: 0,
  track: 0,
  forward: 1,
  intervene: 2,
  reset: 3,
  drop: 3,
  suppress: 4,
  deceive: 5,
};

/** The operation an entry enforces now: a watched entry is tracked until its watch ends. */
export function enforcedOperation(e: CacheEntryMessage): CacheEntryMessage['operation'] | undefined {
  if (e.status === 'valid') return e.operation;
  if (e.status === 'watched') return 'track';
  return undefined;
}

/** The table for `entries` (those past their deadline at `nowS` are left out). */
export function renderVerdicts(
  entries: Iterable<CacheEntryMessage>,
  o: VerdictTableOptions,
  nowS = Date.now() / 1000,
): RenderedVerdicts {
  const filter: Array<[number, string]> = [];
  const nat: string[] = [];
  const skipped: RenderedVerdicts['skipped'] = [];
  // Address-level drops (a device isolated, a destination blocked: the most numerous entries) are set elements
  // with their own kernel timeout: one lookup per packet however many there are.
  const sets = Object.fromEntries(DROP_SETS.map((k) => [k, [] as string[]])) as Record<DropSet, string[]>;
  let clamped = false;
  for (const e of entries) {
    const op = enforcedOperation(e);
    const key = verdictKey(e);
    const until =
      e.status === 'watched' && e.watchUntilUs !== undefined
        ? Math.min(expiresAtS(e), Math.floor(e.watchUntilUs / 1e6))
        : expiresAtS(e);
    if (!op || until <= nowS) continue;
    const src = canon(e.srcIp);
    const dst = e.dstIp === '*' ? undefined : canon(e.dstIp);
    if (!src || (e.dstIp !== '*' && !dst)) {
      skipped.push({ key, why: 'not an IP address' });
      continue;
    }
    if (dst && dst.v6 !== src.v6) {
      skipped.push({ key, why: 'an IPv4 and an IPv6 address: no packet has both' });
      continue;
    }
    const tag = `comment "${key}"`;
    const addressLevel = e.proto === 0 && e.srcPort === 0 && e.dstPort === 0;
    if (op === 'drop' && addressLevel) {
      const both = e.direction === 'both';
      const elem = dst ? `${src.text} . ${dst.text}` : src.text;
      const base = !dst ? (both ? 'dev_both' : 'dev_out') : both ? 'pair_both' : 'pair_fwd';
      const set = (src.v6 ? `${base}6` : base) as DropSet;
      const left = Math.max(1, Math.ceil(until - nowS));
      if (left > MAX_SET_TIMEOUT_S) clamped = true;
      sets[set].push(`${elem} timeout ${Math.min(left, MAX_SET_TIMEOUT_S)}s ${tag}`);
      continue;
    }
    const time = `meta time < ${until}`;
    // An intervention tears down both ends of what is open (A-67 a1, a2), whatever the entry's direction.
    const dirs = e.direction === 'both' || op === 'intervene' ? [false, true] : [false];
    const rank = ORDER[op];
    for (const rev of dirs) {
      const m = `${time} ${matchOf(e, rev)}`;
      const add = (rule: string) => filter.push([rank, `${m} ${rule} ${tag}`]);
      switch (op) {
        case 'forward':
          add('accept');
          break;
        case 'drop':
          add('drop');
          break;
        case 'reset':
          if (e.proto === 0 || e.proto === 6) add('meta l4proto tcp reject with tcp reset');
          add('drop');
          break;
        case 'suppress': {
          const rate = /^\d{1,9}\/(second|minute|hour)$/.test(e.operationArg ?? '')
            ? e.operationArg
            : o.suppressRate;
          add(`limit rate over ${rate} drop`);
          break;
        }
        case 'monitor':
          add(`ct state new log group ${o.monitorGroup} snaplen ${o.monitorSnaplen}`);
          break;
        case 'track':
          add(`log group ${o.trackGroup}`);
          break;
        case 'intervene':
          // a1/a2: what is already open is torn down both ways; the lured connections carry the mark.
          if (!o.honeypot) {
            if (!rev) skipped.push({ key, why: 'intervene needs the DMZ honeypot (zones.dmz.honeypot)' });
            break;
          }
          if (src.v6) {
            if (!rev) skipped.push({ key, why: 'intervene: the DMZ honeypot has an IPv4 address only' });
            break;
          }
          if (e.proto === 0 || e.proto === 6)
            add(`ct mark != ${LURED_MARK} meta l4proto tcp reject with tcp reset`);
          add(`ct mark != ${LURED_MARK} drop`);
          if (!rev) nat.push(`${m} ct state new ct mark set ${LURED_MARK} dnat ip to ${o.honeypot} ${tag}`);
          break;
        case 'deceive': {
          if (rev) break;
          const { dnsPort, httpPort } = o.deception;
          if ((e.proto === 0 || e.proto === 17) && (e.dstPort === 0 || e.dstPort === 53)) {
            const udp = e.proto === 17 ? '' : ' meta l4proto udp';
            nat.push(
              `${m}${udp} udp dport 53 ct state new ct mark set ${LURED_MARK} redirect to :${dnsPort} ${tag}`,
            );
          }
          if (e.proto === 0 || e.proto === 6) {
            const tcp = e.proto === 6 ? '' : ' meta l4proto tcp';
            nat.push(`${m}${tcp} ct state new ct mark set ${LURED_MARK} redirect to :${httpPort} ${tag}`);
          }
          // What the diverted flow already sent, and anything else of it, goes nowhere.
          add(`ct mark != ${LURED_MARK} drop`);
          break;
        }
      }
    }
  }
  // Counted: what each set stopped since the table was last put in force (`nft list table`).
  const setRules: Array<[DropSet, string]> = [
    ['dev_out', 'ip saddr @drop_dev_out counter drop'],
    ['dev_both', 'ip saddr @drop_dev_both counter drop'],
    ['dev_both', 'ip daddr @drop_dev_both counter drop'],
    ['pair_fwd', 'ip saddr . ip daddr @drop_pair_fwd counter drop'],
    ['pair_both', 'ip saddr . ip daddr @drop_pair_both counter drop'],
    ['pair_both', 'ip daddr . ip saddr @drop_pair_both counter drop'],
    ['dev_out6', 'ip6 saddr @drop_dev_out6 counter drop'],
    ['dev_both6', 'ip6 saddr @drop_dev_both6 counter drop'],
    ['dev_both6', 'ip6 daddr @drop_dev_both6 counter drop'],
    ['pair_fwd6', 'ip6 saddr . ip6 daddr @drop_pair_fwd6 counter drop'],
    ['pair_both6', 'ip6 saddr . ip6 daddr @drop_pair_both6 counter drop'],
    ['pair_both6', 'ip6 daddr . ip6 saddr @drop_pair_both6 counter drop'],
  ];
  for (const [set, rule] of setRules) if (sets[set].length) filter.push([ORDER.drop, rule]);
  // Stable: rules of one rank keep the entries' order.
  filter.sort((a, b) => a[0] - b[0]);
  const chain = (name: string, head: string, rules: string[]): string[] => [
    `  chain ${name} {`,
    `    ${head}`,
    ...rules.map((r) => `    ${r}`),
    '  }',
  ];
  const setDecl = (set: DropSet): string[] => {
    const a = set.endsWith('6') ? 'ipv6_addr' : 'ipv4_addr';
    const type = set.startsWith('dev') ? a : `${a} . ${a}`;
    const elems = sets[set].length ? ` elements = { ${sets[set].join(', ')} };` : '';
    return [`  set drop_${set} { type ${type}; flags timeout;${elems} }`];
  };
  const body = [
    ...DROP_SETS.flatMap(setDecl),
    ...chain('divert', 'type nat hook prerouting priority dstnat - 5; policy accept;', nat),
    ...chain(
      'verdicts',
      'type filter hook forward priority filter - 5; policy accept;',
      filter.map(([, r]) => r),
    ),
  ];
  const hash = createHash('sha256').update(body.join('\n')).digest('hex').slice(0, 16);
  const t = o.table;
  const script = [
    `table inet ${t}`,
    `delete table inet ${t}`,
    `table inet ${t} {`,
    `  comment "moat verdicts ${hash}"`,
    ...body,
    '}',
    '',
  ].join('\n');
  const elements = Object.values(sets).reduce((n, l) => n + l.length, 0);
  return { script, hash, skipped, rules: filter.length + nat.length, elements, clamped };
}
