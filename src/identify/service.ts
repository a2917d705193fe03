/**
 * B-9 analysis-identification module: request (B-1) → features → model + seed intel → verdict (B-3).
 * Holds the active model by reference; `reload()` swaps in a newly activated version atomically (requests
 * in flight finish on the old one), so publishing or rolling back never stops the service.
 */
import type { GeoLookup } from '../intel/index.js';
import type { IntelIndex } from '../intel/index.js';
import { tryParseIp } from '../address/index.js';
import { specialScope } from './address-scope.js';
import { computeFeatures, FEATURE_COUNT, FEATURE_INDEX as F, type AddressFacts } from './features.js';
import { normaliseFlows, type IdentifyRequest } from './flow-record.js';
import type { IdentifyModel, Verdict } from './model.js';
import type { ModelRegistry } from './registry.js';

/** `not_applicable`: a private, reserved, link-local… address the model has no say on (see address-scope). */
export type ResponseVerdict = Verdict | 'not_applicable';

export interface IdentifyResponse {
  ip: string;
  verdict: ResponseVerdict;
  /** Calibrated probability that the address is abuse infrastructure. */
  score: number;
  category?: string;
  rules_fired: string[];
  reasons: string[];
  model_version: number | null;
}

/** Probability assigned to a direct listing of the address by a curated feed (not model-calibrated). */
const LISTED_SCORE = 0.97;

export class IdentificationService {
  private model: IdentifyModel | null;
  private version: number | null;
  private timer: NodeJS.Timeout | undefined;
  private readonly x = new Float64Array(FEATURE_COUNT);
  private intel: IntelIndex | undefined;
  private intelStamp: string | undefined;

  constructor(
    private readonly opts: {
      registry?: ModelRegistry;
      model?: IdentifyModel;
      version?: number;
      intel?: IntelIndex;
      /** Where fresh intel comes from: `stamp()` changes when feeds were (re)loaded or expired. */
      intelSource?: { stamp(): string; load(): IntelIndex };
      geo?: GeoLookup;
    } = {},
  ) {
    this.model = opts.model ?? null;
    this.version = opts.version ?? null;
    this.intel = opts.intel;
    if (opts.intelSource && !this.intel) {
      this.intelStamp = opts.intelSource.stamp();
      this.intel = opts.intelSource.load();
    } else if (opts.intelSource) this.intelStamp = opts.intelSource.stamp();
    if (!this.model) this.reload();
  }

  get modelVersion(): number | null {
    return this.version;
  }

  /** The serving model's rules, most suspicious first (empty without a model). */
  describeModel(): string[] {
    return this.model?.describe() ?? [];
  }

  /** Loads the registry's active version if it differs from the one serving; true when swapped. */
  reload(): boolean {
    const reg = this.opts.registry;
    if (!reg) return false;
    const v = reg.activeVersion();
    if (v === null || v === this.version) return false;
    const m = reg.load(v);
    this.model = m;
    this.version = v;
    return true;
  }

  /** Polls the registry for activations (hot swap without restart). */
  watch(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => {
      try {
        this.reload();
        this.reloadIntel();
      } catch {
        // A broken row keeps the current model serving; the CLI that wrote it reported the problem.
      }
    }, intervalMs);
    this.timer.unref();
  }

  /** Rebuilds the intel index when the store's feeds changed; true when swapped. */
  reloadIntel(): boolean {
    const src = this.opts.intelSource;
    if (!src) return false;
    const stamp = src.stamp();
    if (stamp === this.intelStamp) return false;
    this.intel = src.load();
    this.intelStamp = stamp;
    return true;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  identify(req: IdentifyRequest): IdentifyResponse {
    const model = this.model;
    const version = this.version;
    const ip = tryParseIp(req.ip);
    const scope = ip ? specialScope(ip.words) : null;
    if (scope)
      return {
        ip: req.ip,
        verdict: 'not_applicable',
        score: 0,
        rules_fired: [],
        reasons: [`${req.ip} is a ${scope} address: not on the public internet, so no verdict applies`],
        model_version: version,
      };
    const flows = normaliseFlows(req.traffic, req.ip);
    const facts: AddressFacts = {};
    const x = computeFeatures(
      req.ip,
      flows,
      req.traffic?.stats,
      req.rdns,
      { intel: this.intel, geo: this.opts.geo },
      this.x,
      facts,
    );
    const reasons: string[] = [];
    const rules: string[] = [];
    let score = 0;
    let verdict: Verdict = 'clean';
    let category: string | undefined;
    if (model) {
      const s = model.score(x);
      score = s.score;
      verdict = model.verdictOf(score);
      const rule = model.rules.get(s.leafId);
      if (flows.length === 0 && !req.traffic?.stats)
        reasons.push('no traffic supplied: traffic rules saw none');
      if (rule) {
        rules.push(rule.id);
        reasons.push(
          `${rule.id}: ${rule.when} (p=${rule.score.toFixed(3)}, ${rule.support} training samples)`,
        );
      }
    }
    // Seed intel on the address itself: a direct listing decides (B-4 seed data is authoritative here).
    const own = ip ? this.intel?.lookupIp(ip.words) : undefined;
    if (own && (own.listCount === 0 || own.listCount >= 3)) {
      rules.push('INTEL-LISTED');
      reasons.push(
        `listed by ${own.sources.join(', ')}${own.categories.length ? ` (${own.categories.slice(0, 3).join('; ')})` : ''}`,
      );
      score = Math.max(score, LISTED_SCORE);
      verdict = 'black';
      category = own.categories[0];
    } else if (own) {
      reasons.push(
        `on ${own.listCount} blocklist(s) (${own.sources.join(', ')}): below the seed threshold of 3`,
      );
      if (verdict === 'clean') verdict = 'gray';
    }
    if (x[F.network_listed] === 1) reasons.push('inside a listed network (DROP-style netblock)');
    if (x[F.asn_listed] === 1) reasons.push(`AS${facts.asn} is on an ASN blocklist`);
    if (x[F.listed_neighbours_24] > 0)
      reasons.push(`${x[F.listed_neighbours_24]} listed neighbour(s) in the same /24`);
    if (x[F.listed_tls_ratio] > 0)
      reasons.push(
        `${Math.round(x[F.listed_tls_ratio] * 100)}% of TLS flows use a listed JA3 or certificate`,
      );
    for (const h of facts.trafficHits ?? []) reasons.push(h);
    if (facts.asn !== undefined)
      reasons.push(
        `AS${facts.asn}${facts.org ? ` ${facts.org}` : ''}${facts.country ? `, ${facts.country}` : ''}`,
      );
    else if (facts.country) reasons.push(`country ${facts.country}`);
    if (!category && verdict !== 'clean') category = categoryOf(x);
    const out: IdentifyResponse = {
      ip: req.ip,
      verdict,
      score: Math.round(score * 10000) / 10000,
      rules_fired: rules,
      reasons,
      model_version: version,
    };
    if (category) out.category = category;
    return out;
  }
}

/** A coarse category from the traffic shape, for triage; the rule text remains the explanation. */
function categoryOf(x: Float64Array): string | undefined {
  if (x[F.listed_tls_ratio] > 0) return 'malware-tls';
  if (x[F.beacon_cv] >= 0 && x[F.beacon_cv] < 0.2 && x[F.flows] >= 5) return 'c2-beaconing';
  if (x[F.failure_ratio] > 0.6 && x[F.peers] >= 10) return 'scanner';
  if (x[F.dns_entropy] > 3.5) return 'dga';
  if (x[F.network_listed] === 1 || x[F.asn_listed] === 1) return 'bulletproof-hosting';
  return undefined;
}
