/**
 * The router's tables as the CLI and the API show them (A-5, A-24, A-54…A-57), computed from the kernel's
 * conntrack table and the configuration:
 * - NAT forwarding table: the entries the kernel translated (masquerade out, DNAT in);
 * - session mapping table: every tracked connection with the zones at both ends;
 * - port-mapping table: which WAN ports go where, with their priority. User port-forwards outrank everything;
 *   a normal mapping is a WAN port held by a live connection (its reply path belongs to that internal host,
 *   A-55) and ages out with it; every other port is mapped at low priority to the honeypot.
 */
import type { GatewayPlan, ZoneName } from './config-rules.js';
import type { ConntrackEntry, Tuple } from './conntrack.js';
import { parseIpv4, prefixContains } from './ipv4.js';

export type ZoneOf = ZoneName | 'gateway' | 'outside';

export function zoneClassifier(plan: GatewayPlan): (ip: string) => ZoneOf {
  const own = new Set(plan.zones.filter((z) => z.prefix).map((z) => z.prefix!.address.n));
  const zones = plan.zones.filter((z) => z.prefix);
  return (text) => {
    const a = parseIpv4(text);
    if (!a) return 'outside';
    if (own.has(a.n)) return 'gateway';
    for (const z of zones) if (prefixContains(z.prefix!, a)) return z.name;
    return 'outside';
  };
}

const ep = (ip: string, port?: number): string => (port === undefined ? ip : `${ip}:${port}`);

export type NatKind = 'snat' | 'dnat';

/** Which translation conntrack applied: the reply tuple differs from the mirror of the original. */
export function natKind(e: ConntrackEntry): NatKind | undefined {
  if (e.reply.src !== e.original.dst || e.reply.sport !== e.original.dport) return 'dnat';
  if (e.reply.dst !== e.original.src || e.reply.dport !== e.original.sport) return 'snat';
  return undefined;
}

export interface NatRow {
  kind: NatKind;
  protocol: string;
  /** The internal end (the device behind the masquerade, or the DNAT target). */
  internal: string;
  /** The gateway's WAN address and port the outside sees. */
  external: string;
  remote: string;
  /** For DNAT: what took the connection. */
  target?: 'honeypot' | 'port-forward';
  state?: string;
  expiresIn: number;
}

export function natTable(plan: GatewayPlan, entries: readonly ConntrackEntry[]): NatRow[] {
  const hp = plan.dmz?.honeypot.text;
  const rows: NatRow[] = [];
  for (const e of entries) {
    const kind = natKind(e);
    if (!kind) continue;
    const o: Tuple = e.original;
    const r: Tuple = e.reply;
    rows.push(
      kind === 'snat'
        ? {
            kind,
            protocol: e.proto,
            internal: ep(o.src, o.sport),
            external: ep(r.dst, r.dport),
            remote: ep(o.dst, o.dport),
            state: e.state,
            expiresIn: e.timeout,
          }
        : {
            kind,
            protocol: e.proto,
            internal: ep(r.src, r.sport),
            external: ep(o.dst, o.dport),
            remote: ep(o.src, o.sport),
            target: r.src === hp ? 'honeypot' : 'port-forward',
            state: e.state,
            expiresIn: e.timeout,
          },
    );
  }
  return rows;
}

export interface SessionRow {
  protocol: string;
  from: { zone: ZoneOf; address: string };
  to: { zone: ZoneOf; address: string };
  /** external: one end outside; inter-zone: between internal zones; gateway: to or from the gateway itself. */
  scope: 'external' | 'inter-zone' | 'intra-zone' | 'gateway';
  nat?: NatKind;
  state?: string;
  assured: boolean;
  expiresIn: number;
}

export function sessionTable(plan: GatewayPlan, entries: readonly ConntrackEntry[]): SessionRow[] {
  const zoneOf = zoneClassifier(plan);
  return entries.map((e) => {
    const nat = natKind(e);
    // The real far end of a DNAT is the reply's source; of an SNAT, the original destination.
    const toAddr = nat === 'dnat' ? e.reply.src : e.original.dst;
    const toPort = nat === 'dnat' ? e.reply.sport : e.original.dport;
    const from = { zone: zoneOf(e.original.src), address: ep(e.original.src, e.original.sport) };
    const to = { zone: zoneOf(toAddr), address: ep(toAddr, toPort) };
    const scope =
      from.zone === 'gateway' || to.zone === 'gateway'
        ? 'gateway'
        : from.zone === 'outside' || to.zone === 'outside' || from.zone === 'wan' || to.zone === 'wan'
          ? 'external'
          : from.zone === to.zone
            ? 'intra-zone'
            : 'inter-zone';
    return {
      protocol: e.proto,
      from,
      to,
      scope,
      nat,
      state: e.state,
      assured: e.assured,
      expiresIn: e.timeout,
    };
  });
}

export type Priority = 'user' | 'normal' | 'low';
const RANK: Record<Priority, number> = { user: 3, normal: 2, low: 1 };

export interface PortMapping {
  priority: Priority;
  /** 3 user, 2 normal, 1 low: the higher wins. */
  rank: number;
  protocol: 'tcp' | 'udp';
  /** One port or ranges, e.g. `80` or `1-8079,8081-65535`. */
  ports: string;
  /** Where a new inbound connection (user, low) or the reply path (normal) goes. */
  to: string;
  /** Normal mappings: the remote end the port is held for (the kernel's NAT is per remote end). */
  remote?: string;
  /** Seconds until a normal mapping ages back to low priority; null = never. */
  expiresIn: number | null;
  /** Low-priority mapping: connections the honeypot holds now. */
  sessions?: number;
}

/** `1-79,81-65535`: the ports in 1…65535 not in `taken`. */
export function portRanges(taken: readonly number[]): string {
  const t = [...new Set(taken)].sort((a, b) => a - b);
  const out: string[] = [];
  let start = 1;
  for (const p of [...t, 65536]) {
    if (p > start) out.push(p - 1 === start ? String(start) : `${start}-${p - 1}`);
    start = p + 1;
  }
  return out.join(',');
}

export function portMappings(plan: GatewayPlan, entries: readonly ConntrackEntry[]): PortMapping[] {
  const { portForwards, backup } = plan.config;
  const out: PortMapping[] = portForwards.map((f) => ({
    priority: 'user',
    rank: RANK.user,
    protocol: f.protocol,
    ports: String(f.port),
    to: ep(f.to, f.toPort ?? f.port),
    expiresIn: null,
  }));
  const nat = natTable(plan, entries);
  for (const n of nat) {
    if (n.kind !== 'snat' || (n.protocol !== 'tcp' && n.protocol !== 'udp')) continue;
    out.push({
      priority: 'normal',
      rank: RANK.normal,
      protocol: n.protocol,
      ports: n.external.slice(n.external.lastIndexOf(':') + 1),
      to: n.internal,
      remote: n.remote,
      expiresIn: n.expiresIn,
    });
  }
  if (plan.dmz) {
    for (const proto of ['tcp', 'udp'] as const) {
      const taken = portForwards.filter((f) => f.protocol === proto).map((f) => f.port);
      if (backup?.protocol === proto) taken.push(backup.port);
      out.push({
        priority: 'low',
        rank: RANK.low,
        protocol: proto,
        ports: portRanges(taken),
        to: plan.dmz.honeypot.text,
        expiresIn: null,
        sessions: nat.filter((n) => n.target === 'honeypot' && n.protocol === proto).length,
      });
    }
  }
  return out.sort((a, b) => b.rank - a.rank);
}
