/**
 * The router component (A-5) in the kernel: zones' links up with their addresses, IPv4 forwarding on, moat's
 * nftables table in force, conntrack ageing set. Everything is checked before anything changes (interfaces
 * present, the kernel's dry-run of the table); stopping leaves all of it in place, so forwarding outlives moat
 * (fail-open, A-21).
 */
import type { Component, Health } from '../framework/index.js';
import type { GatewayPlan } from './config-rules.js';
import { GatewayConfigError } from './config.js';
import { bringUpZones, enableForwarding, listLinks, missingInterfaces, setConntrackAging } from './links.js';
import { applyRuleset, checkRuleset } from './ruleset-apply.js';
import { renderRuleset, type Ruleset, type RulesetState } from './ruleset.js';

export interface RouterConfig {
  plan: GatewayPlan;
  /** Run-time state the table reflects (self-isolation). */
  state: RulesetState;
  /** The configuration file, for errors that name it. */
  source: string;
  log: (line: string) => void;
}

export class RouterComponent implements Component<RouterConfig> {
  readonly name = 'router';
  readonly dependsOn: readonly string[] = [];
  /** The ruleset this process put in force last. */
  ruleset?: Ruleset & { appliedAt: string };

  constructor(public config: RouterConfig) {}

  /** Refuses a plan whose interfaces are missing or whose table the kernel would not take; changes nothing. */
  async check(plan: GatewayPlan, state: RulesetState = this.config.state): Promise<void> {
    const missing = missingInterfaces(plan, await listLinks());
    if (missing.length) throw new GatewayConfigError(this.config.source, missing);
    await checkRuleset(renderRuleset(plan, {}, state));
  }

  async start(): Promise<void> {
    await this.put(this.config.plan, this.config.state);
  }

  /** Checks, then brings the kernel to `plan` in `state` (a reload or an isolation change passes new ones). */
  async put(plan: GatewayPlan, state: RulesetState = this.config.state): Promise<void> {
    await this.check(plan, state);
    const changed = await bringUpZones(plan, await listLinks());
    if (changed.length) this.config.log(`links: ${changed.join(', ')}`);
    enableForwarding();
    const rs = await applyRuleset(plan, state);
    this.ruleset = { ...rs, appliedAt: new Date().toISOString() };
    this.config.log(`nftables: table inet ${rs.table} in force (ruleset ${rs.hash})`);
    const aging = setConntrackAging(plan.config.nat);
    if (aging.length) this.config.log(`conntrack ageing: ${aging.join(', ')}`);
    this.config = { ...this.config, plan, state };
  }

  /** The table and forwarding stay: traffic keeps flowing without moat. */
  async stop(): Promise<void> {}

  health(): Health {
    return this.ruleset
      ? { ok: true, detail: `table inet ${this.ruleset.table}, ruleset ${this.ruleset.hash}` }
      : { ok: false, detail: 'no ruleset applied' };
  }
}
