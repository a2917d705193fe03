/** Per-class precision, recall and F1, and their macro average, from true and predicted class ids. */
export interface ClassScore {
  cls: number;
  support: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface Scores {
  n: number;
  accuracy: number;
  macroF1: number;
  perClass: ClassScore[];
  /** confusion[true][predicted] */
  confusion: number[][];
}

export function score(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): Scores {
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let ok = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    const p = predicted[i];
    if (t < classes && p < classes) confusion[t][p]++;
    if (t === p) ok++;
  }
  const perClass: ClassScore[] = [];
  let f1sum = 0;
  let present = 0;
  for (let c = 0; c < classes; c++) {
    const tp = confusion[c][c];
    let support = 0;
    let predictedC = 0;
    for (let k = 0; k < classes; k++) {
      support += confusion[c][k];
      predictedC += confusion[k][c];
    }
    const precision = predictedC ? tp / predictedC : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    perClass.push({ cls: c, support, precision, recall, f1 });
    // Classes absent from the truth and never predicted do not count: a fold may miss a rare class.
    if (support > 0 || predictedC > 0) {
      f1sum += f1;
      present++;
    }
  }
  return {
    n: truth.length,
    accuracy: truth.length ? ok / truth.length : 0,
    macroF1: present ? f1sum / present : 0,
    perClass,
    confusion,
  };
}

/** Text table: class, support, precision, recall, F1; then the `macro-F1 0.xxxx` line. */
export function formatScores(s: Scores, names?: readonly string[]): string {
  const lines = ['class                 support  precision  recall      f1'];
  for (const c of s.perClass) {
    if (c.support === 0 && c.precision === 0) continue;
    const name = (names?.[c.cls] ?? String(c.cls)).padEnd(20).slice(0, 20);
    lines.push(
      `${name}  ${String(c.support).padStart(7)}  ${c.precision.toFixed(4).padStart(9)}  ${c.recall.toFixed(4).padStart(6)}  ${c.f1.toFixed(4).padStart(6)}`,
    );
  }
  lines.push(`accuracy ${s.accuracy.toFixed(4)} (${s.n} sessions)`);
  lines.push(`macro-F1 ${s.macroF1.toFixed(4)}`);
  return `${lines.join('\n')}\n`;
}
