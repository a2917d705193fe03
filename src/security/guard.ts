/**
 * The security checks in their spec order (S2021…S2025): the event cache table first — a flow it already
 * decides (block, allow, divert) gets that operation and skips the rule engine; then the rules; rule
 * hits that drop or reject become cache entries, and a watched entry seeing a rule hit is blocked
 * at once. Offline every decision is an EVE record; live, `enforce` programs it into nftables.
 */
import type { Inspector } from '../pipeline/index.js';
import type { FlowEndReason, FlowView } from '../flow/index.js';
import type { AppRecord } from '../proto/index.js';
import type { DecodedPacket } from '../decode/index.js';
import { formatIp } from '../address/index.js';
import type { CacheAlert, Finding } from '../finding/index.js';
import {
  OPERATIONS,
  type CacheEntry,
  type EventCacheTable,
  type Lookup,
  type Operation,
} from './event-cache.js';
import type { RuleInspector } from '../detect/index.js';
import type { RuleMatch } from '../detect/index.js';

export interface GuardOptions {
  /** Lifetime of entries created from rule hits, seconds. */
  ruleEntryLifetimeS?: number;
  /** Live: program an entry into the kernel. Failures are collected, never thrown into the packet path. */
  enforce?: (entry: CacheEntry) => Promise<void>;
}

interface FlowCache {
  generation: number;
  hit: Lookup | undefined;
  reported: boolean;
}

const RULE_OPERATION: Record<string, Operation | undefined> = {
  drop: 'drop',
  reject: 'reset',
  rejectsrc: 'reset',
  rejectdst: 'reset',
  rejectboth: 'reset',
};

export class SecurityGuard implements Inspector {
  readonly name = 'security';
  /**
   * Per flow: what its last lookup found, or — the common case, with no object per flow (flows stay until they time
   * out: ~48k at once on big.pcap) — only the table generation of a lookup that found nothing to report.
   */
  private readonly flows = new Map<number, FlowCache | number>();
  private readonly pending: Array<Promise<void>> = [];
  readonly enforceErrors: string[] = [];
  /** Flows decided by the cache (rules skipped), entries created from rules, watched entries escalated. */
  readonly stats = { cacheDecided: 0, entriesCreated: 0, escalated: 0 };

  constructor(
    private readonly cache: EventCacheTable,
    private readonly rules: RuleInspector | undefined,
    private readonly opts: GuardOptions = {},
  ) {
    if (rules) rules.onMatch = (m, flow, tsUs) => this.onMatch(m, flow, tsUs);
  }

  /** the cache's answer for this flow, asked again only when the table changed. */
  private lookup(flow: FlowView, tsUs: number): FlowCache | undefined {
    const known = this.flows.get(flow.id);
    if (known === this.cache.generation) return undefined;
    if (typeof known === 'object' && known.generation === this.cache.generation) return known;
    // An empty table finds nothing: nothing to remember either (with rules alone it stays empty unless they drop).
    if (typeof known !== 'object' && this.cache.size === 0) return undefined;
    const hit = this.cache.lookup(
      formatIp(flow.src, flow.ipVersion),
      formatIp(flow.dst, flow.ipVersion),
      flow.srcPort,
      flow.dstPort,
      flow.proto,
      tsUs,
    );
    // The lookup itself may change the table (hit counts, expiry): remember the generation after it.
    const reported = typeof known === 'object' && known.reported;
    if (hit === undefined && !reported) {
      this.flows.set(flow.id, this.cache.generation);
      return undefined;
    }
    const fc = { generation: this.cache.generation, hit, reported };
    this.flows.set(flow.id, fc);
    return fc;
  }

  /** Whether the cache decides this flow (and the rules are skipped); reports the decision once per flow. */
  private decided(flow: FlowView, dir: number, tsUs: number, out: Finding[]): boolean {
    const fc = this.lookup(flow, tsUs);
    const e = fc?.hit?.entry;
    if (!fc || !e || e.status !== 'valid') return false;
    if (!fc.reported) {
      fc.reported = true;
      this.stats.cacheDecided++;
      out.push(cacheAlert(dir, e));
    }
    // Observing operations (monitor, track) keep the later checks running.
    return e.operationType !== 'observe';
  }

  /** rule matches that block become entries; a watched entry is blocked again at once. */
  private onMatch(m: RuleMatch, flow: FlowView, tsUs: number): void {
    const fc = this.flows.get(flow.id);
    const watched = typeof fc === 'object' && fc.hit?.entry.status === 'watched' ? fc.hit.entry : undefined;
    if (watched) {
      this.cache.escalate(watched, 'drop', `sid:${m.rule.sid}`, 'rules', tsUs);
      this.stats.escalated++;
      this.apply(watched);
      return;
    }
    const op = RULE_OPERATION[m.rule.action];
    if (!op) return;
    const fwd = m.dir === 0;
    const e = this.cache.record({
      srcIp: formatIp(fwd ? flow.src : flow.dst, flow.ipVersion),
      dstIp: formatIp(fwd ? flow.dst : flow.src, flow.ipVersion),
      srcPort: fwd ? flow.srcPort : flow.dstPort,
      dstPort: fwd ? flow.dstPort : flow.srcPort,
      proto: flow.proto,
      createdUs: tsUs,
      maxLifetimeUs: (this.opts.ruleEntryLifetimeS ?? 3600) * 1e6,
      direction: 'both',
      scope: 'any',
      operation: op,
      eventId: `sid:${m.rule.sid}`,
      diagnosis: 'rules',
    });
    this.stats.entriesCreated++;
    this.apply(e);
  }

  private apply(e: CacheEntry): void {
    const enforce = this.opts.enforce;
    if (!enforce) return;
    this.pending.push(
      enforce(e).catch((err: unknown) => {
        this.enforceErrors.push(err instanceof Error ? err.message : String(err));
      }),
    );
  }

  onPacket(flow: FlowView, dir: number, pkt: DecodedPacket): readonly Finding[] | undefined {
    // Hot path: nothing is allocated unless there is something to report.
    if (this.lookup(flow, pkt.tsUs) !== undefined) {
      const out: Finding[] = [];
      if (this.decided(flow, dir, pkt.tsUs, out)) return out.length > 0 ? out : undefined;
      const alerts = this.rules?.onPacket(flow, dir, pkt);
      if (alerts) out.push(...alerts);
      return out.length > 0 ? out : undefined;
    }
    return this.rules?.onPacket(flow, dir, pkt);
  }

  onAppRecord(flow: FlowView, record: AppRecord, tsUs: number): readonly Finding[] | undefined {
    const out: Finding[] = [];
    if (this.decided(flow, 0, tsUs, out)) return out.length > 0 ? out : undefined;
    const alerts = this.rules?.onAppRecord(flow, record, tsUs);
    if (alerts) out.push(...alerts);
    return out.length > 0 ? out : undefined;
  }

  onAppEvent(flow: FlowView, record: AppRecord & { type: 'anomaly' }, tsUs: number): void {
    this.rules?.onAppEvent(flow, record, tsUs);
  }

  /** Stream inspection is the rules' (tcp-stream rules, app-layer rules whose protocol came late). */
  get wantsStream(): boolean {
    return this.rules?.wantsStream === true;
  }

  onStreamData(flow: FlowView, dir: number, data: Buffer): void {
    this.rules?.onStreamData(flow, dir, data);
  }

  onStreamGap(flow: FlowView, dir: number, len: number): void {
    this.rules?.onStreamGap(flow, dir, len);
  }

  onFlowEnd(flow: FlowView, reason: FlowEndReason, tsUs: number): readonly Finding[] | undefined {
    this.flows.delete(flow.id);
    return this.rules?.onFlowEnd(flow, reason, tsUs);
  }

  async close(): Promise<void> {
    await Promise.all(this.pending);
    this.cache.flush();
    this.rules?.close();
  }
}

/** The cache's decision on a flow, reported once: blocking entries say so in the alert's action and severity. */
function cacheAlert(dir: number, e: CacheEntry): CacheAlert {
  const blocks = e.operationType === 'block';
  return {
    kind: 'cache-alert',
    signature: {
      gid: 1,
      sid: 9_400_100 + OPERATIONS.indexOf(e.operation),
      rev: 1,
      msg: `MOAT event cache: ${e.operation} (${e.diagnosis} ${e.eventId})`,
      category: 'Security event cache',
      severity: blocks ? 1 : 3,
    },
    action: blocks ? 'blocked' : 'allowed',
    dir: dir === 1 ? 1 : 0,
    // A copy: the entry goes on changing (hits, status) after this decision.
    entry: {
      srcIp: e.srcIp,
      dstIp: e.dstIp,
      srcPort: e.srcPort,
      dstPort: e.dstPort,
      proto: e.proto,
      operationType: e.operationType,
      operation: e.operation,
      operationArg: e.operationArg,
      eventId: e.eventId,
      diagnosis: e.diagnosis,
      status: e.status,
      scope: e.scope,
      direction: e.direction,
      hits: e.hits,
    },
  };
}
