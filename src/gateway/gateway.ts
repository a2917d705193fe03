/**
 * `moat gateway`, the appliance's router (A-5): brings the zones up, puts the generated nftables table in force,
 * turns on forwarding, runs DHCP/DNS and keeps the device table. The kernel does the forwarding and NAT; moat
 * programs it. Stopping moat (or killing it) leaves the table and forwarding in place, so traffic keeps flowing
 * (fail-open, A-21); starting again re-applies the same table in one transaction, which leaves conntrack and every
 * live connection alone.
 */
import type { Component, Health } from '../framework/component.js';
import { openDatabase, type Db } from '../store/index.js';
import { GatewayConfigError, loadGatewayConfig, type LoadedConfig } from './config.js';
import { DeviceTable } from './device-table.js';
import { DhcpDns } from './dhcp-dns.js';
import { bringUpZones, enableForwarding, listLinks, missingInterfaces, setConntrackAging } from './links.js';
import { applyRuleset, checkRuleset } from './ruleset-apply.js';
import { renderRuleset } from './ruleset.js';
import { claimPidFile, releasePidFile, statePaths, writeJsonAtomic } from './state-files.js';
import { zoneClassifier } from './tables.js';
import { mkdirSync } from 'node:fs';

export interface GatewayOptions {
  configPath: string;
  log: (line: string) => void;
  /** dnsmasq binary (tests may point at another). */
  dnsmasqCommand?: string;
  /** How often the status file is rewritten (default 5 s). */
  statusEveryMs?: number;
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
  lastReloadError?: string;
}

export class Gateway implements Component {
  readonly name = 'gateway';
  private db?: Db;
  private devices?: DeviceTable;
  private dhcp?: DhcpDns;
  private timer?: NodeJS.Timeout;
  private status?: RuntimeStatus;
  private readonly paths;

  constructor(
    public config: LoadedConfig,
    private readonly o: GatewayOptions,
  ) {
    this.paths = statePaths(config.config.stateDir);
  }

  async start(): Promise<void> {
    const { plan } = this.config;
    const cfg = plan.config;
    mkdirSync(cfg.stateDir, { recursive: true });
    claimPidFile(this.paths.pidFile);
    try {
      const links = await listLinks();
      const missing = missingInterfaces(plan, links);
      if (missing.length) throw new GatewayConfigError(this.o.configPath, missing);
      // The kernel checks the table before anything on the box changes.
      await checkRuleset(renderRuleset(plan));
      const changed = await bringUpZones(plan, links);
      if (changed.length) this.o.log(`links: ${changed.join(', ')}`);
      enableForwarding();
      const rs = await applyRuleset(plan);
      this.o.log(`nftables: table inet ${rs.table} in force (ruleset ${rs.hash})`);
      const aging = setConntrackAging(cfg.nat);
      if (aging.length) this.o.log(`conntrack ageing: ${aging.join(', ')}`);
      const now = new Date().toISOString();
      this.status = {
        pid: process.pid,
        state: 'running',
        config: this.o.configPath,
        startedAt: now,
        updatedAt: now,
        ruleset: { table: rs.table, hash: rs.hash, appliedAt: now, reloads: 0 },
        dnsmasq: { running: false, restarts: 0 },
        devices: { leases: 0 },
      };

      this.db = openDatabase(cfg.database);
      this.devices = new DeviceTable(this.db);
      await this.startDhcp();
      this.writeStatus();
      this.timer = setInterval(() => this.writeStatus(), this.o.statusEveryMs ?? 5000);
      this.timer.unref();
    } catch (e) {
      await this.dhcp?.stop().catch(() => undefined);
      this.db?.close();
      releasePidFile(this.paths.pidFile);
      throw e;
    }
  }

  private async startDhcp(): Promise<void> {
    this.dhcp = new DhcpDns({
      plan: this.config.plan,
      source: this.o.configPath,
      command: this.o.dnsmasqCommand,
      onLine: (l) => this.o.log(`dnsmasq: ${l}`),
      onEvent: (e) => {
        if (e.event === 'exited')
          this.o.log(`dnsmasq (pid ${e.pid}) exited: ${e.signal ?? `code ${e.code}`}`);
        if (e.event === 'restarting') this.o.log(`dnsmasq: restarting in ${e.inMs} ms`);
        this.writeStatus();
      },
      onLeases: (leases) => {
        // The zones as configured now (a reload may have changed them without touching dnsmasq).
        const changed = this.devices?.record(leases, zoneClassifier(this.config.plan)) ?? 0;
        if (this.status) this.status.devices.leases = leases.length;
        if (changed) this.o.log(`devices: ${changed} lease change(s), ${leases.length} lease(s)`);
      },
    });
    await this.dhcp.start();
    if (this.dhcp.replaced) this.o.log(`dnsmasq: replaced pid ${this.dhcp.replaced} left by an earlier run`);
    if (this.status) this.status.dnsmasq.replacedLeftover = this.dhcp.replaced;
    this.o.log(`dnsmasq: serving ${this.config.plan.internal.map((z) => z.interface).join(', ')}`);
  }

  /**
   * Re-reads the configuration (SIGHUP). A configuration that fails any check, or that the kernel refuses, is
   * reported and the running table and dnsmasq stay as they are.
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
      const missing = missingInterfaces(next.plan, await listLinks());
      if (missing.length) throw new GatewayConfigError(this.o.configPath, missing);
      await checkRuleset(renderRuleset(next.plan));
    } catch (e) {
      const msg = (e as Error).message;
      if (this.status) this.status.lastReloadError = msg;
      this.o.log(`reload refused, the running configuration stays in force:\n${msg}`);
      this.writeStatus();
      return false;
    }
    const links = await listLinks();
    await bringUpZones(next.plan, links);
    const rs = await applyRuleset(next.plan);
    setConntrackAging(next.config.nat);
    this.config = next;
    // dnsmasq restarts only when its configuration changed: DHCP and DNS stay up across other reloads.
    if (!this.dhcp || this.dhcp.confText !== this.dhcp.render(next.plan)) {
      await this.dhcp?.stop();
      await this.startDhcp();
    }
    if (this.status) {
      this.status.ruleset = { ...this.status.ruleset, hash: rs.hash, appliedAt: new Date().toISOString() };
      this.status.ruleset.reloads++;
      delete this.status.lastReloadError;
    }
    this.o.log(`reloaded: ruleset ${rs.hash}`);
    this.writeStatus();
    return true;
  }

  private writeStatus(): void {
    if (!this.status) return;
    const d = this.dhcp?.state;
    this.status.dnsmasq = {
      ...this.status.dnsmasq,
      pid: d?.pid,
      running: d?.running ?? false,
      restarts: d?.restarts ?? 0,
    };
    this.status.updatedAt = new Date().toISOString();
    try {
      writeJsonAtomic(this.paths.statusFile, this.status);
    } catch (e) {
      this.o.log(`status file ${this.paths.statusFile}: ${(e as Error).message}`);
    }
  }

  /** Stops DHCP/DNS and the store; the nftables table and forwarding stay, so traffic keeps flowing. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.dhcp?.stop();
    if (this.status) {
      this.status.state = 'stopped';
      this.writeStatus();
    }
    this.db?.close();
    releasePidFile(this.paths.pidFile);
  }

  health(): Health {
    const dhcp = this.dhcp?.health();
    if (!this.status) return { ok: false, detail: 'not started' };
    if (dhcp && !dhcp.ok) return { ok: false, detail: `dnsmasq ${dhcp.detail}` };
    return { ok: true, detail: `ruleset ${this.status.ruleset.hash}` };
  }
}
