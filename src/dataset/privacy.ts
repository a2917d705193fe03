/**
 * The privacy check: scans desensitised data and refuses it when personal data is still in
 * it — any original the pseudonymiser replaced, or an e-mail, phone number, MAC, credential or public
 * address that is not one of its pseudonyms.
 */
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
    for (const o of p.originals) {
      if (o.length < 4 || p.produced.has(o)) continue;
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
