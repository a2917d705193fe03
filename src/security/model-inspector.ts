/**
 * The model's check hook: sampled flows only (the same deterministic per-flow choice the export and
 * log review make) lend their EVE flow record — with the SNI/JA3/JA4 of their TLS handshake and the names of their
 * DNS queries — to each remote endpoint, and at a flow's end the Spec B identification model scores that endpoint
 * from the traffic seen so far. A black verdict (or gray above `grayScore`) comes out as an EVE alert carrying the
 * model's answer, and is published on the bus's `verdict` topic (engine 'ml'), where the security component's
 * VerdictRecorder makes it an event-cache entry.
 *
 * Verdicts are cached per address for `cacheS` of capture time, so a busy host is not rescored on every flow; the
 * address is scored again sooner only when its evidence has doubled since, so a verdict reached on a first
 * short flow does not stand for a host whose later traffic tells more.
 */
import type { Inspector } from '../pipeline/index.js';
import type { FlowSampler } from '../flow/index.js';
import { hasPorts, type FlowEndReason, type FlowView } from '../flow/index.js';
import type { AppRecord } from '../proto/index.js';
import { formatIp } from '../address/index.js';
import { ipProtoName } from '../decode/index.js';
import type { ModelAlert } from '../finding/index.js';
import { compactFromEve, type CompactFlow, type EveFlow } from '../identify/index.js';
import { isPublicAddress } from '../identify/index.js';
import { IdentificationService, type IdentifyResponse } from '../identify/index.js';
import { ModelRegistry } from '../identify/index.js';
import { IntelStore } from '../intel/index.js';
import { IntelIndex } from '../intel/index.js';
import type { SqliteStore } from '../store/index.js';
import type { Publisher } from '../framework/index.js';

/** Signature ids of the model's alerts (black, gray). */
export const ML_SID_BLACK = 9_500_001;
export const ML_SID_GRAY = 9_500_002;

export interface ModelInspectorOptions {
  /** 1:N sampling; without one every flow is checked. */
  sampler?: FlowSampler;
  /** Which endpoints are scored (default: public addresses — the local side is not the suspect). */
  isRemote?: (ip: string) => boolean;
  /** A gray verdict at or above this score alerts too (tracked, not dropped); default: gray never alerts. */
  grayScore?: number;
  /** How long a verdict on an address stands, seconds of capture time (default 300). */
  cacheS?: number;
  /** A pair (local host, flagged address) is alerted again after this long, seconds (default 3600, the entries' lifetime). */
  realertS?: number;
  /** Flows kept per address, the newest (default 256). */
  maxFlowsPerAddress?: number;
  /** Addresses tracked at once; the least recently seen go first (default 100,000). */
  maxAddresses?: number;
  /** Told at close what the hook did (flows checked, scorings, alerts). */
  report?: (line: string) => void;
  /** The bus each alert's verdict is published on (topic `verdict`, engine 'ml'). */
  verdicts?: Publisher;
}

interface AddressState {
  flows: CompactFlow[];
  verdict?: IdentifyResponse;
  scoredUs: number;
  scoredFlows: number;
  /** Local peers alerted about under the current verdict, and when (µs). */
  alerted: Map<string, number>;
}

interface FlowExtras {
  tls?: { sni?: string; ja3?: { hash?: string }; ja4?: string };
  dns: string[];
}

export class ModelInspector implements Inspector {
  readonly name = 'ml';
  /** Flows lent to the model / skipped by sampling; model runs; alerts raised. */
  readonly stats = { sampled: 0, skipped: 0, scored: 0, cached: 0, alerts: 0 };
  private readonly addrs = new Map<string, AddressState>();
  private readonly extras = new Map<number, FlowExtras>();
  private readonly isRemote: (ip: string) => boolean;
  private readonly cacheUs: number;
  private readonly realertUs: number;
  private readonly maxFlows: number;
  private readonly maxAddrs: number;

  constructor(
    private readonly service: IdentificationService,
    private readonly opts: ModelInspectorOptions = {},
  ) {
    this.isRemote = opts.isRemote ?? isPublicAddress;
    this.cacheUs = (opts.cacheS ?? 300) * 1e6;
    this.realertUs = (opts.realertS ?? 3600) * 1e6;
    this.maxFlows = opts.maxFlowsPerAddress ?? 256;
    this.maxAddrs = opts.maxAddresses ?? 100_000;
  }

  private sampled(flow: FlowView): { sampled: boolean; rate: number } {
    return this.opts.sampler?.sample(flow) ?? { sampled: true, rate: 1 };
  }

  onAppRecord(flow: FlowView, record: AppRecord): undefined {
    if (record.type !== 'tls' && record.type !== 'dns') return undefined;
    if (!this.sampled(flow).sampled) return undefined;
    let x = this.extras.get(flow.id);
    if (!x) this.extras.set(flow.id, (x = { dns: [] }));
    if (record.type === 'tls') {
      const t = record.tls;
      x.tls = { sni: t.client?.sni, ja3: t.ja3?.hash ? { hash: t.ja3.hash } : undefined, ja4: t.ja4 };
    } else {
      // The first question's name, queries and answers alike (EVE's `dns.rrname`).
      const name = record.dns.questions[0]?.name;
      if (name !== undefined && x.dns.length < 100 && !x.dns.includes(name)) x.dns.push(name);
    }
    return undefined;
  }

  onFlowEnd(flow: FlowView, _reason: FlowEndReason, tsUs: number): ModelAlert[] | undefined {
    const extra = this.extras.get(flow.id);
    this.extras.delete(flow.id);
    const s = this.sampled(flow);
    if (!s.sampled) {
      this.stats.skipped++;
      return undefined;
    }
    this.stats.sampled++;
    // The flow as the model takes flows from terminals (an EVE flow record), read off the flow itself.
    const ports = hasPorts(flow.proto);
    const pkts = flow.pkts;
    const bytes = flow.bytes;
    const e: EveFlow = {
      event_type: 'flow',
      src_ip: formatIp(flow.src, flow.ipVersion),
      dest_ip: formatIp(flow.dst, flow.ipVersion),
      src_port: ports ? flow.srcPort : undefined,
      dest_port: ports ? flow.dstPort : undefined,
      proto: ipProtoName(flow.proto),
      flow: {
        pkts_toserver: pkts[0],
        pkts_toclient: pkts[1],
        bytes_toserver: bytes[0],
        bytes_toclient: bytes[1],
        start: flow.startUs / 1e6,
        end: flow.lastUs / 1e6,
        state: flow.state,
      },
      tls: extra?.tls,
      dns: extra?.dns.length ? { rrname: extra.dns[0] } : undefined,
    };
    let out: ModelAlert[] | undefined;
    for (const [remote, local] of [
      [e.dest_ip, e.src_ip],
      [e.src_ip, e.dest_ip],
    ]) {
      if (!this.isRemote(remote)) continue;
      const c = compactFromEve(e, remote);
      if (!c) continue;
      if (extra && extra.dns.length > 1) c.dns = extra.dns;
      const st = this.remember(remote, c);
      const v = this.verdictOf(remote, st, tsUs);
      const alert = this.alertFor(v, st, local, tsUs, s.rate);
      if (!alert) continue;
      (out ??= []).push(alert);
      // The alert names the flow as it goes: its source and destination, ports when the protocol has them.
      this.opts.verdicts?.publish('verdict', {
        engine: 'ml',
        verdict: v.verdict,
        srcIp: e.src_ip,
        dstIp: e.dest_ip,
        srcPort: e.src_port ?? 0,
        dstPort: e.dest_port ?? 0,
        proto: flow.proto,
        tsUs,
        signatureId: v.verdict === 'black' ? ML_SID_BLACK : ML_SID_GRAY,
        // A black verdict asks for blocking; offline nothing can block, so the cache entry records the wish.
        block: v.verdict === 'black',
        blocked: false,
        score: v.score,
      });
    }
    return out;
  }

  close(): void {
    const t = this.stats;
    let black = 0;
    for (const st of this.addrs.values()) if (st.verdict?.verdict === 'black') black++;
    this.opts.report?.(
      `model checked ${t.sampled} flows (${t.skipped} not sampled): ${t.scored} scorings of ${this.addrs.size} remote addresses (${t.cached} answered from the per-address cache), ${black} black, ${t.alerts} alerts`,
    );
  }

  /** The standing verdict on an address, if it was scored. */
  verdictFor(ip: string): IdentifyResponse | undefined {
    return this.addrs.get(ip)?.verdict;
  }

  private remember(ip: string, c: CompactFlow): AddressState {
    let st = this.addrs.get(ip);
    if (st)
      this.addrs.delete(ip); // re-inserted: the map's order is least recently seen first
    else {
      if (this.addrs.size >= this.maxAddrs) {
        const oldest = this.addrs.keys().next().value;
        if (oldest !== undefined) this.addrs.delete(oldest);
      }
      st = { flows: [], scoredUs: 0, scoredFlows: 0, alerted: new Map() };
    }
    this.addrs.set(ip, st);
    st.flows.push(c);
    if (st.flows.length > this.maxFlows) st.flows.splice(0, st.flows.length - this.maxFlows);
    return st;
  }

  private verdictOf(ip: string, st: AddressState, tsUs: number): IdentifyResponse {
    const fresh =
      st.verdict &&
      st.verdict.model_version === this.service.modelVersion &&
      tsUs - st.scoredUs < this.cacheUs &&
      st.flows.length < 2 * st.scoredFlows;
    if (fresh && st.verdict) {
      this.stats.cached++;
      return st.verdict;
    }
    const v = this.service.identify({ ip, traffic: { flows: st.flows } });
    this.stats.scored++;
    if (st.verdict?.verdict !== v.verdict) st.alerted.clear();
    st.verdict = v;
    st.scoredUs = tsUs;
    st.scoredFlows = st.flows.length;
    return v;
  }

  private alertFor(
    v: IdentifyResponse,
    st: AddressState,
    local: string,
    tsUs: number,
    rate: number,
  ): ModelAlert | undefined {
    const black = v.verdict === 'black';
    const gray = v.verdict === 'gray' && this.opts.grayScore !== undefined && v.score >= this.opts.grayScore;
    if (!black && !gray) return undefined;
    const last = st.alerted.get(local);
    if (last !== undefined && tsUs - last < this.realertUs) return undefined;
    st.alerted.set(local, tsUs);
    this.stats.alerts++;
    return {
      kind: 'model-alert',
      signature: {
        gid: 1,
        sid: black ? ML_SID_BLACK : ML_SID_GRAY,
        rev: 1,
        msg: `MOAT identification model: ${v.ip} is ${v.verdict} (score ${v.score.toFixed(3)}, model v${String(v.model_version)})`,
        category: black ? 'A Network Trojan was detected' : 'Potentially Bad Traffic',
        severity: black ? 1 : 2,
        metadata: {
          diagnosis: ['ml'],
          verdict: [v.verdict],
          model_version: [String(v.model_version)],
        },
      },
      action: 'allowed',
      // A black verdict asks for blocking; offline nothing can block, so the cache entry records the wish.
      wouldBlock: black,
      model: {
        ip: v.ip,
        verdict: v.verdict,
        score: v.score,
        modelVersion: v.model_version,
        rulesFired: v.rules_fired,
        reasons: v.reasons,
        category: v.category,
        flowsSeen: st.flows.length,
        samplingRate: rate,
      },
    };
  }
}

/**
 * The identification service on the active model (or `version`) of the store, with that store's intel seeds, for
 * in-process scoring. Errors name the store and what is missing. Verdicts of a swapped-out model are not reused (the
 * per-address cache checks the version).
 */
export function openModelService(store: SqliteStore, version?: number): IdentificationService {
  const where = store.location;
  const reg = new ModelRegistry(store);
  const v = version ?? reg.activeVersion();
  if (v === null)
    throw new Error(
      `${where}: no active identification model (train one with 'moat identify train --db ${where}' or activate one with 'moat identify model activate V')`,
    );
  const row = reg.list().find((m) => m.version === v);
  if (!row)
    throw new Error(
      `${where}: no model version ${v} (stored: ${
        reg
          .list()
          .map((m) => m.version)
          .join(', ') || 'none'
      })`,
    );
  if (row.status !== 'published')
    throw new Error(`${where}: model version ${v} was refused by the gates (${row.reason ?? 'no reason'})`);
  const intel = new IntelStore(store);
  const intelSource = { stamp: () => intel.stamp(), load: () => IntelIndex.fromRows(intel.live()) };
  // Without a pinned version the service follows the store's activations (`watch`), as `identify serve` does.
  return version === undefined
    ? new IdentificationService({ registry: reg, intelSource })
    : new IdentificationService({ model: reg.load(v), version: v, intelSource });
}
