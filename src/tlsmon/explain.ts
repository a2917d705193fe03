/** The EVE form of a verdict (`tls.moat.score`): composite, sub-scores, and every dimension's part in them. */
import type { TlsScore, TlsScoreGroup } from '../finding/index.js';
import type { Evaluation } from './monitor.js';
import type { GroupExplanation } from './score.js';

const r4 = (x: number | null): number | null => (x === null ? null : Math.round(x * 10_000) / 10_000);

function group(g: GroupExplanation): TlsScoreGroup {
  return {
    score: r4(g.score),
    weight: g.weight,
    contribution: r4(g.contribution),
    dimensions: g.dimensions.map((d) => ({
      dimension: d.dimension,
      raw: d.raw,
      score: r4(d.score),
      weight: d.weight,
      contribution: r4(d.contribution),
      available: d.available,
      ...(d.note !== undefined ? { note: d.note } : {}),
      ...(d.finding !== undefined ? { finding: d.finding } : {}),
      ...(d.heatLeftOut ? { heat_left_out: true } : {}),
    })),
  };
}

export function scoreEve(e: Evaluation): TlsScore {
  const r = e.result;
  return {
    policy: r.policy,
    selected_by: e.via,
    ...(e.scenario !== undefined ? { scenario: e.scenario } : {}),
    chain_source: e.chainSource,
    score: r4(r.score),
    condition: r.condition,
    verdict: r.verdict,
    ...(r.decisive.length > 0
      ? {
          decided_by: r.decisive.map((d) => ({
            finding: d.finding,
            dimension: d.dimension,
            action: d.action,
            ...(d.cap !== undefined ? { cap: d.cap } : {}),
            ...(d.note !== undefined ? { note: d.note } : {}),
          })),
        }
      : {}),
    ...(r.undetermined !== undefined ? { undetermined: r.undetermined } : {}),
    certificate: group(r.certificate),
    address: group(r.address),
    reputation: group(r.reputation),
  };
}
