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

/** Now, as an EVE timestamp: for events stamped by the clock (honeypot, sandbox, relay) rather than a packet. */
export function eveNow(): string {
  return formatEveTimestamp(Math.floor((performance.timeOrigin + performance.now()) * 1000));
}

/** The quoted date part (`"YYYY-MM-DDT`) of the day written last, or '' when its year is not four digits. */
let directDay = NaN;
let directDate = '';

/** `"YYYY-MM-DDT` for a day since 1970, from day arithmetic (H. Hinnant's civil-from-days); '' outside 1000–9999. */
function quotedDate(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 1000 || year > 9999) return '';
  return `"${year}-${pad2(month)}-${pad2(day)}T`;
}

/**
 * The same timestamp, quoted, written straight into an output buffer (see json-out.ts). The date part is
 * computed once per day (records interleave flow start and end times, so formatEveTimestamp's one-second
 * cache misses often here); the time of day is written digit by digit.
 */
export function writeEveTimestamp(o: EveBytesOut, tsUs: number): void {
  const sec = Math.floor(tsUs / 1e6);
  const days = Math.floor(sec / 86400);
  if (days !== directDay) {
    directDay = days;
    directDate = quotedDate(days);
  }
  if (directDate === '') {
    // Outside four-digit years Date's own formatting decides, as in formatEveTimestamp.
    raw(o, '"');
    raw(o, formatEveTimestamp(tsUs));
    raw(o, '"');
    return;
  }
  const sod = sec - days * 86400;
  const hour = Math.floor(sod / 3600);
  const minute = Math.floor((sod - hour * 3600) / 60);
  raw(o, directDate);
  digits(o, hour, 2);
  raw(o, ':');
  digits(o, minute, 2);
  raw(o, ':');
  digits(o, sod - hour * 3600 - minute * 60, 2);
  raw(o, '.');
  digits(o, Math.floor(tsUs - sec * 1e6), 6);
  raw(o, '+0000"');
}
