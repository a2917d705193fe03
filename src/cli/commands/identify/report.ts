/** The evaluation report as `moat identify eval` and `train` print it. */
import { fmt } from './shared.js';
import type { EvaluationReport } from '../../../identify/index.js';

export function printReport(r: EvaluationReport): void {
  const w = r.withoutSelfTraining;
  const s = r.withSelfTraining;
  const lines = [
    `== ${r.dataset}`,
    `   split (neighbours never cross): labelled ${r.sizes.labelled}, unlabelled ${r.sizes.unlabelled}${r.sizes.unlabelledDropped ? ` (${r.sizes.unlabelledDropped} unlabelled next to test/validation left out)` : ''}, seed validation ${r.sizes.validation}, held-out test ${r.sizes.test} (${w.positives} positive / ${w.negatives} negative)`,
    `   loop: ${r.iterations.length} iteration(s), best ${r.bestIteration}, stopped by ${r.stoppedBy}`,
    ...r.iterations.map(
      (it) =>
        `     k=${it.k} P=${fmt(it.precision)} C=${fmt(it.recall)} J=${fmt(it.objective)} J0=${fmt(it.objective0)} Pr[J>J0]=${it.probImproved === null ? '  -  ' : fmt(it.probImproved)} margin=${fmt(it.margin)} +pos=${it.pseudoPositive} +neg=${it.pseudoNegative}`,
    ),
    '                              without self-training   with self-training',
    `   precision @ coverage 0.5   ${fmt(w.precisionAtCoverage50)}                   ${fmt(s.precisionAtCoverage50)}`,
    `   precision @ coverage 0.8   ${fmt(w.precisionAtCoverage80)}                   ${fmt(s.precisionAtCoverage80)}`,
    `   coverage @ precision 0.95  ${fmt(w.coverageAtPrecision95)}                   ${fmt(s.coverageAtPrecision95)}`,
    `   PR-AUC                     ${fmt(w.prAuc)}                   ${fmt(s.prAuc)}`,
    `   at black threshold P / C   ${fmt(w.precision)} / ${fmt(w.coverage)}           ${fmt(s.precision)} / ${fmt(s.coverage)}`,
    `   calibration ECE / Brier    ${fmt(w.ece)} / ${fmt(w.brier)}           ${fmt(s.ece)} / ${fmt(s.brier)}`,
    ...r.slices.flatMap((sl) => [
      `   -- ${sl.name} of the test set (${sl.withoutSelfTraining.positives} positive / ${sl.withoutSelfTraining.negatives} negative)`,
      `      P@C0.5 ${fmt(sl.withoutSelfTraining.precisionAtCoverage50)} → ${fmt(sl.withSelfTraining.precisionAtCoverage50)}   P@C0.8 ${fmt(sl.withoutSelfTraining.precisionAtCoverage80)} → ${fmt(sl.withSelfTraining.precisionAtCoverage80)}   C@P0.95 ${fmt(sl.withoutSelfTraining.coverageAtPrecision95)} → ${fmt(sl.withSelfTraining.coverageAtPrecision95)}   PR-AUC ${fmt(sl.withoutSelfTraining.prAuc)} → ${fmt(sl.withSelfTraining.prAuc)}`,
    ]),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
