/**
 * The rule engine in the pipeline: app-layer rules run on each record (and copy the record's EVE object into the
 * alert as Suricata does), packet rules on each packet the flow layer hands over.
 */
import type { Inspector } from '../pipeline/inspector.js';
import type { FlowEndReason, FlowView } from '../flow/types.js';
import type { AppRecord } from '../proto/app-layer.js';
import type { DecodedPacket } from '../decode/decoded-packet.js';
import type { EveEvent } from '../output/eve/header.js';
import type { RuleMatcher, RuleMatch } from './rule-matcher.js';
import { alertEve, applyXff, streamAlertEve, type AlertOutputOptions } from './alert-eve.js';
import { StreamInspector } from './stream-inspect.js';
import { HeaderRuleMatcher } from './header-rules.js';

/**
 * Flowbits named traffic/id/NAME or traffic/label/NAME tag the flow: Suricata writes them as `traffic.id` and
 * `traffic.label` lists on the flow's alerts and on its flow record.
 */
export function trafficOf(bits: ReadonlySet<string> | undefined): Record<string, string[]> | undefined {
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
  /** Hears every rule match (the security guard turns drop/reject matches into event-cache entries). */
  onMatch?: (m: RuleMatch, flow: FlowView, tsUs: number) => void;

  constructor(
    private readonly engine: RuleMatcher,
    private readonly iface?: string,
    private readonly output: AlertOutputOptions = {},
    /** Also run plain tcp content rules on reassembled streams (see stream-inspect.ts for the memory cost). */
    streamTcpRules = false,
  ) {
    this.stream = new StreamInspector(engine, streamTcpRules);
    this.wantsStream = this.stream.active;
    const headers = new HeaderRuleMatcher(engine);
    this.headers = headers.active ? headers : undefined;
  }

  /** Rules on packet header buffers, when the rule set has any. */
  private readonly headers: HeaderRuleMatcher | undefined;

  private readonly stream: StreamInspector;
  /** Only rule sets with tcp-stream rules need reassembled bytes. */
  readonly wantsStream: boolean;

  onStreamData(flow: FlowView, dir: number, data: Buffer): void {
    this.stream.data(flow, dir, data);
  }

  onStreamGap(flow: FlowView, dir: number, len: number): void {
    this.stream.gap(flow, dir, len);
  }

  onAppRecord(flow: FlowView, record: AppRecord, tsUs: number, ev: EveEvent): EveEvent[] | undefined {
    const hits = this.engine.onAppRecord(flow, record, tsUs);
    if (!hits) return undefined;
    if (this.onMatch) for (const h of hits) this.onMatch(h, flow, tsUs);
    return hits.map((h) => {
      const cnt = typeof ev.pcap_cnt === 'number' ? ev.pcap_cnt : 0;
      const a = alertEve(h.rule, flow, h.dir, tsUs, this.iface, false, undefined, this.output, cnt);
      if (ev.tx_id !== undefined) a.tx_id = ev.tx_id;
      if (record.type === 'http') applyXff(a, h.dir, record.http.requestHeaders, this.output);
      const body = ev[record.type];
      if (body !== undefined) a[record.type] = body;
      const traffic = trafficOf(this.engine.state.flowbits(flow.id));
      if (traffic) a.traffic = traffic;
      this.alerts++;
      return a;
    });
  }

  onPacket(flow: FlowView, dir: number, pkt: DecodedPacket): EveEvent[] | undefined {
    let hits = this.engine.onPacket(flow, dir, pkt);
    const more = this.headers?.onPacket(flow, dir, pkt);
    if (more) hits = hits ? [...hits, ...more] : more;
    if (!hits) return undefined;
    if (this.onMatch) for (const h of hits) this.onMatch(h, flow, pkt.tsUs);
    if (this.wantsStream) for (const h of hits) this.stream.packetHit(flow.id, h.dir, h.rule);
    this.alerts += hits.length;
    return hits.map((h) => {
      const a = alertEve(h.rule, flow, h.dir, pkt.tsUs, this.iface, false, pkt, this.output);
      const traffic = trafficOf(this.engine.state.flowbits(flow.id));
      if (traffic) a.traffic = traffic;
      return a;
    });
  }

  onFlowEnd(flow: FlowView, _reason: FlowEndReason, tsUs: number, ev: EveEvent): EveEvent[] | undefined {
    const hits = this.wantsStream ? this.stream.end(flow, tsUs) : [];
    const traffic = trafficOf(this.engine.state.flowbits(flow.id));
    if (traffic && ev.event_type === 'flow') ev.traffic = traffic;
    this.engine.endFlow(flow.id);
    if (hits.length === 0) return undefined;
    if (this.onMatch) for (const h of hits) this.onMatch({ rule: h.rule, dir: h.dir }, flow, tsUs);
    this.alerts += hits.length;
    return hits.map((h) => {
      const a = streamAlertEve(h.rule, flow, h.dir, tsUs, h.payload, this.output, this.iface);
      if (traffic) a.traffic = traffic;
      return a;
    });
  }
}
