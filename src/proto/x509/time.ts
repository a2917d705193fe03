/**
 * Certificate validity times. DER requires UTCTime (YYMMDDHHMMSSZ, years 1950–2049) and GeneralizedTime
 * (YYYYMMDDHHMMSSZ) in UTC; real certificates sometimes omit seconds or carry an offset or fraction, which
 * are accepted too (the value is what matters for expiry checks). Anything else is an error that quotes
 * the text it saw.
 */
import { DerError, TAG, type Tlv } from './der.js';

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v;
}

/** Milliseconds since the epoch for a UTCTime or GeneralizedTime element. */
export function parseTime(buf: Uint8Array, t: Tlv, what: string): number {
  if (t.cls !== 0 || (t.tag !== TAG.UTC_TIME && t.tag !== TAG.GENERALIZED_TIME)) {
    throw new DerError(`${what}: expected UTCTime or GeneralizedTime, found tag ${t.tag}`, t.start);
  }
  if (t.end - t.valueStart > 32) throw new DerError(`${what}: time text too long`, t.start);
  let s = '';
  for (let p = t.valueStart; p < t.end; p++) s += String.fromCharCode(buf[p]);
  const ms = t.tag === TAG.UTC_TIME ? parseUtcTime(s) : parseGeneralizedTime(s);
  if (Number.isNaN(ms))
    throw new DerError(`${what}: invalid time "${s.replace(/[^\x20-\x7e]/g, '?')}"`, t.start);
  return ms;
}

export function parseUtcTime(s: string): number {
  const yy = digits(s, 0, 2);
  const year = yy < 50 ? 2000 + yy : 1900 + yy;
  return assemble(year, s, 2);
}

export function parseGeneralizedTime(s: string): number {
  return assemble(digits(s, 0, 4), s, 4);
}

/** Month..seconds from `at`, then optional fraction and zone. */
function assemble(year: number, s: string, at: number): number {
  const month = digits(s, at, 2);
  const day = digits(s, at + 2, 2);
  const hour = digits(s, at + 4, 2);
  const minute = digits(s, at + 6, 2);
  let p = at + 8;
  let second = 0;
  if (p + 2 <= s.length && isDigit(s, p)) {
    second = digits(s, p, 2);
    p += 2;
  }
  let fractionMs = 0;
  if (s[p] === '.' || s[p] === ',') {
    p++;
    const start = p;
    while (p < s.length && isDigit(s, p)) p++;
    if (p === start) return NaN;
    fractionMs = Math.floor(Number(`0.${s.slice(start, p)}`) * 1000);
  }
  let offsetMin = 0;
  if (s[p] === 'Z') {
    p++;
  } else if (s[p] === '+' || s[p] === '-') {
    const oh = digits(s, p + 1, 2);
    const om = digits(s, p + 3, 2);
    if (!(oh <= 23 && om <= 59)) return NaN;
    offsetMin = (s[p] === '+' ? 1 : -1) * (oh * 60 + om);
    p += 5;
  }
  if (p !== s.length) return NaN;
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 60)) {
    return NaN;
  }
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear takes the year as written (GeneralizedTime 0050).
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, fractionMs);
  return d.getTime() - offsetMin * 60_000;
}

function isDigit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

/** Suricata's `tls.notbefore` / `tls.notafter` text: "2016-02-10T04:50:04" (UTC, no zone suffix). */
export function formatCertTime(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  const iso = new Date(ms).toISOString();
  return iso.slice(0, 19);
}
