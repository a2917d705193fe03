/**
 * DHCP and DNS for the internal zones: dnsmasq, configured from the gateway configuration, started and kept
 * running by moat (restart on exit), stopped by its PID. A dnsmasq left behind by a moat that was killed is
 * recognised by its PID file and its command line (our configuration file) and replaced. The lease file is read
 * back into the device table whenever dnsmasq rewrites it.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Component, Health } from '../framework/index.js';
import type { GatewayPlan } from './config-rules.js';
import { renderDnsmasqConf } from './dnsmasq-conf.js';
import { readLeaseFile, type Lease } from './leases.js';
import { Supervised, type SupervisorEvent, type SupervisorState } from './supervisor.js';

export interface DhcpDnsOptions {
  plan: GatewayPlan;
  /** The configuration file's name, for the generated file's header. */
  source: string;
  command?: string;
  /** New leases (the whole file, whenever it changed). */
  onLeases?: (leases: Lease[]) => void;
  onLine?: (line: string) => void;
  onEvent?: (e: SupervisorEvent) => void;
  /** How often the lease file is looked at (default 1 s). */
  leasePollMs?: number;
  /** Components that must run first (the router's addresses, the device table). */
  dependsOn?: readonly string[];
}

export function dnsmasqPaths(stateDir: string) {
  return {
    conf: join(stateDir, 'dnsmasq.conf'),
    pidFile: join(stateDir, 'dnsmasq.pid'),
    leaseFile: join(stateDir, 'dnsmasq.leases'),
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a dnsmasq a previous run left behind, only if its command line names our configuration file. */
async function stopLeftover(pidFile: string, conf: string): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 1 || !alive(pid)) return undefined;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
  if (!cmdline.includes('dnsmasq') || !cmdline.includes(conf)) return undefined;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 30 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  return pid;
}

export class DhcpDns implements Component<DhcpDnsOptions> {
  readonly name = 'dhcp-dns';
  readonly dependsOn: readonly string[];
  readonly paths;
  private daemon?: Supervised;
  private poll?: NodeJS.Timeout;
  private leaseMtime = -1;
  /** The configuration dnsmasq was started with. */
  confText?: string;
  /** PID of a dnsmasq from an earlier run that start() replaced, if any. */
  replaced?: number;

  constructor(public config: DhcpDnsOptions) {
    this.paths = dnsmasqPaths(config.plan.config.stateDir);
    this.dependsOn = config.dependsOn ?? [];
  }

  /** Restarts dnsmasq with `plan` if that changes its configuration; returns whether it did. */
  async reconfigure(plan: GatewayPlan): Promise<boolean> {
    if (this.confText === this.render(plan)) return false;
    await this.stop();
    this.config = { ...this.config, plan };
    await this.start();
    return true;
  }

  /** dnsmasq's configuration for `plan` (to tell whether a reload changes it). */
  render(plan: GatewayPlan): string {
    return renderDnsmasqConf(plan, this.paths, this.config.source);
  }

  get state(): Readonly<SupervisorState> | undefined {
    return this.daemon?.state;
  }

  async start(): Promise<void> {
    const { plan } = this.config;
    mkdirSync(plan.config.stateDir, { recursive: true });
    this.confText = this.render(plan);
    writeFileSync(this.paths.conf, this.confText);
    this.replaced = await stopLeftover(this.paths.pidFile, this.paths.conf);
    this.daemon = new Supervised({
      name: 'dnsmasq',
      command: this.config.command ?? 'dnsmasq',
      args: [
        '--keep-in-foreground',
        `--conf-file=${this.paths.conf}`,
        `--pid-file=${this.paths.pidFile}`,
        '--log-facility=-',
      ],
      onLine: this.config.onLine,
      onEvent: this.config.onEvent,
    });
    await this.daemon.start();
    this.readLeases();
    this.poll = setInterval(() => this.readLeases(), this.config.leasePollMs ?? 1000);
    this.poll.unref();
  }

  /** Reads the lease file when it changed since the last look. */
  readLeases(): void {
    let mtime: number;
    try {
      mtime = statSync(this.paths.leaseFile).mtimeMs;
    } catch {
      return;
    }
    if (mtime === this.leaseMtime) return;
    this.leaseMtime = mtime;
    this.config.onLeases?.(readLeaseFile(this.paths.leaseFile));
  }

  async stop(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    await this.daemon?.stop();
  }

  health(): Health {
    return this.daemon ? this.daemon.health() : { ok: false, detail: 'not started' };
  }
}
