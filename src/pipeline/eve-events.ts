/**
 * The output stage: turns flow-layer records into EVE events (header + the protocol's logger) and hands
 * them to a consumer. Loggers live in `output/eve/<proto>.ts`; this file only routes.
 */
import type { AppRecord } from '../proto/app-layer.js';
import type { FlowEndReason, FlowSink, FlowView } from '../flow/types.js';
import type { DecodedPacket } from '../decode/decoded-packet.js';
import { formatIp } from '../address/index.js';
import { eveHeader, protoName, writeEveHeader, type EveEvent } from '../output/eve/header.js';
import { tlsEve, writeTlsEve } from '../output/eve/tls.js';
import { httpEve, writeHttpEve } from '../output/eve/http.js';
import { dnsEve, writeDnsEve } from '../output/eve/dns.js';
import { flowEve, flowTcpEve, writeFlowRecord } from '../output/eve/flow.js';
import { num, raw, type EveBytesOut } from '../output/eve/json-out.js';
import { appLayerAnomalyEve, decodeAnomalyEve } from '../output/eve/anomaly.js';
import { formatEveTimestamp } from '../output/eve/timestamp.js';
import type { AnalysisStats } from './stats.js';
import type { Inspector } from './inspector.js';

export type EveConsumer = (event: EveEvent) => void;

/** Which event types to produce; all when unset. */
export type EveTypeFilter = ReadonlySet<string> | undefined;

/** Optional per-type EVE fields, as suricata.yaml's `custom:` lists name them. */
export interface EveCustomFields {
  /** `client_handshake`, `server_handshake` (Suricata 8). */
  tls?: readonly string[];
}

export class EveEventBuilder implements FlowSink {
  constructor(
    private readonly consume: EveConsumer,
    private readonly stats: AnalysisStats,
    private readonly types: EveTypeFilter,
    private readonly iface?: string,
    private readonly inspectors: readonly Inspector[] = [],
    private readonly custom: EveCustomFields = {},
    direct?: EveBytesOut,
  ) {
    this.packetInspectors = inspectors.filter((i) => i.onPacket !== undefined);
    // Without inspectors nobody needs the event objects: records are written straight into the output.
    this.direct = inspectors.length === 0 ? direct : undefined;
    // TLS records with custom fields (client_handshake …) are built as objects.
    this.directTls = (custom.tls ?? []).length === 0 ? this.direct : undefined;
  }

  /** Where records are encoded in place instead of built as objects (flow, tls, http, dns). */
  private readonly direct: EveBytesOut | undefined;
  private readonly directTls: EveBytesOut | undefined;

  private readonly packetInspectors: readonly Inspector[];
  /** The capture packet being processed (set by the pipeline), 0 outside one: written as `pcap_cnt`. */
  pcapCnt = 0;

  /** Whether stream inspection needs reassembled bytes. */
  get wantsStream(): boolean {
    return this.inspectors.some((i) => i.wantsStream === true && i.onStreamData !== undefined);
  }

  onStreamData(flow: FlowView, dir: number, data: Buffer, tsUs: number): void {
    for (const ins of this.inspectors)
      if (ins.wantsStream === true) ins.onStreamData?.(flow, dir, data, tsUs);
  }

  onStreamGap(flow: FlowView, dir: number, len: number, tsUs: number): void {
    for (const ins of this.inspectors) if (ins.wantsStream === true) ins.onStreamGap?.(flow, dir, len, tsUs);
  }

  /** Bodies are kept only for inspectors (rules look into them); EVE itself writes only their lengths. */
  get wantsAppBodies(): boolean {
    return this.inspectors.length > 0;
  }

  /** Whether the flow layer should call onPacket at all. */
  get wantsPackets(): boolean {
    return this.packetInspectors.length > 0;
  }

  private wants(type: string): boolean {
    return this.types === undefined || this.types.has(type);
  }

  /** Opens a record in the direct output: the header, then the comma before the protocol's member. */
  private directRecord(o: EveBytesOut, type: string, tsUs: number, flow: FlowView): void {
    writeEveHeader(o, type, tsUs, flow, this.iface, this.pcapCnt);
    raw(o, ',');
  }

  private directEnd(o: EveBytesOut): void {
    this.stats.events++;
    o.endLine();
  }

  private emit(ev: EveEvent): void {
    this.stats.events++;
    this.consume(ev);
  }

  /** Runs the inspectors on a record's event, then writes the event (if its type is wanted) and their alerts. */
  private inspected(flow: FlowView, record: AppRecord, tsUs: number, ev: EveEvent, wanted: boolean): void {
    let extra: EveEvent[] | undefined;
    for (const ins of this.inspectors) {
      const more = ins.onAppRecord?.(flow, record, tsUs, ev);
      if (more && more.length > 0) (extra ??= []).push(...more);
    }
    if (wanted) this.emit(ev);
    if (extra) this.emitExtra(extra);
  }

  private emitExtra(events: EveEvent[]): void {
    for (const e of events) {
      const wanted = this.wants(e.event_type);
      // The summary counts the alerts the output holds; those --types left out are counted apart.
      if (e.event_type === 'alert') {
        if (wanted) this.stats.alerts++;
        else this.stats.alertsNotWritten++;
      }
      if (wanted) this.emit(e);
    }
  }

  onAppRecord(flow: FlowView, record: AppRecord, tsUs: number): void {
    switch (record.type) {
      case 'tls': {
        this.stats.tlsHandshakes++;
        const v = record.tls.versionName;
        this.stats.tlsVersions[v] = (this.stats.tlsVersions[v] ?? 0) + 1;
        const wanted = this.wants('tls');
        if (!wanted && this.inspectors.length === 0) return;
        const o = this.directTls;
        if (o) {
          this.directRecord(o, 'tls', tsUs, flow);
          writeTlsEve(o, record.tls);
          raw(o, '}');
          this.directEnd(o);
          return;
        }
        const ev = eveHeader('tls', tsUs, flow, this.iface, false, this.pcapCnt);
        ev.tls = tlsEve(record.tls, this.custom.tls);
        this.inspected(flow, record, tsUs, ev, wanted);
        return;
      }
      case 'http': {
        this.stats.httpTransactions++;
        const wanted = this.wants('http');
        if (!wanted && this.inspectors.length === 0) return;
        if (this.direct) {
          writeEveHeader(this.direct, 'http', tsUs, flow, this.iface, this.pcapCnt);
          raw(this.direct, ',"tx_id":');
          num(this.direct, record.http.depth - 1);
          raw(this.direct, ',');
          writeHttpEve(this.direct, record.http);
          raw(this.direct, '}');
          this.directEnd(this.direct);
          return;
        }
        const ev = eveHeader('http', tsUs, flow, this.iface, false, this.pcapCnt);
        // The transaction's index in its connection, from 0, beside the tuple as Suricata writes it.
        ev.tx_id = record.http.depth - 1;
        ev.http = httpEve(record.http);
        this.inspected(flow, record, tsUs, ev, wanted);
        return;
      }
      case 'dns': {
        this.stats.dnsMessages++;
        const wanted = this.wants('dns');
        if (!wanted && this.inspectors.length === 0) return;
        if (this.direct) {
          this.directRecord(this.direct, 'dns', tsUs, flow);
          writeDnsEve(this.direct, record.dns);
          raw(this.direct, '}');
          this.directEnd(this.direct);
          return;
        }
        // Suricata (7+) writes DNS records, responses included, in the flow's direction: client as source.
        const ev = eveHeader('dns', tsUs, flow, this.iface, false, this.pcapCnt);
        ev.dns = dnsEve(record.dns);
        this.inspected(flow, record, tsUs, ev, wanted);
        return;
      }
      case 'anomaly': {
        this.stats.anomalies++;
        if (!this.wants('anomaly')) return;
        const ev = eveHeader('anomaly', tsUs, flow, this.iface, false, this.pcapCnt);
        const dot = record.anomaly.event.indexOf('.');
        const layer = dot > 0 ? record.anomaly.event.slice(0, dot) : flow.appProto;
        ev.anomaly = appLayerAnomalyEve(layer, record.anomaly.event, record.anomaly.detail);
        this.emit(ev);
        return;
      }
    }
  }

  onFlowEnd(flow: FlowView, reason: FlowEndReason, tsUs: number): void {
    this.stats.flows++;
    if (reason === 'forced') this.stats.evictedFlows++;
    const wanted = this.wants('flow');
    if (!wanted && this.inspectors.length === 0) return;
    if (this.direct) {
      writeFlowRecord(this.direct, flow, reason, tsUs, this.iface);
      this.directEnd(this.direct);
      return;
    }
    const ev = eveHeader('flow', tsUs, flow, this.iface);
    if (flow.appProto !== 'unknown') ev.app_proto = flow.appProto;
    ev.flow = flowEve(flow, reason);
    // Suricata writes the TCP summary beside `flow`, not inside it.
    const tcp = flowTcpEve(flow);
    if (tcp) ev.tcp = tcp;
    ev.community_id = flow.communityId();
    let extra: EveEvent[] | undefined;
    for (const ins of this.inspectors) {
      const more = ins.onFlowEnd?.(flow, reason, tsUs, ev);
      if (more && more.length > 0) (extra ??= []).push(...more);
    }
    if (wanted) this.emit(ev);
    if (extra) this.emitExtra(extra);
  }

  onPacketAnomaly(flow: FlowView | null, event: string, pkt: DecodedPacket): void {
    this.stats.anomalies++;
    if (!this.wants('anomaly')) return;
    let ev: EveEvent;
    if (flow) {
      ev = eveHeader('anomaly', pkt.tsUs, flow, this.iface, false, pkt.pcapCnt);
    } else {
      ev =
        pkt.pcapCnt > 0
          ? { timestamp: formatEveTimestamp(pkt.tsUs), pcap_cnt: pkt.pcapCnt, event_type: 'anomaly' }
          : { timestamp: formatEveTimestamp(pkt.tsUs), event_type: 'anomaly' };
      if (pkt.ipVersion !== 0) {
        ev.src_ip = formatIp(pkt.src, pkt.ipVersion);
        ev.dest_ip = formatIp(pkt.dst, pkt.ipVersion);
        ev.proto = protoName(pkt.proto);
      }
    }
    ev.anomaly = decodeAnomalyEve(event);
    this.emit(ev);
  }

  /** Per-packet inspection (rules); only packet inspectors are called, so the common case costs one check. */
  onPacket(flow: FlowView, dir: number, pkt: DecodedPacket): void {
    for (const ins of this.packetInspectors) {
      const more = ins.onPacket?.(flow, dir, pkt);
      if (more && more.length > 0) this.emitExtra(more);
    }
  }

  /** A decoder error on a packet that never reached the flow layer. */
  decodeAnomaly(pkt: DecodedPacket): void {
    this.onPacketAnomaly(null, pkt.anomaly, pkt);
  }
}
