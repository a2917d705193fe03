/**
 * The privacy check: scans desensitised data and refuses it when personal data is still in
 * it — any original the pseudonymiser replaced, or an e-mail, phone number, MAC, credential or public
 * address that is not one of its pseudonyms.
 */
import { isIP } from 'node:net';
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

/** An IPv6 address in one spelling (eight groups, no leading zeros) so compressed forms compare equal. */
export function canonicalIpv6(ip: string): string {
  const [head, tail] = ip.toLowerCase().includes('::')
    ? ip.toLowerCase().split('::')
    : [ip.toLowerCase(), ''];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  return [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t]
    .map((g) => parseInt(g || '0', 16).toString(16))
    .join(':');
}

const V4_SHAPE = /^\d{1,3}(\.\d{1,3}){3}$/;
const MAC_SHAPE = /^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$/i;

const PRIVATE_V4 = /^(10\.|127\.|0\.|255\.|169\.254\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/;

export function checkPrivacy(text: string, p?: Pseudonymiser, maxFindings = 100): PrivacyFinding[] {
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
    if (!fake(m[0]) && (p ? p.originals.has(m[0]) || !PRIVATE_V4.test(m[0]) : !PRIVATE_V4.test(m[0])))
      note('ipv4', m[0], m.index ?? 0);
  if (p) {
    // Addresses are found by their patterns (one pass over the text), not one search per original:
    // a flood capture has tens of thousands of them. IPv6 compares in canonical spelling.
    const v6 = new Set<string>();
    for (const o of p.originals) if (isIP(o) === 6 && !o.includes('.')) v6.add(canonicalIpv6(o));
    if (v6.size > 0)
      for (const m of text.matchAll(PATTERNS.ipv6))
        if (isIP(m[0]) === 6 && !fake(m[0]) && v6.has(canonicalIpv6(m[0]))) note('ipv6', m[0], m.index ?? 0);
    for (const o of p.originals) {
      if (o.length < 4 || p.produced.has(o)) continue;
      if (V4_SHAPE.test(o) || MAC_SHAPE.test(o) || (isIP(o) === 6 && !o.includes('.'))) continue;
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
