/**
 * Per-zone-pair inspection and restriction in the kernel (A-40… ), as part of the gateway's one table:
 * group membership is held in nftables sets of addresses; a `dev_sample` chain ahead of the gateway's filter counts
 * every pair and copies 1 in N packets to an NFLOG group (`numgen random mod N 0 … log group G`), so unsampled
 * packets never leave the kernel and packets inside one group are counted and never copied; a `dev_restrict` chain
 * ahead of it enforces the three restriction levels. Set contents change in one `nft -f` transaction (flush + add).
 */
import type { CounterValue, DevicesConfigSection, GatewayPlan } from '../gateway/index.js';
import { DMZ_GROUP, type DeviceRecord, type RestrictionLevel } from './model.js';

/** The named counters the chains raise, with what they count. */
export const DEVICE_COUNTERS = {
  inside_group: 'packets between two devices of one group: forwarded, never copied',
  between_groups: 'packets between devices of two groups',
  between_groups_sampled: 'of those, copied to the inspector',
  user_user: 'packets between two user devices',
  user_user_sampled: 'of those, copied to the inspector',
  user_to_iot: 'packets from a user device to a grouped (IoT) device',
  user_to_iot_sampled: 'of those, copied to the inspector',
  iot_to_user: 'packets from a grouped (IoT) device to a user device',
  iot_to_user_sampled: 'of those, copied to the inspector',
  to_internet: 'packets from a known device to the WAN',
  to_internet_sampled: 'of those, copied to the inspector',
  restricted_rate: 'packets of rate-limited devices dropped above the limit',
  restricted_internet_only: 'packets of internet-only devices to or from an internal zone, dropped',
  restricted_quarantined: 'packets of quarantined devices, dropped',
  dmz_group_limited: 'new connections of the DMZ communication group other than with the DMZ, dropped',
} as const;

export type DeviceCounter = keyof typeof DEVICE_COUNTERS;

const RESTRICT_SET: Record<RestrictionLevel, string> = {
  'rate-limited': 'dev_rate',
  'internet-only': 'dev_inet_only',
  quarantined: 'dev_quarantined',
};

/** The set holding one group's addresses (group ids are [a-z][a-z0-9-]*). */
export const groupSet = (group: string): string => `dev_g_${group.replace(/-/g, '_')}`;

export interface Membership {
  /** Set name → addresses. */
  sets: Map<string, string[]>;
}

/** Set contents for the devices as they are now: user devices, grouped devices, each group, each restriction. */
export function membership(
  devices: readonly DeviceRecord[],
  groups: readonly string[],
  dmzMembers: readonly string[],
): Membership {
  const sets = new Map<string, string[]>();
  const add = (name: string, ip: string) => {
    const l = sets.get(name);
    if (l && !l.includes(ip)) l.push(ip);
  };
  for (const n of ['dev_users', 'dev_iot', ...Object.values(RESTRICT_SET), ...groups.map(groupSet)])
    sets.set(n, []);
  for (const ip of dmzMembers) {
    add(groupSet(DMZ_GROUP), ip);
    add('dev_iot', ip);
  }
  for (const d of devices) {
    const ip = d.ips[0];
    if (!ip || !/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) continue;
    if (d.group === null) add('dev_users', ip);
    else {
      add('dev_iot', ip);
      add(groupSet(d.group), ip);
    }
    if (d.restriction) add(RESTRICT_SET[d.restriction.level], ip);
  }
  return { sets };
}

const elements = (ips: readonly string[]) => (ips.length ? ` elements = { ${ips.join(', ')} };` : '');

/** Declarations (not hashed: they change with the devices) and chains (hashed) for the gateway's table. */
export function renderDeviceRules(
  plan: GatewayPlan,
  cfg: DevicesConfigSection,
  groups: readonly string[],
  m: Membership,
  counters: Partial<Record<string, CounterValue>>,
): { declarations: string[]; chains: string[] } {
  const wan = `"${plan.wan.interface}"`;
  const dmz = plan.dmz ? `"${plan.dmz.interface}"` : undefined;
  const s = cfg.sampling;
  const declarations: string[] = [];
  for (const name of Object.keys(DEVICE_COUNTERS)) {
    const v = counters[name];
    declarations.push(
      v ? `  counter ${name} { packets ${v.packets} bytes ${v.bytes} }` : `  counter ${name} { }`,
    );
  }
  for (const [name, ips] of m.sets) declarations.push(`  set ${name} { type ipv4_addr;${elements(ips)} }`);
  declarations.push(
    '  set dev_rate_meter { type ipv4_addr; size 65535; flags dynamic,timeout; timeout 1m; }',
  );

  const sample = (match: string, name: string, n: number): string =>
    `${match} counter name "${name}" numgen random mod ${n} 0 counter name "${name}_sampled" log prefix "${name}" group ${s.nflogGroup}`;
  const sampleRules = [
    ...groups.map(
      (g) => `ip saddr @${groupSet(g)} ip daddr @${groupSet(g)} counter name "inside_group" return`,
    ),
    sample('ip saddr @dev_iot ip daddr @dev_iot', 'between_groups', s.betweenGroups),
    sample('ip saddr @dev_users ip daddr @dev_users', 'user_user', s.userToUser),
    sample('ip saddr @dev_users ip daddr @dev_iot', 'user_to_iot', s.userToIot),
    sample('ip saddr @dev_iot ip daddr @dev_users', 'iot_to_user', s.iotToUser),
    sample(`oifname ${wan} ip saddr @dev_users`, 'to_internet', s.toInternet),
    sample(`oifname ${wan} ip saddr @dev_iot`, 'to_internet', s.toInternet),
  ];
  const dg = groupSet(DMZ_GROUP);
  const restrictRules = [
    'ip saddr @dev_quarantined counter name "restricted_quarantined" drop',
    'ip daddr @dev_quarantined counter name "restricted_quarantined" drop',
    `ip saddr @dev_inet_only oifname != ${wan} counter name "restricted_internet_only" drop`,
    `ip daddr @dev_inet_only iifname != ${wan} counter name "restricted_internet_only" drop`,
    `ip saddr @dev_rate add @dev_rate_meter { ip saddr limit rate over ${cfg.rateLimitPerSecond}/second burst ${cfg.rateLimitPerSecond} packets } counter name "restricted_rate" drop`,
    ...(dmz
      ? [
          `ip saddr @${dg} oifname != ${dmz} ct state new counter name "dmz_group_limited" drop`,
          `ip daddr @${dg} iifname != ${dmz} ct state new counter name "dmz_group_limited" drop`,
        ]
      : []),
  ];
  const chain = (name: string, head: string, rules: string[]) => [
    `  chain ${name} {`,
    `    ${head}`,
    ...rules.map((r) => `    ${r}`),
    '  }',
  ];
  return {
    declarations,
    chains: [
      ...chain(
        'dev_restrict',
        'type filter hook forward priority filter - 20; policy accept;',
        restrictRules,
      ),
      // A quarantined device keeps DHCP and DNS from the gateway (so it stays identifiable), nothing else.
      ...chain('dev_restrict_in', 'type filter hook input priority filter - 20; policy accept;', [
        'ip saddr @dev_quarantined udp dport { 53, 67 } accept',
        'ip saddr @dev_quarantined counter name "restricted_quarantined" drop',
      ]),
      ...chain('dev_sample', 'type filter hook forward priority filter - 10; policy accept;', sampleRules),
    ],
  };
}

/** One transaction that gives every set its new contents (the table must exist). */
export function setUpdateScript(table: string, m: Membership): string {
  const lines: string[] = [];
  for (const [name, ips] of m.sets) {
    lines.push(`flush set inet ${table} ${name}`);
    if (ips.length) lines.push(`add element inet ${table} ${name} { ${ips.join(', ')} }`);
  }
  return lines.join('\n') + '\n';
}
