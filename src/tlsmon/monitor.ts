/**
 * The evaluation and risk-management modules (T-60): for one handshake's features, tag its scenario, choose its
 * policy, score it, record it in the history (after scoring, so a connection never counts towards its own heat)
 * and say what the policy's actions are. Policies swap atomically (T-51): a connection is scored entirely under
 * the policy set that was current when it arrived.
 */
import type { HandshakeFeatures } from './features.js';
import type { PolicyFile } from './policy/schema.js';
import { PolicySelector } from './policy/select.js';
import { scoreHandshake, type ScoreResult } from './score.js';
import type { HeatKind, TlsmonServices } from './services.js';
import { heatKey } from './dimensions/heat.js';
import { geoKey } from './dimensions/geolocation.js';
import type { ChainSource, ServiceCertificateCache } from './certificate-cache.js';
import type { CertificateFetcher } from './certificate-fetch.js';

export interface Evaluation {
  result: ScoreResult;
  /** Which selector chose the policy ('default' when none matched). */
  via: string;
  scenario?: string;
  /** Where the scored chain came from: this handshake, an earlier one to the same service, an active fetch. */
  chainSource: ChainSource;
  block: boolean;
  alertChannels: string[];
  /**
   * When the chain was hidden and an active fetch started (at this first sighting, or joined one under way): the
   * verdict re-issued with the fetched chain once the fetch completes (undefined when it found nothing).
   */
  refresh?: Promise<Evaluation | undefined>;
}

const HEAT_KINDS: HeatKind[] = ['cert', 'pair', 'service', 'dst', 'src'];

export class TlsMonitor {
  private current: { file: PolicyFile; selector: PolicySelector; version: number };
  evaluations = 0;
  risky = 0;

  constructor(
    file: PolicyFile,
    readonly services: TlsmonServices,
    private readonly certs?: { cache: ServiceCertificateCache; fetcher?: CertificateFetcher },
  ) {
    this.current = { file, selector: new PolicySelector(file), version: 1 };
  }

  get policyFile(): PolicyFile {
    return this.current.file;
  }

  get policyVersion(): number {
    return this.current.version;
  }

  /** Replaces the policy set in one step (the configuration client's PUT, a file reload). */
  setPolicyFile(file: PolicyFile): number {
    this.current = { file, selector: new PolicySelector(file), version: this.current.version + 1 };
    return this.current.version;
  }

  /** The history keys a connection adds (and a shared store must prefetch before scoring it). */
  historyKeys(f: HandshakeFeatures): Array<[HeatKind, string]> {
    const keys: Array<[HeatKind, string]> = [];
    for (const kind of HEAT_KINDS) {
      const k = heatKey(kind, f);
      if (k !== undefined) keys.push([kind, k]);
    }
    const cc = this.services.geo?.country(f.dstIp);
    if (cc) keys.push(['geo', geoKey(f, cc)]);
    return keys;
  }

  /** Scores a connection; `dryRun` (a what-if from the configuration client) leaves history and counters alone. */
  evaluate(f: HandshakeFeatures, dryRun = false): Evaluation {
    const { selector } = this.current;
    f.scenario ??= selector.scenarioOf(f);
    const chainSource = this.certs ? this.certs.cache.apply(f) : f.chain.length > 0 ? 'handshake' : 'none';
    // A resumed TLS ≤ 1.2 session takes only its original's chain; a hidden TLS 1.3 one is fetched at once.
    const fetch =
      chainSource === 'none' && !dryRun && (!f.resumed || f.version.startsWith('TLS 1.3'))
        ? this.certs?.fetcher?.request(f.dstIp, f.dstPort, f.sni)
        : undefined;
    const chosen = selector.select(f);
    const result = scoreHandshake(chosen.name, chosen.policy, f, this.services);
    const risky = result.verdict === 'risky';
    if (!dryRun) {
      this.services.history?.record(this.historyKeys(f), f.tsUs / 1e6);
      this.evaluations++;
      if (risky) this.risky++;
    }
    return {
      result,
      via: chosen.via,
      scenario: f.scenario,
      chainSource,
      block: risky && chosen.policy.actions.block,
      alertChannels: risky ? chosen.policy.actions.alert : [],
      refresh: fetch?.then((ok) => (ok ? this.reissue(f) : undefined)),
    };
  }

  /** The same connection scored again with the chain a fetch brought (history already counted it once). */
  private reissue(f: HandshakeFeatures): Evaluation | undefined {
    const again: HandshakeFeatures = { ...f, chain: [], scenario: undefined };
    const e = this.evaluate(again, true);
    return e.chainSource === 'fetched' ? e : undefined;
  }
}
