/**
 * The composite score (T-10…T-47) and verdict (T-4): F = Σ α_i f_i over the certificate, address and reputation
 * sub-scores, each f_i = Σ β_j z_j over the policy's chosen dimensions. Every verdict carries its explanation —
 * each dimension's raw value, score, weight and contribution, and what decided it — so an operator can see why.
 *
 * Three rules sit on top of the sum, so that no amount of "fine" elsewhere washes out a damning fact and no
 * missing fact decides:
 *
 * - **Decisive findings.** A policy marks findings (a self-signed chain, a revoked or listed certificate, a weak
 *   key …) as decisive: `veto` makes the verdict risky whatever F is; `{ cap: c }` bounds F on the unsafe side,
 *   F' = min(F, c) for `>=` conditions (max for `<=`). The cap is outside the sum: T-10/T-11's weights still
 *   combine the ordinary evidence, the cap only bounds the result.
 * - **Heat is evidence for a service, never against a first contact.** The popularity dimensions are counted
 *   only when they move F towards safe: F = best(F without heat, F with heat).
 * - **An unavailable dimension never makes a verdict by itself.** Unavailable dimensions (TLS 1.3 certificates, a
 *   feed not loaded) are excluded and the remaining weights renormalised, or scored `unavailableScore` as the
 *   policy says — but when scoring them would turn the verdict the available evidence gives, or when there is no
 *   available evidence at all, the verdict is `undetermined`.
 */
import type { HandshakeFeatures } from './features.js';
import type { Finding, Policy } from './policy/schema.js';
import type { TlsmonServices } from './services.js';
import { DIMENSIONS, HEAT_DIMENSIONS, groupDimensions, type Group } from './dimensions/index.js';
import type { DimensionOutcome } from './dimensions/result.js';

export interface DimensionExplanation {
  dimension: string;
  raw: unknown;
  /** null when unavailable and excluded. */
  score: number | null;
  weight: number;
  contribution: number;
  available: boolean;
  note?: string;
  finding?: Finding;
  /** A popularity dimension left out because it would have lowered F (heat only ever counts for a service). */
  heatLeftOut?: boolean;
}

export interface GroupExplanation {
  /** f_i; null when every dimension of the group was unavailable and excluded. */
  score: number | null;
  weight: number;
  contribution: number;
  dimensions: DimensionExplanation[];
}

export type VerdictName = 'safe' | 'risky' | 'undetermined';

/** A decisive finding that bounded F or vetoed the verdict. */
export interface Decision {
  finding: Finding;
  dimension: string;
  action: 'veto' | 'cap';
  cap?: number;
  note?: string;
}

export interface ScoreResult {
  policy: string;
  /** F (after caps); null when nothing could be scored. */
  score: number | null;
  certificate: GroupExplanation;
  address: GroupExplanation;
  reputation: GroupExplanation;
  condition: string;
  verdict: VerdictName;
  /** Decisive findings that bounded F or vetoed the verdict. */
  decisive: Decision[];
  /** Why the verdict is undetermined, when it is. */
  undetermined?: string;
}

const GROUPS: Group[] = ['certificate', 'address', 'reputation'];

/** Σ w·x renormalised over the available parts: Σ_avail w·x · (Σ_all w / Σ_avail w). */
function renormalised(parts: Array<{ w: number; x: number | null }>): number | null {
  let all = 0;
  let avail = 0;
  let sum = 0;
  for (const p of parts) {
    all += p.w;
    if (p.x === null) continue;
    avail += p.w;
    sum += p.w * p.x;
  }
  if (avail === 0) return parts.some((p) => p.x !== null) ? sum : null;
  return (sum * all) / avail;
}

interface Evaluated {
  group: Group;
  name: string;
  weight: number;
  /** Score when unavailable under the policy's rule (null: excluded). */
  fallback: number | null;
  heat: boolean;
  out: DimensionOutcome;
}

interface Composition {
  F: number | null;
  groups: Record<Group, GroupExplanation>;
}

/** F under one reading: with or without the heat dimensions, with unavailable ones excluded or as the policy says. */
function compose(p: Policy, dims: Evaluated[], withHeat: boolean, policyRule: boolean): Composition {
  const groups = {} as Record<Group, GroupExplanation>;
  for (const g of GROUPS) {
    const list: DimensionExplanation[] = [];
    for (const d of dims) {
      if (d.group !== g) continue;
      const available = d.out.score !== undefined;
      let score: number | null = available ? (d.out.score as number) : policyRule ? d.fallback : null;
      const heatLeftOut = d.heat && !withHeat && score !== null;
      if (heatLeftOut) score = null;
      list.push({
        dimension: d.name,
        raw: d.out.raw,
        score,
        weight: d.weight,
        contribution: 0,
        available,
        ...(d.out.note !== undefined ? { note: d.out.note } : {}),
        ...(d.out.finding !== undefined ? { finding: d.out.finding } : {}),
        ...(heatLeftOut ? { heatLeftOut } : {}),
      });
    }
    const fi = renormalised(list.map((d) => ({ w: d.weight, x: d.score })));
    // Contributions are reported after renormalisation so they add up to f_i.
    const avail = list.reduce((a, d) => a + (d.score === null ? 0 : d.weight), 0);
    const all = list.reduce((a, d) => a + d.weight, 0);
    const k = avail !== 0 ? all / avail : 1;
    for (const d of list) d.contribution = d.score === null ? 0 : d.weight * d.score * k;
    groups[g] = { score: fi, weight: p.weights[g], contribution: 0, dimensions: list };
  }
  // Groups with weight 0 take no part, even when available.
  const active = GROUPS.filter((g) => p.weights[g] !== 0);
  const F = renormalised(active.map((g) => ({ w: p.weights[g], x: groups[g].score })));
  const availW = active.reduce((a, g) => a + (groups[g].score === null ? 0 : p.weights[g]), 0);
  const allW = active.reduce((a, g) => a + p.weights[g], 0);
  const k = availW !== 0 ? allW / availW : 1;
  for (const g of active)
    groups[g].contribution = groups[g].score === null ? 0 : p.weights[g] * (groups[g].score ?? 0) * k;
  return { F, groups };
}

export function scoreHandshake(
  name: string,
  p: Policy,
  f: HandshakeFeatures,
  svc: TlsmonServices,
): ScoreResult {
  const { op, threshold } = p.condition;
  const passes = (x: number): boolean => (op === '>=' ? x >= threshold : x <= threshold);
  /** The safer of two readings. */
  const safer = (a: Composition, b: Composition): Composition => {
    if (a.F === null) return b;
    if (b.F === null) return a;
    return (op === '>=' ? b.F > a.F : b.F < a.F) ? b : a;
  };

  const dims: Evaluated[] = [];
  for (const g of GROUPS) {
    for (const [dn, strategy] of groupDimensions(p, g)) {
      const out = DIMENSIONS[g][dn](f, strategy as never, svc);
      const fallback = strategy.unavailable ?? (p.unavailable === 'score' ? p.unavailableScore : null);
      dims.push({
        group: g,
        name: dn,
        weight: strategy.weight,
        fallback,
        heat: HEAT_DIMENSIONS.has(`${g}.${dn}`),
        out,
      });
    }
  }

  /** Heat counts only towards safe; on its own it can make a service safe but never make a contact risky. */
  const reading = (policyRule: boolean): Composition => {
    const without = compose(p, dims, false, policyRule);
    const withHeat = compose(p, dims, true, policyRule);
    if (without.F === null) return withHeat.F !== null && passes(withHeat.F) ? withHeat : without;
    return safer(without, withHeat);
  };
  const avail = reading(false);
  const chosen = p.unavailable === 'score' || dims.some((d) => d.fallback !== null) ? reading(true) : avail;

  const decisive: Decision[] = [];
  for (const d of dims) {
    const finding = d.out.finding;
    if (d.out.score === undefined || finding === undefined) continue;
    const action = p.decisive[finding];
    if (action === undefined) continue;
    decisive.push({
      finding,
      dimension: `${d.group}.${d.name}`,
      action: action === 'veto' ? 'veto' : 'cap',
      ...(action !== 'veto' ? { cap: action.cap } : {}),
      ...(d.out.note !== undefined ? { note: d.out.note } : {}),
    });
  }
  const cap = (x: number | null): number | null => {
    let y = x;
    for (const d of decisive) {
      if (d.cap === undefined) continue;
      y = y === null ? d.cap : op === '>=' ? Math.min(y, d.cap) : Math.max(y, d.cap);
    }
    return y;
  };
  const Fa = cap(avail.F);
  const F = cap(chosen.F);

  let verdict: VerdictName;
  let undetermined: string | undefined;
  if (decisive.some((d) => d.action === 'veto')) verdict = 'risky';
  else if (F === null || Fa === null) {
    verdict = 'undetermined';
    undetermined = 'no available evidence either way (heat only ever counts for a service)';
  } else if (passes(F) !== passes(Fa)) {
    verdict = 'undetermined';
    undetermined = 'only the scores given to unavailable dimensions would decide';
  } else verdict = passes(F) ? 'safe' : 'risky';

  return {
    policy: name,
    score: F,
    ...chosen.groups,
    condition: `F ${op} ${threshold}`,
    verdict,
    decisive,
    ...(undetermined !== undefined ? { undetermined } : {}),
  };
}
