/**
 * The framing side input. Half the USTC errors are BitTorrent / Gmail / Outlook: TLS sessions caught mid-stream,
 * ciphertext after the record headers. What is not ciphertext is the framing — the lengths of the records walked
 * from byte 0, and where the session's bytes end inside the window. The CNN reads a record header only where it
 * happens to sit and cannot follow the length chain; a table from the framing key to class counts, learned from
 * the training set, reads it exactly. At inference the table's log-odds are added to the CNN's log-probabilities:
 * one short walk and one map lookup a session. Payload only: record headers and lengths are payload bytes.
 */
import { z } from 'zod';

/** Records walked at most: the USTC TLS sessions show 1–8 in the first 784 bytes. */
const MAX_RECORDS = 9;

/**
 * The framing key of one session image (row `row` of `bytes`, `width` bytes a row, the first `use` read), or null
 * when byte 0 does not start a TLS record. "L1,L2,…/E": the record lengths walked from byte 0 (content type
 * 0x14–0x18, version 3.0–3.4), and E = one past the last non-zero byte, the session's length when it is shorter
 * than the window.
 */
export function framingKey(bytes: Uint8Array, row: number, width: number, use: number): string | null {
  const o = row * width;
  const isHeader = (p: number): boolean =>
    p + 5 <= use &&
    bytes[o + p] >= 0x14 &&
    bytes[o + p] <= 0x18 &&
    bytes[o + p + 1] === 3 &&
    bytes[o + p + 2] <= 4;
  if (!isHeader(0)) return null;
  let key = '';
  let p = 0;
  for (let r = 0; r < MAX_RECORDS && isHeader(p); r++) {
    const len = (bytes[o + p + 3] << 8) | bytes[o + p + 4];
    key += r === 0 ? String(len) : `,${len}`;
    p += 5 + len;
  }
  let end = use;
  while (end > 0 && bytes[o + end - 1] === 0) end--;
  return `${key}/${end}`;
}

export const framingSchema = z.strictObject({
  /** Weight of the table's log-odds against the CNN's log-probabilities (they read some of the same bytes). */
  weight: z.number().min(0).max(10),
  /** Laplace-style pseudo-count, spread over the classes by their prior. */
  alpha: z.number().min(0).max(1000),
  /** Class prior of the training set (sums to 1). */
  prior: z.array(z.number().min(0).max(1)),
  /** Framing key → sessions of each class in the training set. */
  counts: z.record(z.string().max(200), z.array(z.number().int().min(0))),
  /**
   * Sessions the table was counted from: set on an appliance's histogram in federated learning, where the server
   * sums the histograms and must weight their priors (./fedavg.ts, `fuseFraming`).
   */
  sessions: z.number().int().min(0).optional(),
});
export type FramingTable = z.infer<typeof framingSchema>;

/** Counts the framing keys of a training set. */
export function buildFramingTable(
  s: { n: number; width: number; bytes: Uint8Array; labels: Uint8Array },
  classes: number,
  use: number,
  weight: number,
  alpha = 1,
): FramingTable {
  const counts: Record<string, number[]> = {};
  const prior = new Array<number>(classes).fill(0);
  for (let i = 0; i < s.n; i++) {
    const c = s.labels[i];
    if (c >= classes) continue;
    prior[c]++;
    const k = framingKey(s.bytes, i, s.width, Math.min(use, s.width));
    if (k === null) continue;
    (counts[k] ??= new Array<number>(classes).fill(0))[c]++;
  }
  const total = prior.reduce((a, b) => a + b, 0);
  return { weight, alpha, prior: prior.map((v) => (total ? v / total : 0)), counts };
}

/**
 * An appliance's framing histogram for federated learning: its table (weight 0: not for use on its own) with the
 * number of labelled sessions it was counted from, which the server needs to sum the priors.
 */
export function framingHistogram(
  s: { n: number; width: number; bytes: Uint8Array; labels: Uint8Array },
  classes: number,
  use: number,
): FramingTable {
  let sessions = 0;
  for (let i = 0; i < s.n; i++) if (s.labels[i] < classes) sessions++;
  return { ...buildFramingTable(s, classes, use, 0), sessions };
}

/**
 * The table as log-odds to add, per key: weight × (log q(c|key) − log prior(c)), q smoothed towards the prior. A
 * class the training set never held gets no push either way.
 */
export function framingLogOdds(t: FramingTable): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  const C = t.prior.length;
  for (const [k, n] of Object.entries(t.counts)) {
    const total = n.reduce((a, b) => a + b, 0);
    const v = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      if (t.prior[c] <= 0) continue;
      const q = (n[c] + t.alpha * t.prior[c]) / (total + t.alpha);
      v[c] = t.weight * (Math.log(Math.max(q, 1e-30)) - Math.log(t.prior[c]));
    }
    out.set(k, v);
  }
  return out;
}

/**
 * The table of the union of several training sets from each set's own table (each with its `sessions`): key counts
 * add, priors add weighted by the sessions. Summing per-appliance histograms gives the centralised table without
 * any appliance's sessions leaving it (the keys and per-class counts do). Keys come out sorted, so the result does
 * not depend on the order the parts arrive in.
 */
export function mergeFramingTables(parts: readonly FramingTable[], weight: number, alpha = 1): FramingTable {
  if (parts.length === 0) throw new Error('mergeFramingTables: no tables');
  const C = parts[0].prior.length;
  const counts = new Map<string, number[]>();
  const prior = new Array<number>(C).fill(0);
  let total = 0;
  for (const t of parts) {
    if (t.prior.length !== C) throw new Error(`mergeFramingTables: ${t.prior.length} classes, not ${C}`);
    if (t.sessions === undefined) throw new Error('mergeFramingTables: a table without its session count');
    for (let c = 0; c < C; c++) prior[c] += Math.round(t.prior[c] * t.sessions);
    total += t.sessions;
    for (const [k, n] of Object.entries(t.counts)) {
      let acc = counts.get(k);
      if (!acc) counts.set(k, (acc = new Array<number>(C).fill(0)));
      for (let c = 0; c < C; c++) acc[c] += n[c];
    }
  }
  const sorted: Record<string, number[]> = {};
  for (const k of [...counts.keys()].sort()) sorted[k] = counts.get(k) ?? [];
  return { weight, alpha, prior: prior.map((v) => (total ? v / total : 0)), counts: sorted, sessions: total };
}
