/**
 * Desensitises free text — logs, command output, EVE JSON, reports (A-64, A-75, A-82): addresses,
 * MACs, e-mails, phone numbers, serials, credentials and configured hostnames are replaced with
 * consistent pseudonyms. The patterns are shared with the privacy check so both see the same data.
 */
import { tryParseIp } from '../address/index.js';
import type { Pseudonymiser } from './pseudonymise.js';

export const PATTERNS = {
  email: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g,
  mac: /\b[0-9A-Fa-f]{2}(?:([:-])[0-9A-Fa-f]{2})(?:\1[0-9A-Fa-f]{2}){4}\b/g,
  ipv4: /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g,
  ipv6: /(?<![0-9A-Za-z:])(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{1,4}){0,6}(?![0-9A-Za-z:])/g,
  phone: /(?<![\w.])\+\d{1,3}[ -]?\(?\d{1,4}\)?(?:[ -]?\d{2,4}){2,4}(?![\w.])/g,
  serial: /\b(serial(?:\s*(?:no|number))?|sn|s\/n)(\s*[:=]\s*|\t+:\s*|\s+)([A-Za-z0-9-]{6,40})\b/gi,
  credential:
    /\b(pass(?:word|wd)?|pwd|secret|token|api[_-]?key|psk|community)(\s*[:=]\s*|\s+)("?)([^\s"',;]{1,128})\3/gi,
};

export interface DesensitiseOptions {
  /** Names of real devices/users known to appear (A-75: names replaced). */
  hostnames?: string[];
  /** Keep these addresses as they are (e.g. the sandbox sink, loopback). */
  keepIps?: (ip: string) => boolean;
}

const KEEP_IP = (ip: string): boolean =>
  ip === '127.0.0.1' || ip === '0.0.0.0' || ip === '255.255.255.255' || /^(0|255)\./.test(ip);

export function desensitise(text: string, p: Pseudonymiser, o: DesensitiseOptions = {}): string {
  const keep = o.keepIps ?? KEEP_IP;
  let s = text.replace(PATTERNS.email, (m) => (p.produced.has(m) ? m : p.email(m)));
  s = s.replace(
    PATTERNS.credential,
    (_m, k: string, sep: string, q: string, v: string) =>
      `${k}${sep}${q}${p.produced.has(v) ? v : p.credential(v)}${q}`,
  );
  s = s.replace(
    PATTERNS.serial,
    (_m, k: string, sep: string, v: string) =>
      `${k}${sep}${p.produced.has(v) || /^0+$/.test(v) ? v : p.serial(v)}`,
  );
  s = s.replace(PATTERNS.mac, (m) =>
    p.produced.has(m) || /^(00[:-]){5}00$/.test(m) || /^(ff[:-]){5}ff$/i.test(m) ? m : p.mac(m),
  );
  s = s.replace(PATTERNS.ipv4, (m) => (keep(m) || p.produced.has(m) ? m : p.ipv4(m)));
  s = s.replace(PATTERNS.ipv6, (m) =>
    // colon-separated hex that is no IPv6 address (certificate fingerprints, byte dumps) is no address
    m.split(':').length < 3 || /^::?1?$/.test(m) || p.produced.has(m) || !tryParseIp(m) ? m : p.ipv6(m),
  );
  s = s.replace(PATTERNS.phone, (m) => (p.produced.has(m) ? m : p.phone(m)));
  for (const h of o.hostnames ?? []) if (h) s = s.split(h).join(p.hostname(h));
  return s;
}
