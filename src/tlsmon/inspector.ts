/**
 * Spec T in the pipeline: every TLS handshake the parsers report is scored (T-3), the verdict and its explanation
 * are written into the `tls` event as `tls.moat.score`, and a risky one (T-4) raises an EVE `alert` and the
 * policy's actions (T-5). Offline nothing can be blocked: the alert records `would_block` instead.
 */
import type { Inspector } from '../pipeline/inspector.js';
import type { FlowView } from '../flow/types.js';
import type { AppRecord } from '../proto/app-layer.js';
import type { TlsHandshake } from '../proto/tls/types.js';
import type { EveEvent } from '../output/eve/header.js';
import { formatEveTimestamp } from '../output/eve/timestamp.js';
import { formatIp } from '../address/index.js';
import type { HandshakeFeatures } from './features.js';
import type { Evaluation, TlsMonitor } from './monitor.js';
import { scoreEve } from './explain.js';
import type { AlertSink, BlockSink } from './actions.js';
import type { Publisher } from '../framework/index.js';

/** moat's own signature id range for Spec T alerts (Suricata's local-use range starts at 1,000,000). */
export const TLSMON_SID = 9_100_001;

export function featuresOf(flow: FlowView, tls: TlsHandshake, tsUs: number): HandshakeFeatures {
  return {
    tsUs,
    ipVersion: flow.ipVersion,
    src: flow.src,
    dst: flow.dst,
    srcIp: formatIp(flow.src, flow.ipVersion),
    dstIp: formatIp(flow.dst, flow.ipVersion),
    srcPort: flow.srcPort,
    dstPort: flow.dstPort,
    sni: tls.client?.sni,
    version: tls.versionName,
    resumed: tls.resumed,
    chain: tls.serverCertificates,
    ocspResponse: tls.ocspResponse,
    ja3: tls.ja3?.hash,
    ja4: tls.ja4,
    ech: tls.client?.ech === true,
    session:
      tls.client?.sessionId || tls.client?.ticketHash || tls.serverSessionId || tls.newTicketHash
        ? {
            clientSessionId: tls.client?.sessionId,
            serverSessionId: tls.serverSessionId,
            clientTicket: tls.client?.ticketHash,
            newTicket: tls.newTicketHash,
          }
        : undefined,
  };
}

export class TlsMonitorInspector implements Inspector {
  readonly name = 'tlsmon';

  constructor(
    private readonly monitor: TlsMonitor,
    private readonly sinks: {
      block?: BlockSink;
      alerts?: AlertSink;
      /** The bus: each risky verdict is published on `verdict` (the security component makes it a cache entry). */
      verdicts?: Publisher;
      /** Events produced after their record was handled: verdicts re-issued when a certificate fetch completes. */
      emit?: (ev: EveEvent) => void;
      /** After each verdict (history flushing, shared-history refresh). */
      onEvaluated?: (f: HandshakeFeatures) => void;
      onClose?: () => Promise<void> | void;
    } = {},
  ) {}

  private readonly pending = new Set<Promise<void>>();

  onAppRecord(flow: FlowView, record: AppRecord, tsUs: number, ev: EveEvent): EveEvent[] | undefined {
    if (record.type !== 'tls') return undefined;
    const f = featuresOf(flow, record.tls, tsUs);
    const e = this.monitor.evaluate(f);
    this.sinks.onEvaluated?.(f);
    const tls = ev.tls as Record<string, unknown>;
    const moat = (tls.moat ??= {}) as Record<string, unknown>;
    moat.score = scoreEve(e);
    if (e.refresh) this.whenFetched(e, f, ev, flow.proto);
    return e.result.verdict === 'risky' ? [this.alertOf(e, f, ev, flow.proto, tsUs)] : undefined;
  }

  /** The alert for a risky verdict, after the policy's block action; sent to the policy's channels. */
  private alertOf(e: Evaluation, f: HandshakeFeatures, ev: EveEvent, proto: number, tsUs: number): EveEvent {
    const blocked = e.block && this.sinks.block ? this.sinks.block.block(f) : false;
    const F = e.result.score === null ? 'n/a' : e.result.score.toFixed(3);
    const alert: EveEvent = { ...ev, event_type: 'alert' };
    delete alert.tls;
    alert.app_proto = 'tls';
    alert.alert = {
      action: blocked ? 'blocked' : 'allowed',
      gid: 1,
      signature_id: TLSMON_SID,
      rev: 1,
      signature: `MOAT TLS handshake at risk: policy ${e.result.policy}, F=${F}, needs ${e.result.condition}`,
      category: 'Potentially Bad Traffic',
      severity: 2,
      metadata: { policy: [e.result.policy], verdict: [e.result.verdict] },
    };
    const score = (ev.tls as { moat?: { score?: unknown } }).moat?.score;
    alert.tls = { ...(ev.tls as Record<string, unknown>) };
    alert.moat = { would_block: e.block && !blocked, blocked, score };
    for (const ch of e.alertChannels) this.sinks.alerts?.send(ch, alert);
    this.sinks.verdicts?.publish('verdict', {
      engine: 'tlsmon',
      verdict: e.result.verdict,
      srcIp: f.srcIp,
      dstIp: f.dstIp,
      srcPort: f.srcPort,
      dstPort: f.dstPort,
      proto,
      tsUs,
      signatureId: TLSMON_SID,
      block: e.block,
      blocked,
      score: e.result.score,
      policy: e.result.policy,
    });
    return alert;
  }

  /**
   * The certificate fetch started at this first sighting completed: the verdict is re-issued as a `tls` event that
   * updates the first (same flow id, `tls.moat.update_of`), with an alert and the block action if it is now risky.
   */
  private whenFetched(first: Evaluation, f: HandshakeFeatures, ev: EveEvent, proto: number): void {
    const p = (first.refresh as Promise<Evaluation | undefined>)
      .then((e) => {
        if (!e) return;
        const now = Date.now() * 1000;
        const tls = { ...(ev.tls as Record<string, unknown>) };
        tls.moat = {
          ...(tls.moat as Record<string, unknown>),
          score: scoreEve(e),
          update_of: {
            verdict: first.result.verdict,
            timestamp: ev.timestamp,
            reason: 'certificate fetched',
          },
        };
        const updated: EveEvent = { ...ev, timestamp: formatEveTimestamp(now), tls };
        this.sinks.emit?.(updated);
        if (e.result.verdict === 'risky') this.sinks.emit?.(this.alertOf(e, f, updated, proto, now));
      })
      .catch(() => undefined)
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  async close(): Promise<void> {
    // Fetches are bounded by their timeout: their re-issued verdicts are written before the sinks close.
    await Promise.all([...this.pending]);
    await this.sinks.alerts?.drain();
    await this.sinks.onClose?.();
  }
}
