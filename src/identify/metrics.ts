/**
 * Precision ("accuracy" in B-4) and recall ("coverage") and the curve between them, computed from scores
 * and labels. Ties in score are taken together: a threshold either includes all of them or none.
 */
export interface PrPoint {
  threshold: number;
  precision: number;
  recall: number;
}

export function prCurve(scores: ArrayLike<number>, labels: ArrayLike<number>): PrPoint[] {
  const n = scores.length;
  const order = [...Array(n).keys()].sort((a, b) => scores[b] - scores[a]);
  let positives = 0;
  for (let i = 0; i < n; i++) if (labels[i]) positives++;
  const out: PrPoint[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < n;) {
    const s = scores[order[k]];
    while (k < n && scores[order[k]] === s) {
      if (labels[order[k]]) tp++;
      else fp++;
      k++;
    }
    out.push({ threshold: s, precision: tp / (tp + fp), recall: positives ? tp / positives : 0 });
  }
  return out;
}

/** Average precision (area under the step PR curve), the usual PR-AUC estimate. */
export function prAuc(curve: PrPoint[]): number {
  let area = 0;
  let prevR = 0;
  for (const p of curve) {
    area += (p.recall - prevR) * p.precision;
    prevR = p.recall;
  }
  return area;
}

/** Best precision among thresholds reaching at least this recall (NaN when none does). */
export function precisionAtCoverage(curve: PrPoint[], coverage: number): number {
  let best = NaN;
  for (const p of curve) if (p.recall >= coverage && !(p.precision <= best)) best = p.precision;
  return best;
}

/** Highest recall among thresholds with at least this precision (0 when none). */
export function coverageAtPrecision(
  curve: PrPoint[],
  precision: number,
): { recall: number; threshold: number } {
  let best = { recall: 0, threshold: Infinity };
  for (const p of curve)
    if (p.precision >= precision && p.recall > best.recall)
      best = { recall: p.recall, threshold: p.threshold };
  return best;
}

export function confusionAt(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  threshold: number,
  idx?: ArrayLike<number>,
): { precision: number; recall: number; tp: number; fp: number; fn: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const m = idx ? idx.length : scores.length;
  for (let k = 0; k < m; k++) {
    const i = idx ? idx[k] : k;
    const hit = scores[i] >= threshold;
    if (labels[i]) {
      if (hit) tp++;
      else fn++;
    } else if (hit) fp++;
  }
  return {
    precision: tp + fp > 0 ? tp / (tp + fp) : 0,
    recall: tp + fn > 0 ? tp / (tp + fn) : 0,
    tp,
    fp,
    fn,
  };
}

/**
 * How well scores read as probabilities: expected calibration error over `bins` equal-width score bins
 * (the sample-weighted gap between mean score and observed positive rate) and the Brier score.
 */
export function calibration(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  bins = 10,
): { ece: number; brier: number } {
  const n = scores.length;
  if (n === 0) return { ece: NaN, brier: NaN };
  const sum = new Float64Array(bins);
  const pos = new Float64Array(bins);
  const cnt = new Float64Array(bins);
  let brier = 0;
  for (let i = 0; i < n; i++) {
    const s = Math.min(1, Math.max(0, scores[i]));
    const b = Math.min(bins - 1, Math.floor(s * bins));
    sum[b] += s;
    pos[b] += labels[i] ? 1 : 0;
    cnt[b]++;
    brier += (s - (labels[i] ? 1 : 0)) ** 2;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) if (cnt[b]) ece += Math.abs(sum[b] - pos[b]) / n;
  return { ece, brier: brier / n };
}
