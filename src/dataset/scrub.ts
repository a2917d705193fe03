/**
 * Desensitises one session image: the payload read as latin1 text goes through the same pseudonymiser and
 * patterns as logs and reports, plus the values the caller knows are personal (the honeypot peer's address, the
 * credentials it typed, which a telnet stream carries bare, without a `password:` in front). Pseudonyms are not as
 * long as what they replace, so the image is cut or zero-padded back to its width; a pseudonym cut at the end is
 * zeroed rather than left as a fragment the privacy check cannot tell from real data.
 */
import { checkPrivacy, type PrivacyFinding } from './privacy.js';
import { desensitise } from './text.js';
import type { Pseudonymiser } from './pseudonymise.js';

export interface ScrubResult {
  bytes: Uint8Array;
  findings: PrivacyFinding[];
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function scrubImage(
  img: Uint8Array,
  used: number,
  p: Pseudonymiser,
  known: { credentials?: string[]; ips?: string[] } = {},
): ScrubResult {
  let text = Buffer.from(img.subarray(0, used)).toString('latin1');
  const creds = [...new Set(known.credentials ?? [])]
    .filter((c) => c.length > 0)
    .sort((a, b) => b.length - a.length);
  for (const c of creds) text = text.replace(new RegExp(escape(c), 'g'), p.credential(c));
  for (const ip of known.ips ?? []) text = text.split(ip).join(p.ip(ip));
  text = desensitise(text, p);
  const width = img.length;
  const out = new Uint8Array(width);
  out.set(Buffer.from(text, 'latin1').subarray(0, width));
  let view = Buffer.from(out).toString('latin1').replace(/\0+$/, '');
  let findings = checkPrivacy(view, p);
  // A finding that runs into the cut is the stump of a pseudonym: drop the tail from where it starts.
  const cut =
    text.length > width ? findings.find((f) => f.offset + f.value.length >= view.length) : undefined;
  if (cut) {
    out.fill(0, cut.offset);
    view = view.slice(0, cut.offset);
    findings = checkPrivacy(view, p);
  }
  return { bytes: out, findings };
}
