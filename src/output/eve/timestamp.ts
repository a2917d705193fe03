/**
 * EVE timestamps as Suricata writes them: local ISO-8601 with microseconds and a numeric offset
 * ("2026-11-22T23:37:43.123456+0000"). moat writes UTC so logs from different sensors line up.
 * Events come in time order, so the date-and-seconds prefix is cached: most calls only format the microseconds.
 */
import { digits, raw, type EveBytesOut } from './json-out.js';

const pad2 = (n: number): string => (n < 10 ? '0' : '') + String(n);

let cachedSecond = -1;
let cachedPrefix = '';

export function formatEveTimestamp(tsUs: number): string {
  const sec = Math.floor(tsUs / 1e6);
  if (sec !== cachedSecond) {
    const d = new Date(sec * 1000);
    cachedPrefix =
      `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T` +
      `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.`;
    cachedSecond = sec;
  }
  return `${cachedPrefix}${String(Math.floor(tsUs - sec * 1e6)).padStart(6, '0')}+0000`;
}

/** The same timestamp, quoted, written straight into an output buffer (see json-out.ts). */
export function writeEveTimestamp(o: EveBytesOut, tsUs: number): void {
  const sec = Math.floor(tsUs / 1e6);
  if (sec !== cachedSecond) formatEveTimestamp(tsUs);
  raw(o, '"');
  raw(o, cachedPrefix);
  digits(o, Math.floor(tsUs - sec * 1e6), 6);
  raw(o, '+0000"');
}
