/**
 * The privacy check: scans desensitised data and refuses it when personal data is still in
 * it — any original the pseudonymiser replaced, or an e-mail, phone number, MAC, credential or public
 * address that is not one of its pseudonyms.
 */
import { cidrContains, formatIpv6Full, parseCidr, tryParseIp } from '../address/index.js';
import { PATTERNS } from './text.js';
import type { Pseudonymiser } from './pseudonymise.js';

export interface PrivacyFinding {
  kind: string;
  value: string;
  offset: number;
}

export class PrivacyError extends Error {
  constructor(readonly findings: PrivacyFinding[]) {
    super(
      `privacy check refused the data: ${findings.length} finding(s), first ${findings[0]?.kind} '${findings[0]?.value}' at offset ${findings[0]?.offset}`,
    );
  }
}

/**
 * An IPv6 address in hex groups in one spelling (eight groups, no leading zeros) so compressed forms
 * compare equal; undefined for anything else.
 */
export function canonicalIpv6(ip: string): string | undefined {
  const a = ip.includes(':') && !ip.includes('.') ? tryParseIp(ip) : undefined;
  return a && formatIpv6Full(a.words);
}

const V4_SHAPE = /^\d{1,3}(\.\d{1,3}){3}$/;
const MAC_SHAPE = /^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$/i;

/** IPv4 that names no one: private-use, loopback, link-local, "this network" and 255/8. */
const IMPERSONAL_V4 = [
  '10.0.0.0/8',
  '127.0.0.0/8',
  '0.0.0.0/8',
  '255.0.0.0/8',
  '169.254.0.0/16',
  '192.168.0.0/16',
  '172.16.0.0/12',
].map(parseCidr);

function impersonalV4(text: string): boolean {
  const a = tryParseIp(text);
  return a !== undefined && IMPERSONAL_V4.some((c) => cidrContains(c, a.words));
}

/** `p` may be a pseudonymiser, or only the pseudonyms a build produced (a dataset's manifest lists them). */
export function checkPrivacy(
  text: string,
  p?: Pick<Pseudonymiser, 'produced' | 'originals'>,
  maxFindings = 100,
): PrivacyFinding[] {
  const out: PrivacyFinding[] = [];
  const note = (kind: string, value: string, offset: number): void => {
    if (out.length < maxFindings) out.push({ kind, value, offset });
  };
  const fake = (v: string): boolean => p?.produced.has(v) ?? false;
  for (const m of text.matchAll(PATTERNS.email))
    if (!m[0].endsWith('.invalid') && !fake(m[0])) note('email', m[0], m.index ?? 0);
  for (const m of text.matchAll(PATTERNS.phone)) if (!fake(m[0])) note('phone', m[0], m.index ?? 0);
  for (const m of text.matchAll(PATTERNS.mac))
    if (!fake(m[0]) && !/^(00[:-]){5}00$/.test(m[0]) && !/^(ff[:-]){5}ff$/i.test(m[0]))
      note('mac', m[0], m.index ?? 0);
  for (const m of text.matchAll(PATTERNS.credential))
    if (!m[4].startsWith('cred-')) note('credential', m[4], m.index ?? 0);
  for (const m of text.matchAll(PATTERNS.ipv4))
    if (!fake(m[0]) && (p ? p.originals.has(m[0]) || !impersonalV4(m[0]) : !impersonalV4(m[0])))
      note('ipv4', m[0], m.index ?? 0);
  if (p) {
    // Addresses are found by their patterns (one pass over the text), not one search per original:
    // a flood capture has tens of thousands of them. IPv6 compares in canonical spelling.
    const v6 = new Set<string>();
    for (const o of p.originals) {
      const c = canonicalIpv6(o);
      if (c) v6.add(c);
    }
    if (v6.size > 0)
      for (const m of text.matchAll(PATTERNS.ipv6)) {
        const c = canonicalIpv6(m[0]);
        if (c && !fake(m[0]) && v6.has(c)) note('ipv6', m[0], m.index ?? 0);
      }
    for (const o of p.originals) {
      if (o.length < 4 || p.produced.has(o)) continue;
      if (V4_SHAPE.test(o) || MAC_SHAPE.test(o) || canonicalIpv6(o)) continue;
      const i = text.indexOf(o);
      if (i >= 0 && !out.some((f) => f.value === o)) note('original', o, i);
    }
  }
  return out;
}

export function assertPrivate(text: string, p?: Pseudonymiser): void {
  const f = checkPrivacy(text, p);
  if (f.length > 0) throw new PrivacyError(f);
}
