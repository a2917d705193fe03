/**
 * From judgements to event-cache entries, in the gateway (A-34, A-61…A-65). Everything decided here is published
 * on the bus's `cache-entry` topic, where the verdict enforcer (and any other subscriber: self-isolation, the
 * security component in another process) takes it up.
 *
 * - A rule hit whose action is drop or reject becomes a drop or reset entry for that service.
 * - A clearly malicious rule hit (severity at most `incidentSeverity`) from the WAN: the honeypot takes the source
 *   over — an intervene entry for everything the source sends.
 * - The same from an internal device towards the WAN: an outbound anomaly — the user is alerted on the configured
 *   channels and the device isolated, a drop entry for everything it sends and receives.
 * - An engine's verdict (the TLS monitor's risky handshake, the identification model's black address) that asked
 *   for blocking blocks that destination for the source (address level: the next connection uses another port);
 *   one that did not is tracked (A-62: not clearly malicious, watched closely).
 */
import type {
  CacheEntryMessage,
  Component,
  Health,
  MessageBus,
  MoatTopics,
  Subscription,
  VerdictMessage,
} from '../../framework/index.js';
import type { AlertDispatcher, EveEvent } from '../../output/index.js';
import { eveNow } from '../../output/index.js';

export interface RuleHit {
  sid: number;
  msg: string;
  /** The rule's action: alert, drop, reject … */
  action: string;
  /** 1 = highest. */
  severity: number;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  proto: number;
  tsUs: number;
}

export interface IncidentConfig {
  bus: MessageBus<MoatTopics>;
  /** 'lan', 'iot', 'dmz', 'wan', 'gateway' or 'outside' (tables.ts zoneClassifier). */
  zoneOf: (ip: string) => string;
  lifetimeS: number;
  incidentSeverity: number;
  /** Alert channels; none = the log only. */
  alerts?: AlertDispatcher;
  alertChannels: string[];
  log: (line: string) => void;
}

const RULE_OPERATION: Record<string, CacheEntryMessage['operation'] | undefined> = {
  drop: 'drop',
  reject: 'reset',
  rejectsrc: 'reset',
  rejectdst: 'reset',
  rejectboth: 'reset',
};

const internal = (z: string): boolean => z === 'lan' || z === 'iot';
const outside = (z: string): boolean => z === 'wan' || z === 'outside';

export class IncidentPolicy implements Component<IncidentConfig> {
  readonly name = 'incidents';
  readonly dependsOn = ['bus', 'verdicts'];
  private sub?: Subscription;
  readonly stats = { entries: 0, inbound: 0, outbound: 0, alerts: 0 };
  /** Entries published and still alive (key and operation → deadline, ms): a rule firing on every packet of a
   * flow publishes its entry once. */
  private readonly recent = new Map<string, number>();

  constructor(readonly config: IncidentConfig) {}

  async start(): Promise<void> {
    this.sub = await this.config.bus.subscribe('verdict', 'gateway-incidents', (v) => this.onVerdict(v));
  }

  private publish(
    e: Omit<CacheEntryMessage, 'lastHitUs' | 'hits' | 'status' | 'maxLifetimeUs' | 'scope'>,
  ): CacheEntryMessage | undefined {
    const nowMs = Date.now();
    const k = `${e.srcIp}|${e.dstIp}|${e.srcPort}|${e.dstPort}|${e.proto}|${e.operation}`;
    if ((this.recent.get(k) ?? 0) > nowMs) return undefined;
    if (this.recent.size > 10_000)
      for (const [rk, until] of this.recent) if (until <= nowMs) this.recent.delete(rk);
    this.recent.set(k, nowMs + this.config.lifetimeS * 1000);
    const entry: CacheEntryMessage = {
      ...e,
      maxLifetimeUs: this.config.lifetimeS * 1e6,
      scope: this.config.zoneOf(e.srcIp),
      lastHitUs: e.createdUs,
      hits: 0,
      status: 'valid',
    };
    this.config.bus.publish('cache-entry', { change: 'put', entry });
    this.stats.entries++;
    return entry;
  }

  onRuleHit(h: RuleHit): void {
    const srcZone = this.config.zoneOf(h.srcIp);
    const dstZone = this.config.zoneOf(h.dstIp);
    const clearly = h.action !== 'pass' && h.severity <= this.config.incidentSeverity;
    const now = Date.now() * 1000;
    const eventId = `sid:${h.sid}`;
    if (clearly && outside(srcZone)) {
      const e = this.publish({
        srcIp: h.srcIp,
        dstIp: '*',
        srcPort: 0,
        dstPort: 0,
        proto: 0,
        createdUs: now,
        direction: 'forward',
        operationType: 'divert',
        operation: 'intervene',
        eventId,
        diagnosis: 'rules',
      });
      if (!e) return;
      this.stats.inbound++;
      this.config.log(
        `incident (A-63): inbound ${h.srcIp} → ${h.dstIp}:${h.dstPort} "${h.msg}": handed to the honeypot`,
      );
      return;
    }
    if (clearly && internal(srcZone) && outside(dstZone)) {
      const e = this.publish({
        srcIp: h.srcIp,
        dstIp: '*',
        srcPort: 0,
        dstPort: 0,
        proto: 0,
        createdUs: now,
        direction: 'both',
        operationType: 'block',
        operation: 'drop',
        eventId,
        diagnosis: 'rules',
      });
      if (!e) return;
      this.stats.outbound++;
      this.alert(h);
      this.config.log(
        `incident (A-65): outbound anomaly from ${h.srcIp} "${h.msg}": alerted, device isolated`,
      );
      return;
    }
    const op = RULE_OPERATION[h.action];
    if (!op) return;
    this.publish({
      srcIp: h.srcIp,
      dstIp: h.dstIp,
      srcPort: h.srcPort,
      dstPort: h.dstPort,
      proto: h.proto,
      createdUs: now,
      direction: 'both',
      operationType: 'block',
      operation: op,
      eventId,
      diagnosis: 'rules',
    });
  }

  onVerdict(v: VerdictMessage): void {
    const block = v.block || v.blocked;
    this.publish({
      srcIp: v.srcIp,
      dstIp: v.dstIp,
      srcPort: 0,
      dstPort: 0,
      proto: 0,
      // The verdict's own time: one replayed by a durable bus after a restart does not live longer than it should.
      createdUs: Math.min(v.tsUs, Date.now() * 1000),
      direction: 'both',
      operationType: block ? 'block' : 'observe',
      operation: block ? 'drop' : 'track',
      eventId: `${v.engine}:${v.signatureId}`,
      diagnosis: v.engine,
    });
  }

  private alert(h: RuleHit): void {
    const d = this.config.alerts;
    if (!d) return;
    const event: EveEvent = {
      timestamp: eveNow(),
      event_type: 'alert',
      src_ip: h.srcIp,
      src_port: h.srcPort,
      dest_ip: h.dstIp,
      dest_port: h.dstPort,
      proto: h.proto === 6 ? 'TCP' : h.proto === 17 ? 'UDP' : String(h.proto),
      alert: {
        action: 'blocked',
        gid: 1,
        signature_id: h.sid,
        rev: 1,
        signature: h.msg,
        category: 'Outbound anomaly: device isolated (A-65)',
        severity: h.severity,
      },
      moat: { incident: 'outbound-anomaly', isolated: h.srcIp },
    };
    for (const c of this.config.alertChannels) d.send(c, event);
    this.stats.alerts++;
  }

  async stop(): Promise<void> {
    await this.sub?.close();
    await this.config.alerts?.close();
  }

  health(): Health {
    const s = this.stats;
    return {
      ok: true,
      detail: `${s.entries} entries published, ${s.inbound} inbound and ${s.outbound} outbound incidents, ${s.alerts} alerts`,
    };
  }
}
