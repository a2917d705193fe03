/**
 * Verdicts from real traffic: the installed rule bundle (A-2, `moat rules install`, the active one in the store) runs
 * on a libpcap copy of the internal zones' interfaces, and every rule hit goes to the incident policy, which turns it
 * into event-cache entries on the bus (A-34, A-63, A-65). The active bundle is watched: a new install (or a rollback)
 * is picked up without restarting the gateway — the captures are reopened with the new engine, so the switch costs
 * the packets of a few milliseconds, and a bundle that fails verification leaves the running rules in place.
 *
 * With the gateway's live inspection running (`inspection`, on by default) the bundle's rules run in that one
 * capture and pipeline (LiveInspection.setBundle): one libpcap reader per interface feeds every inspector, and a new
 * bundle swaps the pipeline's inspectors without reopening anything. Only with live inspection off does this
 * component open captures of its own (one per `verdicts.inspect` interface).
 *
 * The internal zones see devices by their own addresses both ways, and inbound traffic after the DNAT of a port-forward
 * with the attacker's own source; the WAN side sees only the gateway's masqueraded address for outbound flows.
 */
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import type { Rule } from '../../detect/index.js';
import { formatIp } from '../../address/index.js';
import type { Component, Health } from '../../framework/index.js';
import type { SqliteStore } from '../../store/index.js';
import type { BundleStore } from '../../verify/index.js';
import type { Inspector } from '../../pipeline/index.js';
import type { IncidentPolicy } from './incidents.js';

/** The live inspection's slot for the bundle's inspector (inspection.ts, LiveInspection). */
export interface BundleSlot {
  setBundle(inspector: Inspector | undefined): void;
  status(): { pipeline: { packets: number } };
}

/** The packet engine is loaded when inspection starts, not with every command that touches the gateway folder. */
const engine = async () => ({
  ...(await import('../../capture/index.js')),
  ...(await import('../../detect/index.js')),
  ...(await import('../../pipeline/index.js')),
});

export interface InspectionConfig {
  interfaces: string[];
  store: SqliteStore;
  bundleDir: string;
  /** Vendor public key files. */
  keyFiles: string[];
  incidents: IncidentPolicy;
  log: (line: string) => void;
  /** How often the active bundle is checked (default 1000 ms; the directory is watched as well). */
  pollMs?: number;
  /** The gateway's live inspection: the rules run in its capture instead of one of their own. */
  live?: BundleSlot;
}

export class RuleInspection implements Component<InspectionConfig> {
  readonly name = 'inspection';
  readonly dependsOn: string[];
  private bundles?: BundleStore;
  private active?: string;
  private runs: Array<{ abort: AbortController; done: Promise<unknown> }> = [];
  private timer?: NodeJS.Timeout;
  private watcher?: FSWatcher;
  private checking = false;
  readonly stats = { hits: 0, reloads: 0, rules: 0, packets: 0 };
  private lastError?: string;

  constructor(readonly config: InspectionConfig) {
    this.dependsOn = ['router', 'incidents', ...(config.live ? ['live-inspection'] : [])];
  }

  async start(): Promise<void> {
    const keys = this.config.keyFiles.map((f) => readFileSync(f, 'utf8'));
    const { BundleStore } = await import('../../verify/index.js');
    this.bundles = new BundleStore(this.config.store, this.config.bundleDir, keys);
    await this.check();
    this.timer = setInterval(() => void this.check(), this.config.pollMs ?? 1000);
    this.timer.unref();
    this.watcher = watch(this.config.bundleDir, () => void this.check());
  }

  /** Loads the active bundle when it changed since the last look. */
  async check(): Promise<void> {
    if (this.checking || !this.bundles) return;
    this.checking = true;
    try {
      const row = this.bundles.active();
      const id = row ? `${row.version} ${row.sha256}` : '';
      if (id === this.active) return;
      let rules: Rule[];
      try {
        rules = this.bundles.loadActive();
      } catch (err) {
        this.lastError = `bundle ${row?.version}: ${(err as Error).message}; the running rules stay`;
        this.config.log(`inspection: ${this.lastError}`);
        this.active = id;
        return;
      }
      await this.restart(rules);
      this.active = id;
      this.lastError = undefined;
      if (row) {
        this.stats.reloads++;
        this.config.log(
          `inspection: rule bundle ${row.name} ${row.version} in force (${rules.length} rules) ${this.config.live ? 'in the live inspection' : `on ${this.config.interfaces.join(', ')}`}`,
        );
      }
    } finally {
      this.checking = false;
    }
  }

  private async restart(rules: Rule[]): Promise<void> {
    await this.stopRuns();
    this.stats.rules = rules.length;
    const live = this.config.live;
    if (rules.length === 0) {
      live?.setBundle(undefined);
      return;
    }
    const { RuleInspector, RuleMatcher, openLiveCapture, runAnalysis, signatureOf } = await engine();
    const inspectorFor = (): InstanceType<typeof RuleInspector> => {
      const inspector = new RuleInspector(new RuleMatcher(rules));
      inspector.onMatch = (m, flow, tsUs) => {
        this.stats.hits++;
        const fwd = m.dir === 0;
        const src = formatIp(fwd ? flow.src : flow.dst, flow.ipVersion);
        const dst = formatIp(fwd ? flow.dst : flow.src, flow.ipVersion);
        this.config.incidents.onRuleHit({
          sid: m.rule.sid,
          msg: m.rule.msg,
          action: m.rule.action,
          // As the alert says it: the rule's priority, else its classtype's.
          severity: signatureOf(m.rule).severity,
          srcIp: src,
          dstIp: dst,
          srcPort: fwd ? flow.srcPort : flow.dstPort,
          dstPort: fwd ? flow.dstPort : flow.srcPort,
          proto: flow.proto,
          tsUs,
        });
      };
      return inspector;
    };
    if (live) {
      live.setBundle(inspectorFor());
      return;
    }
    for (const iface of this.config.interfaces) {
      const inspector = inspectorFor();
      const source = openLiveCapture({ iface });
      const abort = new AbortController();
      const done = runAnalysis(
        { source, iface },
        { inspectors: [inspector], eveTypes: ['alert'], signal: abort.signal, onLine: () => undefined },
      )
        .then((s) => (this.stats.packets += s.packets))
        .catch((err: unknown) => this.config.log(`inspection on ${iface}: ${(err as Error).message}`));
      this.runs.push({ abort, done });
    }
  }

  private async stopRuns(): Promise<void> {
    const runs = this.runs;
    this.runs = [];
    for (const r of runs) r.abort.abort();
    await Promise.all(runs.map((r) => r.done));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.watcher?.close();
    await this.stopRuns();
  }

  health(): Health {
    const where = this.config.live ? 'the live inspection' : this.config.interfaces.join(', ');
    const detail = `${this.stats.rules} rules (bundle ${this.active || 'none'}) in ${where}, ${this.stats.hits} hits, ${this.stats.reloads} loads`;
    return this.lastError ? { ok: false, detail: `${detail}; ${this.lastError}` } : { ok: true, detail };
  }
}
