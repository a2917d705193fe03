/** Durations in policy files: a number of seconds or text like "90s", "15m", "24h", "7d", "2w". */
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Returns seconds, or undefined when `v` is not a duration. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])?\s*$/.exec(v);
  if (!m) return undefined;
  return Number(m[1]) * (m[2] ? UNITS[m[2]] : 1);
}
