/**
 * `moat gateway status`: what the kernel has in force and whether the daemon is there, read from the kernel
 * (table, counters, forwarding, conntrack) and the daemon's status file. A gateway that was killed still shows
 * its table in force and forwarding on: that is fail-open (A-21), reported as such.
 */
import { readFileSync } from 'node:fs';
import type { LoadedConfig } from './config.js';
import { dnsmasqPaths } from './dhcp-dns.js';
import type { RuntimeStatus } from './gateway.js';
import { readLeaseFile } from './leases.js';
import { listLinks, readForwarding } from './links.js';
import { COUNTERS, renderRuleset, type CounterValue, type RulesetExtension } from './ruleset.js';
import { readTable } from './ruleset-apply.js';
import { processAlive, readJson, runningGatewayPid, statePaths } from './state-files.js';
import { readIsolation, type IsolationState } from './isolation.js';

export interface GatewayStatus {
  ok: boolean;
  /** Each reason `ok` is false, in words. */
  problems: string[];
  daemon: {
    running: boolean;
    pid?: number;
    startedAt?: string;
    updatedAt?: string;
    lastReloadError?: string;
  };
  /** The running daemon's components (A-1 registry) as it last reported them. */
  components: RuntimeStatus['components'];
  ruleset: { table: string; present: boolean; inForce?: string; expected: string; matchesConfig: boolean };
  forwarding: boolean;
  /** Self-isolation (A-66) as the state directory records it. */
  isolation: IsolationState;
  /** `orphaned`: still serving DHCP/DNS after moat died; the next start replaces it. */
  dnsmasq: { running: boolean; pid?: number; orphaned: boolean; restarts: number };
  zones: Array<{ zone: string; interface: string; present: boolean; up: boolean; addresses: string[] }>;
  leases: { active: number; total: number };
  conntrack: { entries?: number; max?: number };
  counters: Record<string, CounterValue & { what: string }>;
  /** Live inspection as the daemon last reported it: libpcap's counters per interface and in total. */
  capture?: RuntimeStatus['capture'];
}

function isDnsmasq(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('dnsmasq');
  } catch {
    return false;
  }
}

function readNumber(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
}

/**
 * `extension`: the rest of the table (the device registry's chains, when the configuration has them) and the
 * descriptions of its counters.
 */
export async function gatewayStatus(
  loaded: LoadedConfig,
  extension?: { ruleset: RulesetExtension; counters: Record<string, string> },
): Promise<GatewayStatus> {
  const { plan, config } = loaded;
  const paths = statePaths(config.stateDir);
  const pid = runningGatewayPid(paths.pidFile);
  const rt = readJson<RuntimeStatus>(paths.statusFile);
  const table = await readTable(config.nftables.table);
  const isolation = readIsolation(config.stateDir);
  const expected = renderRuleset(
    plan,
    {},
    { isolated: isolation.isolated, extension: extension?.ruleset },
  ).hash;
  const links = await listLinks();
  const leases = readLeaseFile(dnsmasqPaths(config.stateDir).leaseFile);
  const now = Date.now();
  const dnsPid = rt?.dnsmasq.pid;
  // The PID from the status file, if that process is still a dnsmasq (a killed moat leaves its dnsmasq serving).
  const dnsRunning = dnsPid !== undefined && processAlive(dnsPid) && isDnsmasq(dnsPid);

  const counters: GatewayStatus['counters'] = {};
  for (const [name, what] of [...Object.entries(COUNTERS), ...Object.entries(extension?.counters ?? {})])
    counters[name] = { ...(table.counters[name] ?? { packets: 0, bytes: 0 }), what };

  const s: GatewayStatus = {
    ok: true,
    problems: [],
    daemon: {
      running: pid !== undefined,
      pid,
      startedAt: pid !== undefined ? rt?.startedAt : undefined,
      updatedAt: rt?.updatedAt,
      lastReloadError: rt?.lastReloadError,
    },
    components: pid !== undefined ? (rt?.components ?? []) : [],
    ruleset: {
      table: config.nftables.table,
      present: table.present,
      inForce: table.hash,
      expected,
      matchesConfig: table.hash === expected,
    },
    forwarding: readForwarding(),
    isolation,
    dnsmasq: {
      running: dnsRunning,
      pid: dnsRunning ? dnsPid : undefined,
      orphaned: dnsRunning && pid === undefined,
      restarts: rt?.dnsmasq.restarts ?? 0,
    },
    zones: plan.zones.map((z) => {
      const l = links.get(z.interface);
      return { zone: z.name, interface: z.interface, present: !!l, up: !!l?.up, addresses: l?.ipv4 ?? [] };
    }),
    leases: {
      active: leases.filter((l) => l.expires === undefined || l.expires > now).length,
      total: leases.length,
    },
    conntrack: {
      entries: readNumber('/proc/sys/net/netfilter/nf_conntrack_count'),
      max: readNumber('/proc/sys/net/netfilter/nf_conntrack_max'),
    },
    counters,
    capture: pid !== undefined ? rt?.capture : undefined,
  };
  const p = s.problems;
  if (!s.daemon.running)
    p.push(
      table.present && s.forwarding
        ? 'moat gateway is not running; the kernel keeps forwarding with the last ruleset (fail-open)'
        : 'moat gateway is not running',
    );
  if (!table.present) p.push(`nftables table inet ${config.nftables.table} is not in the kernel`);
  else if (!s.ruleset.matchesConfig)
    p.push(`the ruleset in force (${table.hash ?? 'not moat’s'}) is not the configuration's (${expected})`);
  if (!s.forwarding) p.push('IPv4 forwarding is off');
  if (isolation.isolated)
    p.push(
      `isolated since ${isolation.since}: ${isolation.reason ?? 'no reason given'} (moat gateway unisolate ends it)`,
    );
  if (!dnsRunning) p.push('dnsmasq is not running');
  for (const z of s.zones)
    if (!z.present || !z.up)
      p.push(`${z.zone} interface ${z.interface} is ${z.present ? 'down' : 'missing'}`);
  for (const c of s.components)
    if (!c.ok) p.push(`component ${c.name}: ${c.state}${c.detail ? `, ${c.detail}` : ''}`);
  if (s.daemon.lastReloadError) p.push(`last reload refused: ${s.daemon.lastReloadError.split('\n')[0]}`);
  s.ok = p.length === 0;
  return s;
}
