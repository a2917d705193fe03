/**
 * How the fields of a well-formed gateway configuration must relate, checked after the schema: every problem is
 * reported with the path of the field to change, all of them at once. Also builds the parsed view of the zones
 * that the ruleset, dnsmasq and the table views use.
 */
import { liveIssues } from './config-live-rules.js';
import type { GatewayConfig, InternalZoneConfig } from './config-schema.js';
import {
  parseIpv4,
  parseIpv4Prefix,
  prefixContains,
  prefixesOverlap,
  type Ipv4,
  type Ipv4Prefix,
} from './ipv4.js';

export interface ConfigIssue {
  /** Dotted path of the field, e.g. `zones.lan.dhcp.from` or `portForwards[2].to`. */
  path: string;
  message: string;
}

export type ZoneName = 'wan' | 'lan' | 'iot' | 'dmz';

export interface Zone {
  name: ZoneName;
  interface: string;
  /** The gateway's address and the zone's subnet (absent for a WAN taken as found). */
  prefix?: Ipv4Prefix;
}

export interface InternalZone extends Zone {
  name: 'lan' | 'iot';
  prefix: Ipv4Prefix;
  dhcp?: { from: Ipv4; to: Ipv4; leaseSeconds: number };
  /** What the gateway serves the zone itself (the IoT broker …). */
  services: Array<{ protocol: 'tcp' | 'udp'; port: number }>;
}

export interface DmzZone extends Zone {
  name: 'dmz';
  prefix: Ipv4Prefix;
  honeypot: Ipv4;
  tunnel?: { address: Ipv4; port: number; protocol: 'tcp' | 'udp' };
}

/** The configuration with its addresses parsed, as the rest of the gateway uses it. */
export interface GatewayPlan {
  config: GatewayConfig;
  wan: Zone;
  /** LAN first, then IoT when configured. */
  internal: InternalZone[];
  dmz?: DmzZone;
  /** Every zone, WAN first. */
  zones: Zone[];
}

const ip = (s: string): Ipv4 => parseIpv4(s) as Ipv4;
const pfx = (s: string): Ipv4Prefix => parseIpv4Prefix(s) as Ipv4Prefix;

function internalZone(name: 'lan' | 'iot', z: InternalZoneConfig): InternalZone {
  return {
    name,
    interface: z.interface,
    prefix: pfx(z.address),
    dhcp: z.dhcp && { from: ip(z.dhcp.from), to: ip(z.dhcp.to), leaseSeconds: z.dhcp.leaseSeconds },
    services: z.services ?? [],
  };
}

/** The parsed view; call only on a configuration that passed the schema (addresses are known to parse). */
export function planOf(config: GatewayConfig): GatewayPlan {
  const z = config.zones;
  const wan: Zone = {
    name: 'wan',
    interface: z.wan.interface,
    prefix: z.wan.address ? pfx(z.wan.address) : undefined,
  };
  const internal = [internalZone('lan', z.lan), ...(z.iot ? [internalZone('iot', z.iot)] : [])];
  const dmz: DmzZone | undefined = z.dmz && {
    name: 'dmz',
    interface: z.dmz.interface,
    prefix: pfx(z.dmz.address),
    honeypot: ip(z.dmz.honeypot),
    tunnel: z.dmz.tunnel && {
      address: ip(z.dmz.tunnel.address),
      port: z.dmz.tunnel.port,
      protocol: z.dmz.tunnel.protocol,
    },
  };
  return { config, wan, internal, dmz, zones: [wan, ...internal, ...(dmz ? [dmz] : [])] };
}

/** The host part must be a usable address: neither the network nor the broadcast address of its subnet. */
function checkHost(p: Ipv4Prefix, ipAddr: Ipv4, path: string, what: string, out: ConfigIssue[]): void {
  if (p.prefix <= 30 && (ipAddr.n === p.network.n || ipAddr.n === p.broadcast.n)) {
    const which = ipAddr.n === p.network.n ? 'network' : 'broadcast';
    out.push({ path, message: `${what} ${ipAddr.text} is the ${which} address of ${p.subnet}` });
  }
}

export function checkConfigRules(config: GatewayConfig): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const plan = planOf(config);

  // One interface per zone.
  const seenIf = new Map<string, string>();
  for (const zone of plan.zones) {
    const other = seenIf.get(zone.interface);
    if (other)
      out.push({
        path: `zones.${zone.name}.interface`,
        message: `'${zone.interface}' is already zones.${other}.interface`,
      });
    else seenIf.set(zone.interface, zone.name);
  }

  // Subnets: usable sizes, the gateway's own address a host address, no two zones overlapping.
  const addressed = plan.zones.filter((z): z is Zone & { prefix: Ipv4Prefix } => z.prefix !== undefined);
  for (const zone of addressed) {
    const path = `zones.${zone.name}.address`;
    if (zone.name !== 'wan' && (zone.prefix.prefix < 8 || zone.prefix.prefix > 30))
      out.push({
        path,
        message: `prefix /${zone.prefix.prefix} is outside /8…/30 (a zone needs room for devices)`,
      });
    else checkHost(zone.prefix, zone.prefix.address, path, "the gateway's address", out);
  }
  for (let i = 0; i < addressed.length; i++)
    for (let j = 0; j < i; j++)
      if (prefixesOverlap(addressed[i].prefix, addressed[j].prefix))
        out.push({
          path: `zones.${addressed[i].name}.address`,
          message: `subnet ${addressed[i].prefix.subnet} overlaps zones.${addressed[j].name} (${addressed[j].prefix.subnet})`,
        });

  const wanRouter = config.zones.wan.router;
  if (wanRouter && plan.wan.prefix && !prefixContains(plan.wan.prefix, ip(wanRouter)))
    out.push({
      path: 'zones.wan.router',
      message: `${wanRouter} is outside the WAN subnet ${plan.wan.prefix.subnet}`,
    });

  for (const zone of plan.internal) {
    const d = zone.dhcp;
    if (!d) continue;
    const base = `zones.${zone.name}.dhcp`;
    for (const [key, a] of [
      ['from', d.from],
      ['to', d.to],
    ] as const) {
      if (!prefixContains(zone.prefix, a))
        out.push({
          path: `${base}.${key}`,
          message: `${a.text} is outside the zone's subnet ${zone.prefix.subnet}`,
        });
      else checkHost(zone.prefix, a, `${base}.${key}`, 'the range end', out);
    }
    if (d.from.n > d.to.n)
      out.push({ path: `${base}.to`, message: `${d.to.text} comes before from (${d.from.text})` });
    else if (zone.prefix.address.n >= d.from.n && zone.prefix.address.n <= d.to.n)
      out.push({
        path: base,
        message: `the range ${d.from.text}–${d.to.text} holds the gateway's own address ${zone.prefix.address.text}`,
      });
  }

  const dmz = plan.dmz;
  if (dmz) {
    if (!prefixContains(dmz.prefix, dmz.honeypot))
      out.push({
        path: 'zones.dmz.honeypot',
        message: `${dmz.honeypot.text} is outside the DMZ subnet ${dmz.prefix.subnet}`,
      });
    else if (dmz.honeypot.n === dmz.prefix.address.n)
      out.push({
        path: 'zones.dmz.honeypot',
        message: `${dmz.honeypot.text} is the gateway's own DMZ address`,
      });
    else checkHost(dmz.prefix, dmz.honeypot, 'zones.dmz.honeypot', 'the honeypot', out);
    if (dmz.tunnel && !plan.internal.some((z) => prefixContains(z.prefix, dmz.tunnel!.address)))
      out.push({
        path: 'zones.dmz.tunnel.address',
        message: `${dmz.tunnel.address.text} is in no internal zone: the relay's device end sits in the IoT or user LAN (A-53)`,
      });
  }

  if (config.selfIsolation && !config.backup)
    out.push({
      path: 'selfIsolation',
      message: 'needs backup.port: the one WAN port left open while isolated',
    });

  out.push(...liveIssues(config));

  // The console port is closed to every zone but the user LAN, so no other service of the gateway may share it.
  const cport = config.console?.port;
  if (cport !== undefined) {
    if (config.backup?.protocol === 'tcp' && config.backup.port === cport)
      out.push({ path: 'console.port', message: `tcp/${cport} is the backup port (backup.port)` });
    if (config.api.port === cport)
      out.push({ path: 'console.port', message: `tcp/${cport} is the tables API's port (api.port)` });
    for (const z of plan.internal)
      if (z.services.some((s) => s.protocol === 'tcp' && s.port === cport))
        out.push({ path: 'console.port', message: `tcp/${cport} is a service of zones.${z.name}` });
  }

  // Port-forwards: unique WAN ports, into an internal zone, never onto the backup port.
  const backup = config.backup;
  const seenPort = new Map<string, number>();
  config.portForwards.forEach((f, i) => {
    const base = `portForwards[${i}]`;
    const key = `${f.protocol}/${f.port}`;
    const first = seenPort.get(key);
    if (first !== undefined)
      out.push({ path: `${base}.port`, message: `${key} is already forwarded by portForwards[${first}]` });
    else seenPort.set(key, i);
    if (backup && backup.protocol === f.protocol && backup.port === f.port)
      out.push({
        path: `${base}.port`,
        message: `${key} is the backup port (backup.port), which the gateway keeps for itself`,
      });
    const to = ip(f.to);
    const zone = plan.internal.find((z) => prefixContains(z.prefix, to));
    if (!zone)
      out.push({
        path: `${base}.to`,
        message: `${f.to} is in no internal zone (${plan.internal.map((z) => `${z.name} ${z.prefix.subnet}`).join(', ')})`,
      });
    else if (to.n === zone.prefix.address.n)
      out.push({ path: `${base}.to`, message: `${f.to} is the gateway's own ${zone.name} address` });
  });
  return out;
}
