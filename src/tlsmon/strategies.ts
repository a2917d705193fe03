/** The per-dimension strategies of T-21…T-47 as plain functions of a raw value. */
import type { HeatStrategy } from './policy/schema.js';

/** Count → score (T-23, T-31…T-34): identity, or the range that holds the count, else `otherwise`. */
export function heatScore(count: number, h: HeatStrategy): number {
  if (h.identity) return count;
  for (const r of h.ranges ?? []) {
    if (count >= r.min && (r.max === undefined || count <= r.max)) return r.score;
  }
  return h.otherwise;
}

/** Piecewise-linear interpolation over ascending points (domain age, T-47). */
export function curveScore(x: number, curve: ReadonlyArray<{ days: number; score: number }>): number {
  if (x <= curve[0].days) return curve[0].score;
  for (let i = 1; i < curve.length; i++) {
    const a = curve[i - 1];
    const b = curve[i];
    if (x <= b.days) return a.score + ((x - a.days) / (b.days - a.days)) * (b.score - a.score);
  }
  return curve[curve.length - 1].score;
}

/** Highest threshold first: the first level whose `min` the count reaches. */
export function levelScore(count: number, levels: ReadonlyArray<{ min: number; score: number }>): number {
  let best: { min: number; score: number } | undefined;
  for (const l of levels) if (count >= l.min && (best === undefined || l.min > best.min)) best = l;
  return best?.score ?? 0;
}

/** SNI patterns: exact (case-insensitive) or "*.example.com" matching any subdomain depth. */
export function sniMatches(pattern: string, sni: string): boolean {
  const p = pattern.toLowerCase();
  const s = sni.toLowerCase();
  if (p.startsWith('*.')) return s.endsWith(p.slice(1)) && s.length > p.length - 1;
  return p === s;
}
