/**
 * The composite score (T-10…T-47) and verdict (T-4): F = Σ α_i f_i over the certificate, address and reputation
 * sub-scores, each f_i = Σ β_j z_j over the policy's chosen dimensions. Every verdict carries its explanation —
 * each dimension's raw value, score, weight and contribution — so an operator can see why.
 *
 * Unavailable dimensions (TLS 1.3 certificates, a service not configured) are never a silent 0: a dimension's
 * own `unavailable` score wins; otherwise the policy either scores them `unavailableScore` or excludes them and
 * renormalises the remaining weights of the group (and groups within F) so the scale of F is kept.
 */
import type { HandshakeFeatures } from './features.js';
import type { Policy } from './policy/schema.js';
import type { TlsmonServices } from './services.js';
import { DIMENSIONS, groupDimensions, type Group } from './dimensions/index.js';

export interface DimensionExplanation {
  dimension: string;
  raw: unknown;
  /** null when unavailable and excluded. */
  score: number | null;
  weight: number;
  contribution: number;
  available: boolean;
  note?: string;
}

export interface GroupExplanation {
  /** f_i; null when every dimension of the group was unavailable and excluded. */
  score: number | null;
  weight: number;
  contribution: number;
  dimensions: DimensionExplanation[];
}

export type VerdictName = 'safe' | 'risky' | 'undetermined';

export interface ScoreResult {
  policy: string;
  /** F; null when nothing could be scored. */
  score: number | null;
  certificate: GroupExplanation;
  address: GroupExplanation;
  reputation: GroupExplanation;
  condition: string;
  verdict: VerdictName;
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

function scoreGroup(g: Group, f: HandshakeFeatures, p: Policy, svc: TlsmonServices): GroupExplanation {
  const dims: DimensionExplanation[] = [];
  for (const [name, strategy] of groupDimensions(p, g)) {
    const out = DIMENSIONS[g][name](f, strategy as never, svc);
    let score: number | null = out.score ?? null;
    const available = out.score !== undefined;
    if (!available) {
      if (strategy.unavailable !== undefined) score = strategy.unavailable;
      else if (p.unavailable === 'score') score = p.unavailableScore;
    }
    dims.push({
      dimension: name,
      raw: out.raw,
      score,
      weight: strategy.weight,
      contribution: 0,
      available,
      note: out.note,
    });
  }
  const fi = renormalised(dims.map((d) => ({ w: d.weight, x: d.score })));
  // Contributions are reported after renormalisation so they add up to f_i.
  const avail = dims.reduce((a, d) => a + (d.score === null ? 0 : d.weight), 0);
  const all = dims.reduce((a, d) => a + d.weight, 0);
  const k = avail !== 0 ? all / avail : 1;
  for (const d of dims) d.contribution = d.score === null ? 0 : d.weight * d.score * k;
  return { score: fi, weight: p.weights[g], contribution: 0, dimensions: dims };
}

export function scoreHandshake(
  name: string,
  p: Policy,
  f: HandshakeFeatures,
  svc: TlsmonServices,
): ScoreResult {
  const groups = {} as Record<Group, GroupExplanation>;
  for (const g of GROUPS) groups[g] = scoreGroup(g, f, p, svc);
  // Groups with weight 0 take no part, even when available.
  const active = GROUPS.filter((g) => p.weights[g] !== 0);
  const F = renormalised(active.map((g) => ({ w: p.weights[g], x: groups[g].score })));
  const availW = active.reduce((a, g) => a + (groups[g].score === null ? 0 : p.weights[g]), 0);
  const allW = active.reduce((a, g) => a + p.weights[g], 0);
  const k = availW !== 0 ? allW / availW : 1;
  for (const g of active)
    groups[g].contribution = groups[g].score === null ? 0 : p.weights[g] * (groups[g].score ?? 0) * k;
  const { op, threshold } = p.condition;
  let verdict: VerdictName = 'undetermined';
  if (F !== null) verdict = (op === '>=' ? F >= threshold : F <= threshold) ? 'safe' : 'risky';
  return { policy: name, score: F, ...groups, condition: `F ${op} ${threshold}`, verdict };
}
