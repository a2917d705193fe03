/**
 * Verdict enforcement in the gateway (issue 12 points 6 and 7): the components the daemon adds, in start order —
 * the verdict enforcer (bus → kernel, persisted), the deception service, the incident policy (rule hits and engine
 * verdicts → cache entries, alerts), the inbox commands publish through, and live rule inspection when a bundle
 * directory is configured.
 */
import type { Component, MessageBus, MoatTopics } from '../../framework/index.js';
import { AlertDispatcher, WebhookChannel, type AlertChannel } from '../../output/index.js';
import type { SqliteStore } from '../../store/index.js';
import type { GatewayPlan } from '../config-rules.js';
import { DeceptionService } from './deception.js';
import { IncidentPolicy } from './incidents.js';
import { RuleInspection, type BundleSlot } from './inspection.js';
import { VerdictEnforcer } from './verdict-enforcer.js';
import { VerdictInbox } from './verdict-inbox.js';
import { VerdictStore } from './verdict-store.js';
import type { VerdictTableOptions } from './verdict-ruleset.js';

export { VerdictEnforcer } from './verdict-enforcer.js';
export { VerdictStore, VERDICT_SCHEMA } from './verdict-store.js';
export {
  renderVerdicts,
  MAX_SET_TIMEOUT_S,
  verdictKey,
  expiresAtS,
  LURED_MARK,
  type VerdictTableOptions,
} from './verdict-ruleset.js';
export { DeceptionService, sinkholeAnswer, DECOY_PAGE } from './deception.js';
export { IncidentPolicy, type RuleHit } from './incidents.js';
export { RuleInspection, type BundleSlot } from './inspection.js';
export { VerdictInbox, postToInbox, inboxDir, type InboxTopic } from './verdict-inbox.js';
export { VerdictsConfigSchema, type VerdictsConfig } from './verdict-config.js';

/** The verdict table's name: the router's table with `_verdicts`. */
export const verdictTableName = (plan: GatewayPlan): string => `${plan.config.nftables.table}_verdicts`;

export function verdictTableOptions(plan: GatewayPlan): VerdictTableOptions {
  const v = plan.config.verdicts;
  return {
    table: verdictTableName(plan),
    honeypot: plan.dmz?.honeypot.text,
    monitorGroup: v.monitorGroup,
    trackGroup: v.trackGroup,
    monitorSnaplen: v.monitorSnaplen,
    suppressRate: v.suppressRate,
    deception: { dnsPort: v.deception.dnsPort, httpPort: v.deception.httpPort },
  };
}

export interface VerdictParts {
  enforcer: VerdictEnforcer;
  incidents: IncidentPolicy;
  components: Component[];
}

export function verdictComponents(
  plan: GatewayPlan,
  deps: {
    store: SqliteStore;
    bus: MessageBus<MoatTopics>;
    zoneOf: (ip: string) => string;
    log: (line: string) => void;
    /** The gateway's live inspection, when on: the bundle's rules run in its capture. */
    live?: BundleSlot;
  },
): VerdictParts {
  const v = plan.config.verdicts;
  const enforcer = new VerdictEnforcer({
    table: verdictTableOptions(plan),
    store: new VerdictStore(deps.store),
    bus: deps.bus,
    log: deps.log,
  });
  const deception = new DeceptionService({
    dnsPort: v.deception.dnsPort,
    httpPort: v.deception.httpPort,
    sinkhole: v.deception.sinkhole ?? plan.internal[0].prefix.address.text,
    log: deps.log,
  });
  const channels = new Map<string, AlertChannel>(
    v.alerts.webhooks.map((url, i) => [`webhook${i}`, new WebhookChannel(url)]),
  );
  const incidents = new IncidentPolicy({
    bus: deps.bus,
    zoneOf: deps.zoneOf,
    lifetimeS: v.defaultLifetimeSeconds,
    incidentSeverity: v.incidentSeverity,
    alerts: channels.size ? new AlertDispatcher(channels) : undefined,
    alertChannels: [...channels.keys()],
    log: deps.log,
  });
  const inbox = new VerdictInbox({ stateDir: plan.config.stateDir, bus: deps.bus, log: deps.log });
  const components: Component[] = [enforcer, deception, incidents, inbox];
  if (v.rules && v.inspect && deps.live)
    deps.log(
      'verdicts.inspect is not used: the bundle runs in the live inspection, on inspection.interfaces (set inspection.enabled: false for a capture of its own)',
    );
  if (v.rules)
    components.push(
      new RuleInspection({
        interfaces: v.inspect ?? plan.internal.map((z) => z.interface),
        store: deps.store,
        bundleDir: v.rules.bundleDir,
        keyFiles: v.rules.keys,
        incidents,
        log: deps.log,
        live: deps.live,
      }),
    );
  return { enforcer, incidents, components };
}
