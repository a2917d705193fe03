/**
 * IPv6 neighbours (ND) into the registry: the kernel's neighbour table on the internal zones (`ip -j neigh`, read by
 * src/gateway) names each IPv6 address a device uses with its MAC. Only entries the kernel has confirmed lately count
 * as a sighting (REACHABLE, DELAY, PROBE, PERMANENT); a STALE entry would keep a device "seen" that left long ago.
 * IPv4 comes from the DHCP leases and the device's own traffic, as before.
 */
import type { NeighbourRow } from '../gateway/index.js';
import type { Observation } from './model.js';

const LIVE = new Set(['REACHABLE', 'DELAY', 'PROBE', 'PERMANENT']);

export function neighbourObservations(
  rows: readonly NeighbourRow[],
  internal: ReadonlySet<string>,
): Observation[] {
  const out: Observation[] = [];
  for (const r of rows) {
    if (r.family !== 'ipv6' || !r.mac || !r.zone || !internal.has(r.zone)) continue;
    if (!r.state.some((s) => LIVE.has(s))) continue;
    out.push({ mac: r.mac, ip: r.ip.toLowerCase(), zone: r.zone });
  }
  return out;
}
