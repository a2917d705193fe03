/**
 * The ARP/MAC (neighbour) table: which link-layer address each IP address on the gateway's zones has, as
 * the kernel resolved it (`ip -j neigh`, IPv4 and IPv6), with the zone of the interface it was seen on.
 */
import { execFile } from 'node:child_process';
import type { GatewayPlan } from './config-rules.js';
import { LinkError } from './links.js';

export interface NeighbourRow {
  ip: string;
  family: 'ipv4' | 'ipv6';
  mac?: string;
  interface: string;
  /** The zone of the interface; undefined for an interface outside the configuration. */
  zone?: string;
  /** The kernel's states: REACHABLE, STALE, DELAY, PROBE, FAILED, INCOMPLETE, PERMANENT, NOARP. */
  state: string[];
  router: boolean;
}

interface IpNeighJson {
  dst: string;
  dev: string;
  lladdr?: string;
  state?: string[];
  router?: null | boolean;
}

export function parseNeighbours(plan: GatewayPlan, json: string): NeighbourRow[] {
  const zoneOf = new Map(plan.zones.map((z) => [z.interface, z.name as string]));
  const rows = (JSON.parse(json || '[]') as IpNeighJson[]).map((n) => ({
    ip: n.dst,
    family: n.dst.includes(':') ? ('ipv6' as const) : ('ipv4' as const),
    mac: n.lladdr,
    interface: n.dev,
    zone: zoneOf.get(n.dev),
    state: n.state ?? [],
    router: n.router !== undefined,
  }));
  // In the configuration's zone order (WAN first), interfaces outside it last.
  const rank = (z?: string) => (z === undefined ? 99 : plan.zones.findIndex((x) => x.name === z));
  return rows.sort((a, b) => rank(a.zone) - rank(b.zone) || a.ip.localeCompare(b.ip));
}

/** The neighbour table of this network namespace. */
export function listNeighbours(plan: GatewayPlan, command = 'ip'): Promise<NeighbourRow[]> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      ['-j', 'neigh', 'show'],
      { timeout: 10_000, maxBuffer: 64 << 20 },
      (err, out, stderr) => {
        if (err) reject(new LinkError(`ip -j neigh show failed: ${(stderr || err.message).trim()}`));
        else resolve(parseNeighbours(plan, out));
      },
    );
  });
}
