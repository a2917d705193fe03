/**
 * The zones' links as the kernel has them (`ip -j addr`), and bringing them to what the configuration says:
 * link up, the gateway's address on each zone, the WAN default route, IP forwarding on. Each step only adds
 * what is missing, so a restart changes nothing on a running gateway and drops no connection.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import type { ConfigIssue, GatewayPlan } from './config-rules.js';
import { OperationalError } from '../framework/errors.js';

export class LinkError extends OperationalError {}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new LinkError(`${cmd} ${args.join(' ')} failed: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
}

export interface LinkInfo {
  name: string;
  up: boolean;
  mac?: string;
  /** IPv4 addresses with prefix, e.g. 192.168.1.1/24. */
  ipv4: string[];
}

interface IpAddrJson {
  ifname: string;
  flags?: string[];
  operstate?: string;
  address?: string;
  addr_info?: Array<{
    family: string;
    local: string;
    prefixlen: number;
    tentative?: boolean;
    dadfailed?: boolean;
  }>;
}

export async function listLinks(): Promise<Map<string, LinkInfo>> {
  const j = JSON.parse(await run('ip', ['-j', 'addr', 'show'])) as IpAddrJson[];
  const out = new Map<string, LinkInfo>();
  for (const l of j)
    out.set(l.ifname, {
      name: l.ifname,
      up: (l.flags ?? []).includes('UP'),
      mac: l.address,
      ipv4: (l.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`),
    });
  return out;
}

/** Zones whose interface is not in this network namespace, as configuration issues (path and message). */
export function missingInterfaces(plan: GatewayPlan, links: Map<string, LinkInfo>): ConfigIssue[] {
  return plan.zones
    .filter((z) => !links.has(z.interface))
    .map((z) => ({
      path: `zones.${z.name}.interface`,
      message: `no interface '${z.interface}' here (found: ${[...links.keys()].join(', ') || 'none'})`,
    }));
}

/** Links up, addresses present, default route via the WAN router when one is configured. */
export async function bringUpZones(plan: GatewayPlan, links: Map<string, LinkInfo>): Promise<string[]> {
  const done: string[] = [];
  for (const z of plan.zones) {
    const link = links.get(z.interface);
    if (!link) throw new LinkError(`zones.${z.name}.interface: no interface '${z.interface}'`);
    if (!link.up) {
      await run('ip', ['link', 'set', z.interface, 'up']);
      done.push(`${z.interface} up`);
    }
    if (z.prefix) {
      const want = `${z.prefix.address.text}/${z.prefix.prefix}`;
      if (!link.ipv4.includes(want)) {
        await run('ip', ['addr', 'add', want, 'dev', z.interface]);
        done.push(`${want} on ${z.interface}`);
      }
    }
  }
  if (done.some((d) => d.endsWith(' up'))) {
    const waited = await awaitIpv6Ready(plan.zones.map((z) => z.interface));
    if (waited !== undefined) done.push(`IPv6 link-local ready after ${waited} ms`);
  }
  const router = plan.config.zones.wan.router;
  if (router) {
    await run('ip', ['route', 'replace', 'default', 'via', router, 'dev', plan.wan.interface]);
    done.push(`default via ${router}`);
  }
  return done;
}

/**
 * Waits (up to `limitMs`) until no IPv6 address on `interfaces` is tentative. A link just brought up runs duplicate
 * address detection on its link-local address for about a second, and until it ends the kernel sends no neighbour
 * solicitation for forwarded traffic (it needs a usable link-local source), so the first forwarded IPv6 connection
 * would stall on an unresolved next hop. Returns the milliseconds waited, or undefined when nothing was tentative.
 */
export async function awaitIpv6Ready(interfaces: string[], limitMs = 3000): Promise<number | undefined> {
  const start = Date.now();
  let waited = false;
  for (;;) {
    const j = JSON.parse(await run('ip', ['-j', '-6', 'addr', 'show'])) as IpAddrJson[];
    const pending = j.some(
      (l) => interfaces.includes(l.ifname) && (l.addr_info ?? []).some((a) => a.tentative && !a.dadfailed),
    );
    if (!pending) return waited ? Date.now() - start : undefined;
    if (Date.now() - start >= limitMs) return Date.now() - start;
    waited = true;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const FORWARDING = '/proc/sys/net/ipv4/ip_forward';

/** IPv4 forwarding in this network namespace; left on when moat stops, so forwarding outlives it. */
export function enableForwarding(): void {
  if (readForwarding()) return;
  writeFileSync(FORWARDING, '1\n');
}

export function readForwarding(): boolean {
  try {
    return readFileSync(FORWARDING, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

const NETFILTER = '/proc/sys/net/netfilter';

/**
 * Idle timeouts of tracked connections in this network namespace (A-57: an idle normal mapping ages back to low
 * priority). Set as the namespace's conntrack defaults rather than nftables timeout objects: those are detached
 * from live connections whenever the table is replaced, these hold across every reload. Needs conntrack loaded
 * (the ruleset loads it). Returns the settings written.
 */
export function setConntrackAging(nat: { tcpIdleSeconds?: number; udpIdleSeconds?: number }): string[] {
  const writes: Array<[string, number]> = [];
  if (nat.tcpIdleSeconds !== undefined)
    writes.push(['nf_conntrack_tcp_timeout_established', nat.tcpIdleSeconds]);
  if (nat.udpIdleSeconds !== undefined)
    writes.push(
      ['nf_conntrack_udp_timeout', nat.udpIdleSeconds],
      ['nf_conntrack_udp_timeout_stream', nat.udpIdleSeconds],
    );
  for (const [name, value] of writes) writeFileSync(`${NETFILTER}/${name}`, `${value}\n`);
  return writes.map(([n, v]) => `${n}=${v}`);
}
