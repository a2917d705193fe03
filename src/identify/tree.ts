/**
 * B-2 "AI self-learned rules": a CART decision tree grown on histogram bins (≤ 32 cut points per feature,
 * so a level costs one pass over the samples, not a sort), with sample weights for class balance and for
 * pseudo-labels. Every leaf is a rule an analyst can read: the conjunction of the splits on its path.
 */
import { FEATURE_NAMES } from './features.js';

export interface TreeParams {
  maxDepth: number;
  /** Minimum summed sample weight on each side of a split. */
  minLeaf: number;
  maxBins: number;
  /** Feature indices the tree may split on (default all). */
  features?: number[];
}

export type TreeNode =
  | { leaf: true; id: number; p: number; n: number; pos: number }
  | { leaf: false; f: number; thr: number; left: TreeNode; right: TreeNode };

export interface TrainingSet {
  /** Row-major N × FEATURE_COUNT. */
  x: Float64Array;
  y: Uint8Array;
  w: Float64Array;
  n: number;
  width: number;
}

function cutPoints(values: Float64Array, maxBins: number): number[] {
  const sorted = Float64Array.from(values).sort();
  const uniq: number[] = [];
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) uniq.push(sorted[i]);
  if (uniq.length <= 1) return [];
  if (uniq.length <= maxBins) {
    const cuts: number[] = [];
    for (let i = 1; i < uniq.length; i++) cuts.push(tidy((uniq[i - 1] + uniq[i]) / 2));
    return cuts;
  }
  const cuts = new Set<number>();
  for (let b = 1; b < maxBins; b++) {
    const v = sorted[Math.floor((b * sorted.length) / maxBins)];
    // Cut just below a quantile value so it falls on the right side, then keep numbers short for reading.
    const i = uniq.indexOf(v);
    if (i > 0) cuts.add(tidy((uniq[i - 1] + uniq[i]) / 2));
  }
  return [...cuts].sort((a, b) => a - b);
}

/** Rounds a cut to 3 significant digits when that keeps it between the same neighbours (readable rules). */
function tidy(x: number): number {
  return Number(x.toPrecision(4));
}

function binOf(cuts: number[], x: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x <= cuts[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function growTree(data: TrainingSet, params: TreeParams): TreeNode {
  const feats = params.features ?? [...Array(data.width).keys()];
  const cuts = feats.map((f) => {
    const col = new Float64Array(data.n);
    for (let i = 0; i < data.n; i++) col[i] = data.x[i * data.width + f];
    return cutPoints(col, params.maxBins);
  });
  const binned = new Uint8Array(data.n * feats.length);
  for (let i = 0; i < data.n; i++)
    for (let k = 0; k < feats.length; k++)
      binned[i * feats.length + k] = binOf(cuts[k], data.x[i * data.width + feats[k]]);
  let nextId = 0;
  const histW = new Float64Array(params.maxBins + 1);
  const histP = new Float64Array(params.maxBins + 1);

  const grow = (idx: Uint32Array, depth: number): TreeNode => {
    let wt = 0;
    let wp = 0;
    let pos = 0;
    for (const i of idx) {
      wt += data.w[i];
      if (data.y[i]) {
        wp += data.w[i];
        pos++;
      }
    }
    const leaf = (): TreeNode => ({ leaf: true, id: nextId++, p: wt > 0 ? wp / wt : 0, n: idx.length, pos });
    if (depth >= params.maxDepth || wt < 2 * params.minLeaf || wp === 0 || wp === wt) return leaf();
    const parentImp = (2 * wp * (wt - wp)) / wt;
    let best = { gain: 1e-9, k: -1, b: -1 };
    for (let k = 0; k < feats.length; k++) {
      const nb = cuts[k].length;
      if (nb === 0) continue;
      histW.fill(0, 0, nb + 1);
      histP.fill(0, 0, nb + 1);
      for (const i of idx) {
        const b = binned[i * feats.length + k];
        histW[b] += data.w[i];
        if (data.y[i]) histP[b] += data.w[i];
      }
      let lw = 0;
      let lp = 0;
      for (let b = 0; b < nb; b++) {
        lw += histW[b];
        lp += histP[b];
        const rw = wt - lw;
        if (lw < params.minLeaf || rw < params.minLeaf) continue;
        const rp = wp - lp;
        const imp = (2 * lp * (lw - lp)) / lw + (2 * rp * (rw - rp)) / rw;
        const gain = parentImp - imp;
        if (gain > best.gain) best = { gain, k, b };
      }
    }
    if (best.k < 0) return leaf();
    const left: number[] = [];
    const right: number[] = [];
    for (const i of idx) (binned[i * feats.length + best.k] <= best.b ? left : right).push(i);
    return {
      leaf: false,
      f: feats[best.k],
      thr: cuts[best.k][best.b],
      left: grow(Uint32Array.from(left), depth + 1),
      right: grow(Uint32Array.from(right), depth + 1),
    };
  };
  return grow(Uint32Array.from(data.x.length ? [...Array(data.n).keys()] : []), 0);
}

/** The leaf a feature vector falls in (no allocation). */
export function leafOf(node: TreeNode, x: ArrayLike<number>, offset = 0): Extract<TreeNode, { leaf: true }> {
  while (!node.leaf) node = x[offset + node.f] <= node.thr ? node.left : node.right;
  return node;
}

export function leaves(
  node: TreeNode,
  out: Extract<TreeNode, { leaf: true }>[] = [],
): Extract<TreeNode, { leaf: true }>[] {
  if (node.leaf) out.push(node);
  else {
    leaves(node.left, out);
    leaves(node.right, out);
  }
  return out;
}

export interface Rule {
  id: string;
  /** 'flows > 12 AND beacon_cv <= 0.15' */
  when: string;
  score: number;
  support: number;
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));
}

/** One readable rule per leaf: the tightest bound per feature along the path. */
export function exportRules(root: TreeNode): Map<number, Rule> {
  const rules = new Map<number, Rule>();
  const walk = (node: TreeNode, lo: Map<number, number>, hi: Map<number, number>): void => {
    if (node.leaf) {
      const parts: string[] = [];
      const fs = [...new Set([...lo.keys(), ...hi.keys()])].sort((a, b) => a - b);
      for (const f of fs) {
        const name = FEATURE_NAMES[f] ?? `f${f}`;
        const l = lo.get(f);
        const h = hi.get(f);
        if (l !== undefined && h !== undefined) parts.push(`${fmt(l)} < ${name} <= ${fmt(h)}`);
        else if (l !== undefined) parts.push(`${name} > ${fmt(l)}`);
        else parts.push(`${name} <= ${fmt(h!)}`);
      }
      rules.set(node.id, {
        id: `R${node.id}`,
        when: parts.join(' AND ') || 'always',
        score: node.p,
        support: node.n,
      });
      return;
    }
    const hiL = new Map(hi);
    hiL.set(node.f, Math.min(hi.get(node.f) ?? Infinity, node.thr));
    walk(node.left, lo, hiL);
    const loR = new Map(lo);
    loR.set(node.f, Math.max(lo.get(node.f) ?? -Infinity, node.thr));
    walk(node.right, loR, hi);
  };
  walk(root, new Map(), new Map());
  return rules;
}
