/**
 * The rule engine in the pipeline: app-layer rules run on each record, packet rules on each packet the flow layer
 * hands over, stream rules on the reassembled streams at each flow's end. Each match is a rule alert (the output
 * copies the record's EVE object into it, as Suricata does); the flow's traffic tags go with its alerts and its
 * flow record.
 */
import type { Inspector } from '../pipeline/index.js';
import type { FlowEndReason, FlowView } from '../flow/index.js';
import type { AppRecord } from '../proto/index.js';
import type { DecodedPacket } from '../decode/index.js';
import type { Finding, RuleAlert, TrafficTags } from '../finding/index.js';
import type { RuleMatcher, RuleMatch } from './rule-matcher.js';
import type { Rule } from './rule.js';
import { signatureOf } from './signature.js';
import { StreamInspector } from './stream-inspect.js';
import { HeaderRuleMatcher } from './header-rules.js';
import { Tagger } from './tagging.js';

const TAGGED: Finding = { kind: 'tagged-packet' };

/**
 * Flowbits named traffic/id/NAME or traffic/label/NAME tag the flow: Suricata writes them as `traffic.id` and
 * `traffic.label` lists on the flow's alerts and on its flow record.
 */
export function trafficOf(bits: ReadonlySet<string> | undefined): TrafficTags | undefined {
  if (!bits) return undefined;
  let out: Record<string, string[]> | undefined;
  for (const b of bits) {
    const m = /^traffic\/(id|label)\/(.+)$/.exec(b);
    if (m) ((out ??= {})[m[1]] ??= []).push(m[2]);
  }
  return out;
}

export class RuleInspector implements Inspector {
  readonly name = 'rules';
  alerts = 0;
  /** Where dataset `save`/`state` files are written when the analysis ends (Suricata's data directory). */
  saveDatasetsTo?: string;
  /** Hears every rule match (the security guard turns drop/reject matches into event-cache entries). */
  onMatch?: (m: RuleMatch, flow: FlowView, tsUs: number) => void;

  constructor(
    private readonly engine: RuleMatcher,
    /**
     * Also run plain tcp content rules on reassembled streams, and app-layer raw-content rules at the end of flows
     * whose protocol came late (see stream-inspect.ts for the memory cost).
     */
    streamTcpRules = false,
  ) {
    this.stream = new StreamInspector(engine, streamTcpRules);
    this.wantsStream = this.stream.active;
    this.wantsFrames = engine.rules.some((r) => [...r.buffers.keys()].some((b) => b.startsWith('frame:')));
    const tagger = new Tagger(engine.rules);
    this.tagger = tagger.active ? tagger : undefined;
    const headers = new HeaderRuleMatcher(engine);
    this.headers = headers.active ? headers : undefined;
  }

  /** Rules on frames (`frame:tls.pdu` …) need the protocols' framers. */
  readonly wantsFrames: boolean;

  /** The packets rules' `tag` options mark, when the rule set has such rules. */
  private readonly tagger: Tagger | undefined;

  /** Rules on packet header buffers, when the rule set has any. */
  private readonly headers: HeaderRuleMatcher | undefined;

  private readonly stream: StreamInspector;
  /** Only rule sets with tcp-stream rules need reassembled bytes. */
  readonly wantsStream: boolean;

  /** The run is over: the sets rules named with `save`/`state` are written. */
  close(): void {
    if (this.saveDatasetsTo !== undefined) this.engine.datasets.saveAll(this.saveDatasetsTo);
  }

  onStreamData(flow: FlowView, dir: number, data: Buffer): void {
    this.stream.data(flow, dir, data);
  }

  onStreamGap(flow: FlowView, dir: number, len: number): void {
    this.stream.gap(flow, dir, len);
  }

  /** A rule's alert, with the flow's traffic tags as they stand. */
  private alert(flow: FlowView, rule: Rule, dir: number, payload?: Buffer): RuleAlert {
    const traffic = trafficOf(this.engine.state.flowbits(flow.id));
    return {
      kind: 'rule-alert',
      signature: signatureOf(rule),
      action: 'allowed',
      dir: dir === 1 ? 1 : 0,
      ...(payload ? { payload } : {}),
      ...(traffic ? { traffic } : {}),
    };
  }

  onAppRecord(flow: FlowView, record: AppRecord, tsUs: number): RuleAlert[] | undefined {
    const hits = this.engine.onAppRecord(flow, record, tsUs);
    if (!hits) return undefined;
    if (this.onMatch) for (const h of hits) this.onMatch(h, flow, tsUs);
    if (this.tagger) for (const h of hits) this.tagger.fired(h.rule, flow, h.dir, tsUs);
    this.alerts += hits.length;
    return hits.map((h) => this.alert(flow, h.rule, h.dir));
  }

  onAppEvent(flow: FlowView, record: AppRecord & { type: 'anomaly' }, tsUs: number): void {
    this.engine.onAppRecord(flow, record, tsUs);
  }

  onPacket(flow: FlowView, dir: number, pkt: DecodedPacket): Finding[] | undefined {
    if (this.wantsStream) this.stream.packetSeen(flow);
    let hits = this.engine.onPacket(flow, dir, pkt);
    const more = this.headers?.onPacket(flow, dir, pkt);
    if (more) hits = hits ? [...hits, ...more] : more;
    const tagger = this.tagger;
    if (tagger) {
      if (hits) for (const h of hits) tagger.fired(h.rule, flow, h.dir, pkt.tsUs);
      // Counted after this packet's own alerts started their marks: it is the one each mark skips.
      if (tagger.packet(flow, pkt)) {
        const found: Finding[] = hits ? this.packetAlerts(flow, hits, pkt) : [];
        found.push(TAGGED);
        return found;
      }
    }
    if (!hits) return undefined;
    return this.packetAlerts(flow, hits, pkt);
  }

  private packetAlerts(flow: FlowView, hits: RuleMatch[], pkt: DecodedPacket): Finding[] {
    if (this.onMatch) for (const h of hits) this.onMatch(h, flow, pkt.tsUs);
    if (this.wantsStream) for (const h of hits) this.stream.packetHit(flow.id, h.dir, h.rule);
    this.alerts += hits.length;
    return hits.map((h) => this.alert(flow, h.rule, h.dir));
  }

  /** decode-event rules on a packet that reaches no flow: alerts without a flow (no traffic tags, no guard). */
  onFlowlessPacket(pkt: DecodedPacket): RuleAlert[] | undefined {
    const hits = this.engine.onFlowlessPacket(pkt);
    if (!hits) return undefined;
    this.alerts += hits.length;
    return hits.map((h) => ({
      kind: 'rule-alert',
      signature: signatureOf(h.rule),
      action: 'allowed',
      dir: 0,
    }));
  }

  onFlowEnd(flow: FlowView, _reason: FlowEndReason, tsUs: number): Finding[] | undefined {
    const bypassed = this.engine.isBypassed(flow.id);
    const hits = this.wantsStream && !bypassed ? this.stream.end(flow, tsUs) : [];
    const traffic = trafficOf(this.engine.state.flowbits(flow.id));
    const out: Finding[] =
      traffic || bypassed
        ? [{ kind: 'traffic', ...(traffic ? { traffic } : {}), ...(bypassed ? { bypassed } : {}) }]
        : [];
    // Stream alerts are taken before the flow's rule state is dropped: they carry its traffic tags.
    for (const h of hits) out.push(this.alert(flow, h.rule, h.dir, h.payload));
    this.engine.endFlow(flow.id);
    this.tagger?.endFlow(flow.id);
    if (hits.length > 0) {
      if (this.onMatch) for (const h of hits) this.onMatch({ rule: h.rule, dir: h.dir }, flow, tsUs);
      this.alerts += hits.length;
    }
    return out.length > 0 ? out : undefined;
  }
}
