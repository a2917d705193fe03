/**
 * Spec T in the pipeline: every TLS handshake the parsers report is scored (T-3) and the verdict, with its
 * explanation, found on the handshake (the output writes it as `tls.moat.score`); a risky one (T-4) is an alert,
 * carries out the policy's block (T-5), names the policy's alert channels and is published on the bus. Offline
 * nothing can be blocked: the alert records `would_block` instead.
 */
import type { Inspector, LateFindings } from '../pipeline/index.js';
import type { FlowView } from '../flow/index.js';
import type { AppRecord } from '../proto/index.js';
import type { TlsHandshake } from '../proto/index.js';
import type { Finding, TlsAlert, TlsScore, TlsScoreNote } from '../finding/index.js';
import { formatIp } from '../address/index.js';
import type { HandshakeFeatures } from './features.js';
import type { Evaluation, TlsMonitor } from './monitor.js';
import { scoreEve } from './explain.js';
import type { BlockSink } from './actions.js';
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
      tls.client?.sessionId ||
      tls.client?.ticketHash ||
      tls.serverSessionId ||
      tls.newTicketHash ||
      tls.lateTicket
        ? {
            clientSessionId: tls.client?.sessionId,
            serverSessionId: tls.serverSessionId,
            clientTicket: tls.client?.ticketHash,
            newTicket: tls.newTicketHash,
            lateTicket: tls.lateTicket,
          }
        : undefined,
    flow: {
      id: flow.id,
      proto: flow.proto,
      startUs: flow.startUs,
      lastUs: flow.lastUs,
      pkts: [flow.pkts[0], flow.pkts[1]],
      bytes: [flow.bytes[0], flow.bytes[1]],
    },
  };
}

export class TlsMonitorInspector implements Inspector {
  readonly name = 'tlsmon';

  constructor(
    private readonly monitor: TlsMonitor,
    private readonly sinks: {
      block?: BlockSink;
      /** The bus: each risky verdict is published on `verdict` (the security component makes it a cache entry). */
      verdicts?: Publisher;
      /** After each verdict (history flushing, shared-history refresh). */
      onEvaluated?: (f: HandshakeFeatures) => void;
      /** Every flow's end (the identification adapter keeps each address's traffic). */
      onFlowEnd?: (flow: FlowView) => void;
      onClose?: () => Promise<void> | void;
    } = {},
  ) {}

  private readonly pending = new Set<Promise<void>>();
  /** Where verdicts re-issued after a certificate fetch go (the output stage, when the pipeline is built). */
  private late: LateFindings | undefined;

  attachLate(late: LateFindings): void {
    this.late = late;
  }

  onAppRecord(flow: FlowView, record: AppRecord, tsUs: number): Finding[] | undefined {
    if (record.type !== 'tls') return undefined;
    const f = featuresOf(flow, record.tls, tsUs);
    const e = this.monitor.evaluate(f);
    this.sinks.onEvaluated?.(f);
    const score = scoreEve(e);
    if (e.refresh) this.whenFetched(e, f, flow, record, tsUs);
    const note: TlsScoreNote = { kind: 'tls-score', score };
    return e.result.verdict === 'risky' ? [note, this.alertOf(e, f, score, flow.proto, tsUs)] : [note];
  }

  /** The alert for a risky verdict, after the policy's block action; published on the bus. */
  private alertOf(
    e: Evaluation,
    f: HandshakeFeatures,
    score: TlsScore,
    proto: number,
    tsUs: number,
  ): TlsAlert {
    const blocked = e.block && this.sinks.block ? this.sinks.block.block(f) : false;
    const F = e.result.score === null ? 'n/a' : e.result.score.toFixed(3);
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
    return {
      kind: 'tls-alert',
      signature: {
        gid: 1,
        sid: TLSMON_SID,
        rev: 1,
        msg: `MOAT TLS handshake at risk: policy ${e.result.policy}, F=${F}, needs ${e.result.condition}`,
        category: 'Potentially Bad Traffic',
        severity: 2,
        metadata: { policy: [e.result.policy], verdict: [e.result.verdict] },
      },
      action: blocked ? 'blocked' : 'allowed',
      score,
      wouldBlock: e.block && !blocked,
      blocked,
      channels: e.alertChannels,
    };
  }

  /**
   * The certificate fetch started at this first sighting completed: the verdict is re-issued as a `tls` event that
   * updates the first (same flow id, `tls.moat.update_of`), with an alert and the block action if it is now risky.
   */
  private whenFetched(
    first: Evaluation,
    f: HandshakeFeatures,
    flow: FlowView,
    record: AppRecord,
    firstTsUs: number,
  ): void {
    const p = (first.refresh as Promise<Evaluation | undefined>)
      .then((e) => {
        if (!e) return;
        const now = Date.now() * 1000;
        const score = scoreEve(e);
        const note: TlsScoreNote = {
          kind: 'tls-score',
          score,
          updateOf: { verdict: first.result.verdict, tsUs: firstTsUs, reason: 'certificate fetched' },
        };
        this.late?.(
          flow,
          record,
          now,
          e.result.verdict === 'risky' ? [note, this.alertOf(e, f, score, flow.proto, now)] : [note],
        );
      })
      .catch(() => undefined)
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  onFlowEnd(flow: FlowView): undefined {
    this.sinks.onFlowEnd?.(flow);
    return undefined;
  }

  async close(): Promise<void> {
    // Fetches are bounded by their timeout: their re-issued verdicts are written before the output closes.
    await Promise.all([...this.pending]);
    await this.sinks.onClose?.();
  }
}
