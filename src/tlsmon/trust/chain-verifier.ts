/**
 * T-21 legality: builds a path from the presented leaf through the presented intermediates to a trusted root
 * (Node's bundled Mozilla store by default, plus operator CA files) checking each signature with Node's crypto,
 * and checks the SNI against the leaf's names. Verdicts are cached per (chain, SNI): a busy server presents the
 * same chain thousands of times and is verified once.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { CertificateInfo } from '../../proto/x509/types.js';
import type { ChainVerdict, ChainVerifier } from '../services.js';

const MAX_DEPTH = 10;
const CACHE_MAX = 20_000;

function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

export class TrustStore implements ChainVerifier {
  private readonly roots = new Map<string, X509Certificate[]>();
  private readonly cache = new Map<string, ChainVerdict>();
  readonly rootCount: number;

  constructor(opts: { bundledRoots?: boolean; caFiles?: string[]; caPems?: string[] } = {}) {
    const pems: string[] = [];
    if (opts.bundledRoots !== false) pems.push(...rootCertificates);
    for (const f of opts.caFiles ?? []) {
      const raw = readFileSync(f);
      const text = raw.toString('latin1');
      if (text.includes('-----BEGIN CERTIFICATE-----')) pems.push(...splitPem(text));
      else pems.push(new X509Certificate(raw).toString());
    }
    for (const p of opts.caPems ?? []) pems.push(...splitPem(p));
    let n = 0;
    for (const pem of pems) {
      const c = new X509Certificate(pem);
      const list = this.roots.get(c.subject) ?? [];
      list.push(c);
      this.roots.set(c.subject, list);
      n++;
    }
    this.rootCount = n;
  }

  verify(
    chain: readonly CertificateInfo[],
    sni: string | undefined,
    checkName: boolean,
    nowMs: number,
  ): ChainVerdict {
    void nowMs; // validity is its own dimension (T-22); legality is about signatures and trust.
    const key = chain.map((c) => c.sha1).join(',') + '|' + (checkName ? (sni ?? '') : '-');
    const hit = this.cache.get(key);
    if (hit) return hit;
    const v = this.compute(chain, sni, checkName);
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, v);
    return v;
  }

  private compute(
    chain: readonly CertificateInfo[],
    sni: string | undefined,
    checkName: boolean,
  ): ChainVerdict {
    let certs: X509Certificate[];
    try {
      certs = chain.map((c) => new X509Certificate(c.der));
    } catch (err) {
      return {
        legal: false,
        reason: `certificate not usable: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
    const leaf = certs[0];
    if (checkName && sni !== undefined && sni !== '' && leaf.checkHost(sni) === undefined) {
      return { legal: false, reason: `name mismatch: ${sni} not in ${leaf.subjectAltName ?? leaf.subject}` };
    }
    let cur = leaf;
    const used = new Set<number>([0]);
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      // A trusted root (or the leaf itself being a trusted certificate) ends the path.
      const root = this.trustedIssuer(cur);
      if (root) return { legal: true, reason: `ok: anchored at ${root.subject.replace(/\n/g, ', ')}` };
      let next = -1;
      for (let i = 1; i < certs.length; i++) {
        if (used.has(i)) continue;
        if (cur.checkIssued(certs[i]) && safeVerify(cur, certs[i])) {
          next = i;
          break;
        }
      }
      if (next < 0) {
        const selfSigned = cur.checkIssued(cur) && safeVerify(cur, cur);
        const what = cur.subject.replace(/\n/g, ', ');
        return {
          legal: false,
          reason: selfSigned
            ? `self-signed certificate not trusted: ${what}`
            : `no trusted issuer for ${what} (issuer ${cur.issuer.replace(/\n/g, ', ')})`,
        };
      }
      used.add(next);
      cur = certs[next];
    }
    return { legal: false, reason: `chain longer than ${MAX_DEPTH}` };
  }

  private trustedIssuer(cert: X509Certificate): X509Certificate | undefined {
    for (const r of this.roots.get(cert.issuer) ?? []) {
      if (r.fingerprint256 === cert.fingerprint256) return r;
      if (cert.checkIssued(r) && safeVerify(cert, r)) return r;
    }
    return undefined;
  }
}

function safeVerify(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}
