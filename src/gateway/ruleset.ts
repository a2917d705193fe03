/**
 * The appliance's nftables table, generated from the configuration (A-5, A-51…A-56). One `nft -f` file holds a
 * table create, delete and full definition, which the kernel applies as one transaction: the old ruleset stays in
 * force until the new one is complete, and conntrack (every live NAT binding) is untouched by the swap.
 *
 * - prerouting (dstnat): user port-forwards first (they outrank everything), then the low-priority mapping: a
 *   new inbound connection to any other WAN port of the gateway goes to the honeypot. Replies to
 *   outbound flows never reach this chain: conntrack maps them back to the internal host, and when an
 *   idle entry times out the port is the honeypot's again.
 * - postrouting (srcnat): masquerade on the WAN.
 * - forward: the DMZ reaches nothing but the tunnel to the relay's device end; the user and IoT
 *   zones never reach the DMZ; internal zones reach the WAN; the WAN reaches only what was DNATed.
 * - input: the gateway itself answers DNS/DHCP in the internal zones and the backup port on the WAN; the console
 *   port only from the user LAN.
 *
 * Named counters measure each policy decision; their values are carried across a reload.
 */
import { createHash } from 'node:crypto';
import type { GatewayPlan } from './config-rules.js';
import { LURED_MARK } from './enforce/verdict-ruleset.js';

/** Every named counter the table declares, with what it counts. */
export const COUNTERS = {
  port_forwarded: 'new WAN connections to a user port-forward',
  wan_to_honeypot: 'new WAN connections handed to the honeypot (low-priority mapping)',
  dmz_tunnel: 'packets from the DMZ on the dedicated tunnel',
  dmz_to_internal: 'packets from the DMZ to the user or IoT zone, dropped',
  internal_to_dmz: 'packets from the user or IoT zone to the DMZ, dropped',
  dmz_to_wan: 'new connections from the DMZ to the WAN, dropped',
  dmz_to_gateway: 'packets from the DMZ to the gateway itself, dropped',
  iot_to_lan: 'new connections from the IoT zone to the user LAN, dropped',
  forward_dropped: 'other forwarded packets dropped by policy',
  isolated_dropped: 'WAN packets dropped while the gateway isolates itself (A-66)',
  input_dropped: 'packets to the gateway itself dropped by policy',
  console_refused: 'packets to the console port from outside the user LAN, dropped',
} as const;

export type CounterName = keyof typeof COUNTERS;

export interface CounterValue {
  packets: number;
  bytes: number;
}

/** Run-time state the table reflects besides the configuration. */
export interface RulesetState {
  /** Self-isolation: the WAN is closed except the backup port. */
  isolated?: boolean;
  /** More of the table from another component (the device registry's sets and chains, src/devices/). */
  extension?: RulesetExtension;
}

/**
 * Declarations change with the devices (set elements, counters) and are left out of the hash; chains are rules and
 * are hashed.
 */
export interface RulesetExtension {
  render(
    plan: GatewayPlan,
    counters: Partial<Record<string, CounterValue>>,
  ): { declarations: string[]; chains: string[] };
}

export interface Ruleset {
  /** The full `nft -f` script (create, delete, define). */
  script: string;
  /** Hash of the rules without counter values: equal for equal configurations; written as the table's comment. */
  hash: string;
  table: string;
}

const q = (name: string): string => `"${name}"`;
const set = (names: string[]): string =>
  names.length === 1 ? q(names[0]) : `{ ${names.map(q).join(', ')} }`;

function body(plan: GatewayPlan, state: RulesetState): string[] {
  const wan = q(plan.wan.interface);
  const internal = plan.internal.map((z) => z.interface);
  const lan = plan.internal.find((z) => z.name === 'lan')!;
  const iot = plan.internal.find((z) => z.name === 'iot');
  const dmz = plan.dmz;
  const { backup, portForwards } = plan.config;
  const inbound = `iifname ${wan} fib daddr type local`;

  const pre: string[] = [];
  for (const f of portForwards) {
    const to = f.toPort && f.toPort !== f.port ? `${f.to}:${f.toPort}` : f.to;
    pre.push(`${inbound} ${f.protocol} dport ${f.port} counter name "port_forwarded" dnat ip to ${to}`);
  }
  if (dmz) {
    const hp = dmz.honeypot.text;
    for (const proto of ['tcp', 'udp'] as const) {
      const keep = backup && backup.protocol === proto ? ` ${proto} dport != ${backup.port}` : '';
      pre.push(
        `${inbound} meta l4proto ${proto}${keep} ct state new counter name "wan_to_honeypot" dnat ip to ${hp}`,
      );
    }
  }

  // Self-isolation comes first in every chain: it cuts established connections too.
  const isolated = state.isolated === true;
  const fwd: string[] = isolated
    ? [
        `iifname ${wan} counter name "isolated_dropped" drop`,
        `oifname ${wan} counter name "isolated_dropped" drop`,
      ]
    : [];
  // Connections a verdict diverted to the honeypot or the deception service (enforce/verdict-ruleset.ts).
  fwd.push(`ct mark ${LURED_MARK} accept`);
  if (dmz) {
    const d = q(dmz.interface);
    const t = dmz.tunnel;
    if (t) {
      fwd.push(
        `iifname ${d} ip daddr ${t.address.text} ${t.protocol} dport ${t.port} counter name "dmz_tunnel" accept`,
      );
      fwd.push(
        `iifname ${set(internal)} oifname ${d} ip saddr ${t.address.text} ${t.protocol} sport ${t.port} ct state established accept`,
      );
    }
    fwd.push(`iifname ${d} oifname ${set(internal)} counter name "dmz_to_internal" drop`);
    fwd.push(`iifname ${set(internal)} oifname ${d} counter name "internal_to_dmz" drop`);
  }
  fwd.push('ct state established,related accept', 'ct state invalid drop');
  if (dmz) fwd.push(`iifname ${q(dmz.interface)} oifname ${wan} counter name "dmz_to_wan" drop`);
  fwd.push(`iifname ${set(internal)} oifname ${wan} accept`);
  if (iot) {
    fwd.push(`iifname ${q(lan.interface)} oifname ${q(iot.interface)} accept`);
    fwd.push(`iifname ${q(iot.interface)} oifname ${q(lan.interface)} counter name "iot_to_lan" drop`);
  }
  fwd.push(`iifname ${wan} ct status dnat accept`, 'counter name "forward_dropped"');

  const inp: string[] = ['iif "lo" accept'];
  // The console answers the user zone alone (issue 14), whatever else a zone is let in to.
  const consolePort = plan.config.console?.port;
  if (consolePort !== undefined)
    inp.push(`iifname != ${q(lan.interface)} tcp dport ${consolePort} counter name "console_refused" drop`);
  if (isolated) {
    if (backup) inp.push(`iifname ${wan} ${backup.protocol} dport ${backup.port} accept`);
    inp.push(`iifname ${wan} counter name "isolated_dropped" drop`);
  }
  inp.push(`ct mark ${LURED_MARK} accept`);
  inp.push('ct state established,related accept', 'ct state invalid drop');
  // IPv6 neighbour discovery keeps the links usable; the gateway does not route IPv6 (forward policy drops it).
  inp.push(
    'icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } accept',
  );
  if (dmz) {
    const t = dmz.tunnel;
    if (t)
      inp.push(
        `iifname ${q(dmz.interface)} ip daddr ${t.address.text} ${t.protocol} dport ${t.port} counter name "dmz_tunnel" accept`,
      );
    inp.push(`iifname ${q(dmz.interface)} counter name "dmz_to_gateway" drop`);
  }
  // The user zone manages the appliance; IoT devices get only what they need from it.
  inp.push(`iifname ${q(lan.interface)} accept`);
  if (iot) {
    inp.push(`iifname ${q(iot.interface)} udp dport { 53, 67 } accept`);
    inp.push(`iifname ${q(iot.interface)} tcp dport 53 accept`);
    inp.push(`iifname ${q(iot.interface)} icmp type echo-request accept`);
    for (const svc of iot.services)
      inp.push(`iifname ${q(iot.interface)} ${svc.protocol} dport ${svc.port} accept`);
  }
  if (backup) inp.push(`iifname ${wan} ${backup.protocol} dport ${backup.port} accept`);
  inp.push('counter name "input_dropped"');

  const chain = (name: string, head: string, rules: string[]): string[] => [
    `  chain ${name} {`,
    `    ${head}`,
    ...rules.map((r) => `    ${r}`),
    '  }',
  ];
  return [
    ...chain('prerouting', 'type nat hook prerouting priority dstnat; policy accept;', pre),
    ...chain('postrouting', 'type nat hook postrouting priority srcnat; policy accept;', [
      `oifname ${wan} meta nfproto ipv4 masquerade`,
    ]),
    ...chain('forward', 'type filter hook forward priority filter; policy drop;', fwd),
    ...chain('input', 'type filter hook input priority filter; policy drop;', inp),
    // Only while isolated: the gateway itself answers on the backup port and sends nothing else out.
    ...(isolated
      ? chain('output', 'type filter hook output priority filter; policy accept;', [
          ...(backup ? [`oifname ${wan} ${backup.protocol} sport ${backup.port} accept`] : []),
          `oifname ${wan} counter name "isolated_dropped" drop`,
        ])
      : []),
  ];
}

/**
 * The table for `plan` in `state`; `counters` (from the running table) keep their values across the swap. The hash
 * covers the rules, so an isolated table has its own.
 */
export function renderRuleset(
  plan: GatewayPlan,
  counters: Partial<Record<string, CounterValue>> = {},
  state: RulesetState = {},
): Ruleset {
  const table = plan.config.nftables.table;
  const ext = state.extension?.render(plan, counters);
  const rules = [...body(plan, state), ...(ext?.chains ?? [])];
  const hash = createHash('sha256').update(rules.join('\n')).digest('hex').slice(0, 16);
  const counterDecls = (Object.keys(COUNTERS) as CounterName[]).map((name) => {
    const v = counters[name];
    return v ? `  counter ${name} { packets ${v.packets} bytes ${v.bytes} }` : `  counter ${name} { }`;
  });
  const script = [
    `# moat gateway ruleset ${hash}: generated from the configuration, replaced as one transaction`,
    `table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    `  comment "moat gateway ${hash}"`,
    ...counterDecls,
    ...(ext?.declarations ?? []),
    ...rules,
    '}',
    '',
  ].join('\n');
  return { script, hash, table };
}

/** The hash written in a table comment by renderRuleset, or undefined for any other comment. */
export function hashFromComment(comment: string | undefined): string | undefined {
  return /^moat gateway ([0-9a-f]{16})$/.exec(comment ?? '')?.[1];
}
