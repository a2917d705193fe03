/**
 * EVE timestamps as Suricata writes them: local ISO-8601 with microseconds and a numeric offset
 * ("2026-11-22T23:37:43.123456+0000"). moat writes UTC so logs from different sensors line up.
 */
const pad2 = (n: number): string => (n < 10 ? '0' : '') + String(n);

export function formatEveTimestamp(tsUs: number): string {
  const ms = Math.floor(tsUs / 1000);
  const d = new Date(ms);
  const us = Math.floor(tsUs - ms * 1000);
  const frac = String(d.getUTCMilliseconds() * 1000 + us).padStart(6, '0');
  return (
    `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${frac}+0000`
  );
}
