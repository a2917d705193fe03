/**
 * `moat gateway`, the appliance's router (A-5), composed through the A-1 framework: the bus, the router (links,
 * forwarding, the nftables table), the device table and DHCP/DNS (dnsmasq) are components started in dependency
 * order and stopped in reverse. The kernel does the forwarding and NAT; moat programs it. Stopping moat (or killing
 * it) leaves the table and forwarding in place, so traffic keeps flowing (fail-open, A-21); starting again
 * re-applies the same table in one transaction, which leaves conntrack and every live connection alone.
 */
import { mkdirSync } from 'node:fs';
import {
  type Component,
  ComponentRegistry,
  ComponentStartError,
  type MessageBus,
  type RegistryHealth,
} from '../framework/index.js';
import type { MoatTopics } from '../framework/index.js';
import type { SqliteStore } from '../store/index.js';
import { loadGatewayConfig, type LoadedConfig } from './config.js';
import { DevicesComponent } from './devices.js';
import { DhcpDns } from './dhcp-dns.js';
import { readIsolation, SelfIsolationTrigger, writeIsolation, type IsolationState } from './isolation.js';
import { RouterComponent } from './router.js';
import { GatewayLive } from './live.js';
import type { CaptureStatus, LiveAnalysis } from './inspection.js';
import { verdictComponents, verdictTableOptions, type VerdictParts } from './enforce/index.js';
import type { RulesetExtension, RulesetState } from './ruleset.js';
import type { Lease } from './leases.js';
import { claimPidFile, releasePidFile, statePaths, writeJsonAtomic } from './state-files.js';
import { zoneClassifier } from './tables.js';

export interface GatewayOptions {
  configPath: string;
  log: (line: string) => void;
  /** The store (device table), opened by the command. */
  store: SqliteStore;
  /** The message bus the components publish on (device announcements); absent = none. */
  bus?: MessageBus<MoatTopics>;
  /** dnsmasq binary (tests may point at another). */
  dnsmasqCommand?: string;
  /** How often the status file is rewritten (default 5 s). */
  statusEveryMs?: number;
  /** More components to run with the router (the IoT gateway, A-6), started after the device table. */
  components?: readonly Component[];
  /** More of the appliance composed in (the device registry, src/devices/): its table part and its components. */
  extension?: GatewayExtension;
  /** The engines judging the live inspection's flows (identification model, CNN, log review), composed by the command. */
  analysis?: LiveAnalysis;
}

/** A part of the appliance built on the gateway: rules in the gateway's table, components started after it. */
export interface GatewayExtension {
  ruleset: RulesetExtension;
  /** Started after the gateway's own components (they may name 'router', 'devices', 'dhcp-dns' in dependsOn). */
  components: Component[];
  /** Every lease file dnsmasq wrote, with the zone of an address. */
  onLeases?(leases: readonly Lease[], zoneOf: (ip: string) => string | undefined): void;
}

/** What the daemon writes for `moat gateway status`. */
export interface RuntimeStatus {
  pid: number;
  state: 'running' | 'stopped';
  config: string;
  startedAt: string;
  updatedAt: string;
  ruleset: { table: string; hash: string; appliedAt: string; reloads: number };
  dnsmasq: { pid?: number; running: boolean; restarts: number; replacedLeftover?: number };
  devices: { leases: number };
  isolation: IsolationState;
  components: RegistryHealth['components'];
  lastReloadError?: string;
  /** Live inspection: libpcap's and the pipeline's counters (absent when inspection is off). */
  capture?: CaptureStatus;
}

export class Gateway {
  private readonly registry = new ComponentRegistry();
  private readonly router: RouterComponent;
  private readonly devices: DevicesComponent;
  private readonly dhcp: DhcpDns;
  private readonly trigger?: SelfIsolationTrigger;
  readonly live: GatewayLive;
  /** Verdict enforcement (A-34, A-37, A-61…A-67): present when there is a bus. */
  readonly verdicts?: VerdictParts;
  private isolation: IsolationState;
  private timer?: NodeJS.Timeout;
  private startedAt = '';
  private reloads = 0;
  /** Why the last reload was refused (cleared by the next that succeeds). */
  lastReloadError?: string;
  private stopped = false;
  private readonly paths;

  constructor(
    public config: LoadedConfig,
    private readonly o: GatewayOptions,
  ) {
    this.paths = statePaths(config.config.stateDir);
    const log = o.log;
    // Isolation outlives restarts: a gateway that was isolated comes back isolated.
    this.isolation = readIsolation(config.config.stateDir);
    this.router = new RouterComponent({
      plan: config.plan,
      state: this.rulesetState(this.isolation.isolated),
      source: o.configPath,
      log,
    });
    this.devices = new DevicesComponent({
      store: o.store,
      // The zones as configured now (a reload may change them without touching dnsmasq).
      zoneOf: (ip) => zoneClassifier(this.config.plan)(ip),
      bus: o.bus,
      log,
    });
    this.dhcp = new DhcpDns({
      plan: config.plan,
      source: o.configPath,
      command: o.dnsmasqCommand,
      dependsOn: ['router', 'devices'],
      onLine: (l) => log(`dnsmasq: ${l}`),
      onEvent: (e) => {
        if (e.event === 'exited') log(`dnsmasq (pid ${e.pid}) exited: ${e.signal ?? `code ${e.code}`}`);
        if (e.event === 'restarting') log(`dnsmasq: restarting in ${e.inMs} ms`);
        this.writeStatus();
      },
      onLeases: (leases) => {
        this.devices.onLeases(leases);
        o.extension?.onLeases?.(leases, (ip) => zoneClassifier(this.config.plan)(ip));
      },
    });
    if (o.bus) this.registry.add(o.bus);
    this.registry.add(this.router).add(this.devices).add(this.dhcp);
    this.live = new GatewayLive(this, o.store, log, o.analysis);
    this.live.register(this.registry);
    for (const c of o.components ?? []) this.registry.add(c);
    if (o.bus) {
      this.verdicts = verdictComponents(config.plan, {
        store: o.store,
        bus: o.bus,
        zoneOf: (ip) => zoneClassifier(this.config.plan)(ip),
        log,
        live: this.live.inspection,
      });
      for (const c of this.verdicts.components) this.registry.add(c);
    }
    for (const c of o.extension?.components ?? []) this.registry.add(c);
    const si = config.config.selfIsolation;
    if (si && o.bus) {
      const zoneOf = (ip: string) => zoneClassifier(this.config.plan)(ip);
      const internal = (ip: string) => zoneOf(ip) === 'lan' || zoneOf(ip) === 'iot';
      this.trigger = new SelfIsolationTrigger({
        threshold: si.threshold,
        bus: o.bus,
        deviceOf: (src, dst) => (internal(src) ? src : internal(dst) ? dst : undefined),
        isolate: (reason, devices) => this.setIsolation({ isolated: true, reason, devices }),
        log,
      });
      this.registry.add(this.trigger);
    }
  }

  private rulesetState(isolated: boolean): RulesetState {
    return { isolated, extension: this.o.extension?.ruleset };
  }

  /**
   * Closes the WAN except the backup port, or opens it again (A-66); the state is written first, so a crash in
   * between still comes back in the state asked for.
   */
  async setIsolation(s: Omit<IsolationState, 'since'>): Promise<void> {
    const next: IsolationState = s.isolated ? { ...s, since: new Date().toISOString() } : { isolated: false };
    writeIsolation(this.config.config.stateDir, next);
    await this.applyIsolation(next);
  }

  private async applyIsolation(next: IsolationState): Promise<void> {
    const changed = next.isolated !== this.isolation.isolated;
    this.isolation = next;
    if (!changed) return;
    await this.router.put(this.config.plan, this.rulesetState(next.isolated));
    if (!next.isolated) this.trigger?.flagged.rearm();
    this.live.onIsolation(next);
    this.o.log(
      next.isolated
        ? `self-isolation: WAN closed except the backup port (${next.reason ?? 'no reason given'})`
        : 'self-isolation ended: WAN open',
    );
    this.writeStatus();
  }

  async start(): Promise<void> {
    mkdirSync(this.config.config.stateDir, { recursive: true });
    claimPidFile(this.paths.pidFile);
    try {
      await this.registry.start();
    } catch (e) {
      releasePidFile(this.paths.pidFile);
      throw e instanceof ComponentStartError ? e.cause : e;
    }
    this.startedAt = new Date().toISOString();
    if (this.dhcp.replaced) this.o.log(`dnsmasq: replaced pid ${this.dhcp.replaced} left by an earlier run`);
    this.o.log(`dnsmasq: serving ${this.config.plan.internal.map((z) => z.interface).join(', ')}`);
    this.writeStatus();
    this.timer = setInterval(() => this.writeStatus(), this.o.statusEveryMs ?? 5000);
    this.timer.unref();
  }

  /**
   * Re-reads the configuration (SIGHUP). A configuration that fails any check, or that the kernel refuses, is
   * reported and the running table and dnsmasq stay as they are. dnsmasq restarts only when its own
   * configuration changed, so DHCP and DNS stay up across other reloads.
   */
  async reload(): Promise<boolean> {
    let next: LoadedConfig;
    try {
      next = loadGatewayConfig(this.o.configPath);
      const old = this.config.config;
      for (const k of ['stateDir', 'database'] as const)
        if (next.config[k] !== old[k]) throw new Error(`${k} changed: restart moat gateway to move it`);
      if (next.config.nftables.table !== old.nftables.table)
        throw new Error('nftables.table changed: restart moat gateway to rename the table');
      await this.router.check(next.plan, this.rulesetState(readIsolation(next.config.stateDir).isolated));
    } catch (e) {
      this.lastReloadError = (e as Error).message;
      this.o.log(`reload refused, the running configuration stays in force:\n${this.lastReloadError}`);
      this.writeStatus();
      return false;
    }
    // A reload also picks up `moat gateway isolate|unisolate`, which write the state and send SIGHUP.
    const wasIsolated = this.isolation.isolated;
    this.isolation = readIsolation(next.config.stateDir);
    await this.router.put(next.plan, this.rulesetState(this.isolation.isolated));
    this.config = next;
    this.live.setPlan();
    if (this.isolation.isolated !== wasIsolated) {
      if (!this.isolation.isolated) this.trigger?.flagged.rearm();
      this.live.onIsolation(this.isolation);
      this.o.log(
        this.isolation.isolated
          ? `self-isolation: WAN closed except the backup port (${this.isolation.reason ?? 'no reason given'})`
          : 'self-isolation ended: WAN open',
      );
    }
    await this.dhcp.reconfigure(next.plan);
    await this.verdicts?.enforcer.reconfigure(verdictTableOptions(next.plan));
    this.reloads++;
    this.lastReloadError = undefined;
    this.o.log(`reloaded: ruleset ${this.router.ruleset?.hash}`);
    this.writeStatus();
    return true;
  }

  private writeStatus(): void {
    const rs = this.router.ruleset;
    if (!rs) return;
    const d = this.dhcp.state;
    const status: RuntimeStatus = {
      pid: process.pid,
      state: this.stopped ? 'stopped' : 'running',
      config: this.o.configPath,
      startedAt: this.startedAt,
      updatedAt: new Date().toISOString(),
      ruleset: { table: rs.table, hash: rs.hash, appliedAt: rs.appliedAt, reloads: this.reloads },
      dnsmasq: {
        pid: d?.pid,
        running: d?.running ?? false,
        restarts: d?.restarts ?? 0,
        replacedLeftover: this.dhcp.replaced,
      },
      devices: { leases: this.devices.leases },
      isolation: this.isolation,
      components: this.registry.health().components,
      lastReloadError: this.lastReloadError,
      capture: this.live.capture(),
    };
    try {
      writeJsonAtomic(this.paths.statusFile, status);
    } catch (e) {
      this.o.log(`status file ${this.paths.statusFile}: ${(e as Error).message}`);
    }
  }

  /** Stops DHCP/DNS, the store and the bus; the nftables table and forwarding stay, so traffic keeps flowing. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    try {
      await this.registry.stop();
    } finally {
      this.stopped = true;
      this.writeStatus();
      releasePidFile(this.paths.pidFile);
    }
  }

  health(): RegistryHealth {
    return this.registry.health();
  }
}
