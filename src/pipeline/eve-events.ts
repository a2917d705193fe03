/**
 * The output stage: after the inspectors have looked at a flow-layer record, writes it as its EVE event together
 * with what they found — remarks on it go into its event (`tls.moat.score`, a flow's `traffic`), alerts become
 * events of their own, and alerts that name alert channels are delivered to them. Every event is written by its
 * one serialiser (`output/eve/<type>.ts`) straight into the output; this file routes.
 */
import type { AppRecord, HttpFile, HttpTransaction } from '../proto/index.js';
import type { FlowEndReason, FlowSink, FlowView } from '../flow/index.js';
import type { DecodedPacket } from '../decode/index.js';
import { isAlert, type Alert, type Finding, type TlsScoreNote, type TrafficTags } from '../finding/index.js';
import { writeEveHeader, writeEveHeaderAs, type EveEvent, type TupleView } from '../output/index.js';
import { tlsEventLogged, writeTlsEve } from '../output/index.js';
import { writeFileinfoEve, writeHttpEve, writeQuicEve, type HttpHeaderDump } from '../output/index.js';
import {
  dnsEventCount,
  dnsLogConfig,
  writeDnsAlertMember,
  writeDnsEve,
  type DnsLogConfig,
  type DnsLogOptions,
} from '../output/index.js';
import { writeArpRecord, writeFrameMember } from '../output/index.js';
import { netflowRecordCount, writeFlowRecord, writeNetflowRecord } from '../output/index.js';
import { num, raw, str, type EveBytesOut } from '../output/index.js';
import { writeAppLayerAnomaly, writeDecodeAnomaly, writePacketAnomalyHeader } from '../output/index.js';
import {
  writeAlertRecord,
  writeFlowlessRuleAlert,
  writePacketMember,
  type AlertOutputOptions,
  type AlertPlace,
  type AlertRecord,
} from '../output/index.js';
import { EveLineOut, lineSince } from '../output/index.js';
import type { AlertSink } from '../output/index.js';
import type { AnalysisStats } from './stats.js';
import type { Inspector } from './inspector.js';

/** Which event types to produce; all when unset (but the opt-in ones). */
export type EveTypeFilter = ReadonlySet<string> | undefined;

/** The Suricata release whose EVE behaviour moat follows (`suricata_version` when asked for). */
export const SURICATA_BEHAVIOUR = '8.0.2';

/**
 * Event types Suricata writes only when its eve-log lists them (`netflow`, `arp`, `frame`): written when `--types`
 * names them or the configuration turns them on (EveCustomFields.extraTypes), never by default.
 */
export const OPT_IN_TYPES: ReadonlySet<string> = new Set(['netflow', 'arp', 'frame']);

/** Per-type EVE logger options, as suricata.yaml's `eve-log: types:` entries give them. */
export interface EveCustomFields {
  /** The tls logger's `custom:` list: `client_handshake`, `server_handshake` (Suricata 8). */
  tls?: readonly string[];
  /** The dns logger's options: `version` (3 by default, or 2), `requests`, `responses`, `types`, `formats`. */
  dns?: DnsLogOptions;
  /**
   * `app-layer.protocols.tls.ja4-fingerprints: no`: tls events leave JA4 out (quic events keep theirs, as
   * Suricata 8's do). Default: written.
   */
  tlsJa4?: boolean;
  /**
   * The tls logger writes resumed sessions that showed no certificate (its `session-resumption`, on when the logger
   * has options and they do not turn it off; off for a bare `- tls` entry). Default: written.
   */
  tlsSessionResumption?: boolean;
  /** The http logger's `dump-all-headers` (request, response or both): full header lists in http events. */
  httpDumpHeaders?: HttpHeaderDump;
  /**
   * eve-log's `suricata-version: yes`: every record names the Suricata version whose behaviour it follows
   * (SURICATA_BEHAVIOUR, what moat emulates), as Suricata names its own.
   */
  suricataVersion?: boolean;
  /** Opt-in event types the configuration turns on (OPT_IN_TYPES), when `--types` does not choose. */
  extraTypes?: readonly string[];
  /** eve-log's `ethernet: yes`: flowless anomaly records carry the frame's `ether` object. */
  ethernet?: boolean;
}

export interface EveStageOptions {
  types?: EveTypeFilter;
  /** Interface name written as `in_iface` (live capture). */
  iface?: string;
  /** The inspection stage, in order. */
  inspectors?: readonly Inspector[];
  custom?: EveCustomFields;
  /** suricata.yaml's alert options (payload, packet, X-Forwarded-For). */
  alertOutput?: AlertOutputOptions;
  /** Where alerts that name alert channels (the TLS monitor's policies) are delivered. */
  alertChannels?: AlertSink;
}

const NO_CHANNELS: readonly string[] = [];
const FLOW_TUPLE: TupleView = {};
const REVERSED: TupleView = { reverse: true };

export class EveEventBuilder implements FlowSink<AppRecord> {
  private readonly types: EveTypeFilter;
  private readonly iface: string | undefined;
  private readonly inspectors: readonly Inspector[];
  private readonly packetInspectors: readonly Inspector[];
  private readonly customTls: readonly string[] | undefined;
  private readonly ethernet: boolean;
  /** Flows an alert was written about, until their flow record (`flow.alerted`). */
  private readonly alerted = new Set<number>();
  /** Transactions each flow's parser made so far, until its flow record (`flow.tx_cnt`). */
  private readonly txCounts = new Map<number, number>();
  private readonly tlsJa4: boolean;
  private readonly tlsResumed: boolean;
  private readonly dnsLog: DnsLogConfig;
  private readonly httpDump: HttpHeaderDump | undefined;
  private readonly alertOutput: AlertOutputOptions;
  private readonly alertChannels: AlertSink | undefined;
  private readonly extraTypes: ReadonlySet<string>;
  /** `,"suricata_version":"…"}` when every record names it. */
  private readonly versionMember: string | undefined;
  /** Frames are marked: frame records are written or frame rules look at them. */
  readonly wantsFrames: boolean;
  /** netflow records are written at each flow's end. */
  private readonly netflow: boolean;
  /** The capture packet being processed (set by the pipeline), 0 outside one: written as `pcap_cnt`. */
  pcapCnt = 0;
  /** The capture packet being processed (set by the pipeline with pcapCnt), undefined outside one. */
  packet: DecodedPacket | undefined = undefined;

  constructor(
    private readonly out: EveBytesOut,
    private readonly stats: AnalysisStats,
    opts: EveStageOptions = {},
  ) {
    this.types = opts.types;
    this.iface = opts.iface;
    this.inspectors = opts.inspectors ?? [];
    this.packetInspectors = this.inspectors.filter((i) => i.onPacket !== undefined);
    this.customTls = opts.custom?.tls;
    this.ethernet = opts.custom?.ethernet === true;
    this.tlsJa4 = opts.custom?.tlsJa4 !== false;
    this.tlsResumed = opts.custom?.tlsSessionResumption !== false;
    this.dnsLog = dnsLogConfig(opts.custom?.dns);
    this.httpDump = opts.custom?.httpDumpHeaders;
    this.alertOutput = opts.alertOutput ?? {};
    this.alertChannels = opts.alertChannels;
    this.extraTypes = new Set(opts.custom?.extraTypes ?? []);
    this.netflow = this.wants('netflow');
    this.versionMember =
      opts.custom?.suricataVersion === true ? `,"suricata_version":"${SURICATA_BEHAVIOUR}"}` : undefined;
    this.wantsFrames = this.wants('frame') || this.inspectors.some((i) => i.wantsFrames === true);
    for (const ins of this.inspectors) ins.attachLate?.((f, r, ts, found) => this.writeLate(f, r, ts, found));
  }

  /** Whether stream inspection needs reassembled bytes. */
  get wantsStream(): boolean {
    return this.inspectors.some((i) => i.wantsStream === true && i.onStreamData !== undefined);
  }

  onStreamData(flow: FlowView, dir: number, data: Buffer, tsUs: number): void {
    // A flow a policy passed is parsed and logged, never inspected.
    if (flow.passed === true) return;
    for (const ins of this.inspectors)
      if (ins.wantsStream === true) ins.onStreamData?.(flow, dir, data, tsUs);
  }

  onStreamGap(flow: FlowView, dir: number, len: number, tsUs: number): void {
    if (flow.passed === true) return;
    for (const ins of this.inspectors) if (ins.wantsStream === true) ins.onStreamGap?.(flow, dir, len, tsUs);
  }

  /** Bodies are kept for inspectors (rules look into them) and for file events (their decoded size). */
  get wantsAppBodies(): boolean {
    return this.inspectors.length > 0 || this.wants('fileinfo');
  }

  /** Whether the flow layer should call onPacket at all. */
  get wantsPackets(): boolean {
    return this.packetInspectors.length > 0;
  }

  wants(type: string): boolean {
    if (this.types !== undefined) return this.types.has(type);
    return !OPT_IN_TYPES.has(type) || this.extraTypes.has(type);
  }

  /** Opens a record about the flow in the output: the header, then the comma before the protocol's member. */
  private open(type: string, tsUs: number, flow: FlowView, pcapCnt: number): EveBytesOut {
    const o = this.out;
    writeEveHeader(o, type, tsUs, flow, this.iface, pcapCnt);
    pktSrc(o, pcapCnt);
    raw(o, ',');
    return o;
  }

  /** Closes the record opened by `open` (or written whole) and ends its line. */
  private close(o: EveBytesOut, brace = true): void {
    if (brace) raw(o, '}');
    if (this.versionMember !== undefined) {
      // Into the record just closed: its last byte is the closing brace.
      o.pos--;
      raw(o, this.versionMember);
    }
    this.stats.events++;
    o.endLine();
  }

  onAppRecord(flow: FlowView, record: AppRecord, tsUs: number): void {
    // Suricata's transactions: one per HTTP request/response pair or HTTP/2 stream, one per DNS message (7+ makes
    // requests and responses separate), one per QUIC record. A TLS session is one transaction (counted at the end).
    // DNS carried in HTTP/2 (DoH) belongs to its HTTP/2 stream's transaction.
    if (
      record.type === 'http' ||
      record.type === 'quic' ||
      (record.type === 'dns' && flow.appProto === 'dns')
    )
      this.txCounts.set(flow.id, (this.txCounts.get(flow.id) ?? 0) + 1);
    switch (record.type) {
      case 'tls': {
        this.stats.tlsHandshakes++;
        const v = record.tls.versionName;
        this.stats.tlsVersions[v] = (this.stats.tlsVersions[v] ?? 0) + 1;
        break;
      }
      case 'http':
        this.stats.httpTransactions++;
        break;
      case 'dns':
        this.stats.dnsMessages++;
        break;
      case 'anomaly': {
        this.stats.anomalies++;
        if (flow.passed !== true) for (const ins of this.inspectors) ins.onAppEvent?.(flow, record, tsUs);
        if (!this.wants('anomaly')) return;
        const a = record.anomaly;
        // The tuple as the data that raised it travelled, and its transaction, when the parser says.
        const o = this.out;
        writeEveHeaderAs(
          o,
          'anomaly',
          tsUs,
          flow,
          this.iface,
          this.pcapCnt,
          a.dir === 1 ? REVERSED : FLOW_TUPLE,
        );
        pktSrc(o, this.pcapCnt);
        if (a.txId !== undefined) {
          raw(o, ',"tx_id":');
          num(o, a.txId);
        }
        raw(o, ',');
        writeAppLayerAnomaly(o, flow.appProto, a.event, a.detail);
        this.close(o);
        return;
      }
    }
    const wanted =
      this.wants(record.type) && (record.type !== 'tls' || tlsEventLogged(record.tls, this.tlsResumed));
    if (!wanted && this.inspectors.length === 0) return;
    this.writeRecord(flow, record, tsUs, this.pcapCnt, wanted, this.inspectRecord(flow, record, tsUs));
  }

  /** A record's event with the remarks on it, then the alerts about it. */
  private writeRecord(
    flow: FlowView,
    record: AppRecord,
    tsUs: number,
    pcapCnt: number,
    wanted: boolean,
    findings: readonly Finding[] | undefined,
  ): void {
    const verdict = findings && verdictIn(findings);
    const alerts = findings !== undefined && findings.some(isAlert);
    // Alerts about the record carry its member too: written once, its bytes copied into each of them.
    let member: string | undefined;
    if (wanted && record.type === 'dns') {
      // The dns logger's options decide how many events (none, one, or one per question in version 2); an alert
      // carries its own version 3 member, written when it is.
      const n = dnsEventCount(this.dnsLog, record.dns);
      // Version 3 names the tuple as the message travelled (a response from the server); version 2 as the flow.
      const view = this.dnsLog.version === 3 && record.dns.dir === 1 ? REVERSED : FLOW_TUPLE;
      for (let i = 0; i < n; i++) {
        const o = this.out;
        writeEveHeaderAs(o, 'dns', tsUs, flow, this.iface, pcapCnt, view);
        pktSrc(o, pcapCnt);
        raw(o, ',');
        writeDnsEve(o, record.dns, this.dnsLog, i);
        this.close(o);
      }
    } else if (wanted && record.type === 'frame') {
      // The tuple as the frame's bytes travelled, then the flow's protocol, as Suricata's frame logger writes them.
      const o = this.out;
      writeEveHeaderAs(
        o,
        'frame',
        tsUs,
        flow,
        this.iface,
        pcapCnt,
        record.frame.dir === 1 ? REVERSED : FLOW_TUPLE,
      );
      pktSrc(o, pcapCnt);
      raw(o, ',"app_proto":');
      str(o, flow.appProto);
      raw(o, ',');
      const start = o.pos;
      writeFrameMember(o, record.frame);
      if (alerts) member = o.buf.toString('latin1', start, o.pos);
      this.close(o);
    } else if (wanted) {
      const o = this.out;
      writeEveHeader(o, record.type, tsUs, flow, this.iface, pcapCnt);
      pktSrc(o, pcapCnt);
      if (record.type === 'http') {
        // The transaction's index in its connection, from 0, beside the tuple as Suricata writes it.
        raw(o, ',"tx_id":');
        num(o, record.http.depth - 1);
      }
      raw(o, ',');
      const start = o.pos;
      if (record.type === 'http' && this.httpDump !== undefined) {
        // The event lists the headers; its alerts do not (they write their own member).
        writeHttpEve(o, record.http, this.httpDump);
      } else {
        this.writeMember(o, record, verdict);
        // A one-byte string holding the encoded bytes (latin1 maps bytes to characters one to one).
        if (alerts) member = o.buf.toString('latin1', start, o.pos);
      }
      this.close(o);
    }
    if (record.type === 'http' && this.wants('fileinfo')) {
      const tx = record.http;
      if (tx.requestFiles)
        for (const f of tx.requestFiles) this.writeFileinfo(flow, tx, f, tsUs, pcapCnt, true);
      if (tx.responseFile) this.writeFileinfo(flow, tx, tx.responseFile, tsUs, pcapCnt, false);
      if (tx.joinedFile) this.writeFileinfo(flow, tx, tx.joinedFile, tsUs, pcapCnt, false);
    }
    if (alerts) this.writeAlerts(findings, this.recordPlace(flow, record, tsUs, pcapCnt, verdict, member));
  }

  /**
   * A file the transaction carried, with its http object: a request's from the client's side, a response's from the
   * server's, as Suricata writes the tuple in the direction the file travelled.
   */
  private writeFileinfo(
    flow: FlowView,
    tx: HttpTransaction,
    file: HttpFile,
    tsUs: number,
    pcapCnt: number,
    toServer: boolean,
  ): void {
    const o = this.out;
    writeEveHeaderAs(o, 'fileinfo', tsUs, flow, this.iface, pcapCnt, toServer ? FLOW_TUPLE : REVERSED);
    pktSrc(o, pcapCnt);
    raw(o, ',');
    writeHttpEve(o, tx);
    raw(o, ',"app_proto":"http",');
    writeFileinfoEve(o, file, tx.depth - 1);
    this.close(o);
  }

  /**
   * Findings an inspector reached later (a verdict re-issued when a certificate fetch completed): the record's
   * event again, as of `tsUs`, and the alerts. No packet produced them, so they name none.
   */
  private writeLate(flow: FlowView, record: AppRecord, tsUs: number, findings: readonly Finding[]): void {
    const wanted =
      this.wants(record.type) && (record.type !== 'tls' || tlsEventLogged(record.tls, this.tlsResumed));
    this.writeRecord(flow, record, tsUs, 0, wanted, findings);
  }

  /** The record's own member (`"tls":{…}`), as its event and the alerts about it carry it (DNS: as alerts do). */
  private writeMember(o: EveBytesOut, record: AppRecord, verdict: TlsScoreNote | undefined): void {
    switch (record.type) {
      case 'tls':
        writeTlsEve(o, record.tls, this.customTls, verdict, this.tlsJa4);
        return;
      case 'http':
        writeHttpEve(o, record.http);
        return;
      case 'dns':
        writeDnsAlertMember(o, record.dns);
        return;
      case 'quic':
        writeQuicEve(o, record.quic);
        return;
      case 'frame':
        writeFrameMember(o, record.frame);
        return;
      case 'anomaly':
        return;
    }
  }

  private inspectRecord(flow: FlowView, record: AppRecord, tsUs: number): Finding[] | undefined {
    let all: Finding[] | undefined;
    if (flow.passed === true) return all;
    for (const ins of this.inspectors) {
      const found = ins.onAppRecord?.(flow, record, tsUs);
      if (found && found.length > 0) (all ??= []).push(...found);
    }
    return all;
  }

  private recordPlace(
    flow: FlowView,
    record: AppRecord,
    tsUs: number,
    pcapCnt: number,
    verdict: TlsScoreNote | undefined,
    written: string | undefined,
  ): AlertPlace {
    let member = written;
    const r: AlertRecord = {
      writeMember: (o) => {
        if (member === undefined) {
          // The record's own event was not written (its type is filtered out): the first alert writes the member.
          const start = o.pos;
          this.writeMember(o, record, verdict);
          member = o.buf.toString('latin1', start, o.pos);
          return;
        }
        o.room(member.length);
        o.pos += o.buf.write(member, o.pos, 'latin1');
      },
    };
    if (record.type === 'http') {
      r.txId = record.http.depth - 1;
      r.requestHeaders = record.http.requestHeaders;
    } else if (record.type === 'dns') {
      // A DNS message is its own transaction: the alert names it as the dns member does.
      r.txId = record.dns.txId;
    }
    return {
      flow,
      tsUs,
      iface: this.iface,
      pcapCnt,
      record: r,
      recordPkt: pcapCnt > 0 ? this.packet : undefined,
    };
  }

  /** Writes the alerts among `findings` (all counted, written when alerts are wanted) and delivers them. */
  private writeAlerts(findings: readonly Finding[], at: AlertPlace): void {
    const wanted = this.wants('alert');
    for (const f of findings) {
      if (!isAlert(f)) continue;
      this.alerted.add(at.flow.id);
      // The summary counts the alerts the output holds; those --types left out are counted apart.
      if (wanted) this.stats.alerts++;
      else this.stats.alertsNotWritten++;
      const channels = f.kind === 'tls-alert' && this.alertChannels ? f.channels : NO_CHANNELS;
      if (wanted) {
        const o = this.out;
        const start = o.pos;
        writeAlertRecord(o, f, at, this.alertOutput);
        // Read back before the line ends: ending it may hand the buffer to the file.
        const line = channels.length > 0 ? lineSince(o, start) : '';
        this.close(o, false);
        if (line !== '') this.deliver(line, channels);
      } else if (channels.length > 0) {
        this.deliver(this.render(f, at), channels);
      }
    }
  }

  /** An alert not written to EVE (its type is filtered out) but wanted by alert channels. */
  private render(a: Alert, at: AlertPlace): string {
    let line = '';
    const o = new EveLineOut((l) => (line = l));
    writeAlertRecord(o, a, at, this.alertOutput);
    o.endLine();
    return line;
  }

  /** Alert channels get the alert as EVE has it: the written line, read back. */
  private deliver(line: string, channels: readonly string[]): void {
    const ev = JSON.parse(line) as EveEvent;
    for (const ch of channels) this.alertChannels?.send(ch, ev);
  }

  onFlowEnd(flow: FlowView, reason: FlowEndReason, tsUs: number): void {
    this.stats.flows++;
    if (reason === 'forced') this.stats.evictedFlows++;
    const wanted = this.wants('flow');
    if (!wanted && !this.netflow && this.inspectors.length === 0) return;
    let findings: Finding[] | undefined;
    for (const ins of flow.passed === true ? [] : this.inspectors) {
      const found = ins.onFlowEnd?.(flow, reason, tsUs);
      if (found && found.length > 0) (findings ??= []).push(...found);
    }
    if (wanted) {
      const o = this.out;
      writeFlowRecord(
        o,
        flow,
        reason,
        tsUs,
        this.iface,
        findings && trafficIn(findings),
        // Alerts raised at the flow's end (stream inspection) are written after its record, but it alerted.
        this.alerted.has(flow.id) || findings?.some(isAlert) === true,
        findings?.some((f) => f.kind === 'traffic' && f.bypassed === true) === true,
        flowTxCount(flow, this.txCounts.get(flow.id) ?? 0),
      );
      this.close(o, false);
    }
    if (this.netflow) {
      const traffic = findings && trafficIn(findings);
      for (let dir = 0; dir < netflowRecordCount(flow); dir++) {
        writeNetflowRecord(this.out, flow, dir as 0 | 1, tsUs, this.iface, traffic);
        this.close(this.out, false);
      }
    }
    if (findings) this.writeAlerts(findings, { flow, tsUs, iface: this.iface, pcapCnt: this.pcapCnt });
    this.alerted.delete(flow.id);
    this.txCounts.delete(flow.id);
  }

  onPacketAnomaly(flow: FlowView | null, event: string, pkt: DecodedPacket): void {
    this.stats.anomalies++;
    if (!this.wants('anomaly')) return;
    const o = this.out;
    if (flow) writeEveHeader(o, 'anomaly', pkt.tsUs, flow, this.iface, pkt.pcapCnt);
    else writePacketAnomalyHeader(o, pkt, this.ethernet);
    pktSrc(o, pkt.pcapCnt);
    raw(o, ',');
    writeDecodeAnomaly(o, event);
    this.close(o);
  }

  /**
   * A packet with decoder events that reaches no flow: the inspectors that judge such packets (decode-event
   * rules) are asked, and their alerts are written without a flow.
   */
  flowlessPacket(pkt: DecodedPacket): void {
    for (const ins of this.inspectors) {
      const found = ins.onFlowlessPacket?.(pkt);
      if (!found) continue;
      const wanted = this.wants('alert');
      for (const f of found) {
        if (f.kind !== 'rule-alert') continue;
        if (!wanted) {
          this.stats.alertsNotWritten++;
          continue;
        }
        this.stats.alerts++;
        writeFlowlessRuleAlert(this.out, f, pkt, this.iface, this.alertOutput);
        this.close(this.out, false);
      }
    }
  }

  /** Per-packet inspection (rules); only packet inspectors are called, so the common case costs one check. */
  onPacket(flow: FlowView, dir: number, pkt: DecodedPacket): void {
    for (const ins of this.packetInspectors) {
      const found = ins.onPacket?.(flow, dir, pkt);
      if (found && found.length > 0) {
        this.writeAlerts(found, { flow, tsUs: pkt.tsUs, iface: this.iface, pcapCnt: pkt.pcapCnt, pkt });
        if (this.alertOutput.taggedPackets === true && this.wants('alert') && found.some(isTagged))
          this.writeTaggedPacket(flow, dir, pkt);
      }
    }
  }

  /** A packet a rule's `tag` marked: Suricata's alert logger writes it as a `packet` record, tuple as it travels. */
  private writeTaggedPacket(flow: FlowView, dir: number, pkt: DecodedPacket): void {
    const o = this.out;
    writeEveHeaderAs(o, 'packet', pkt.tsUs, flow, this.iface, pkt.pcapCnt, dir === 1 ? REVERSED : FLOW_TUPLE);
    pktSrc(o, pkt.pcapCnt);
    writePacketMember(o, pkt);
    this.close(o);
  }

  /** A packet whose ARP header the decoder accepted: its `arp` record (the caller checks that arp is wanted). */
  arp(pkt: DecodedPacket): void {
    writeArpRecord(this.out, pkt, this.iface);
    this.close(this.out, false);
  }

  /** The packet's decoder events, one anomaly record each as Suricata's anomaly log writes them, in order raised. */
  decodeAnomaly(pkt: DecodedPacket): void {
    for (let i = 0; i < pkt.eventCount; i++) this.onPacketAnomaly(null, pkt.events[i], pkt);
  }
}

/** `,"pkt_src":"wire/pcap"` on an event a captured packet produced, as Suricata 8 writes it after the tuple. */
/**
 * Suricata 8's `flow.tx_cnt`: the transactions the flow's app-layer state made. Its TLS state holds a single
 * transaction from the moment the protocol is recognised, handshake seen or not.
 */
function flowTxCount(flow: FlowView, counted: number): number {
  if (flow.appProto === 'tls' && flow.proto === 6) return Math.max(counted, 1);
  return counted;
}

function pktSrc(o: EveBytesOut, pcapCnt: number): void {
  if (pcapCnt > 0) raw(o, ',"pkt_src":"wire/pcap"');
}

const isTagged = (f: Finding): boolean => f.kind === 'tagged-packet';

/** The TLS monitor's verdict on the record, when it gave one. */
function verdictIn(findings: readonly Finding[]): TlsScoreNote | undefined {
  for (const f of findings) if (f.kind === 'tls-score') return f;
  return undefined;
}

/** The flow's traffic tags, when the rules gave some. */
function trafficIn(findings: readonly Finding[]): TrafficTags | undefined {
  for (const f of findings) if (f.kind === 'traffic') return f.traffic;
  return undefined;
}
