/**
 * T-21 legality: builds a path from the presented leaf through the presented intermediates to a root trusted at
 * the time of the handshake (see anchors.ts), checking each signature with Node's crypto, and checks the SNI
 * against the leaf's names. A failure says what kind it is — a self-signed leaf, a presented root nobody trusts,
 * an issuer neither presented nor trusted, a root no longer (or not yet) trusted then, a bad signature, a name
 * mismatch — because policies treat them differently: some are decisive, some only weigh.
 *
 * Verdicts are cached per (chain, SNI, platforms, day): a busy server presents the same chain thousands of times
 * and is verified once; anchors change trust on day boundaries.
 */
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import type { CertificateInfo } from '../../proto/index.js';
import type { ChainVerdict, ChainVerifier } from '../services.js';
import {
  type Anchor,
  certificatesOfFile,
  certificatesOfPath,
  day,
  isActive,
  loadRootsHistory,
  splitPem,
} from './anchors.js';

const MAX_DEPTH = 10;
const CACHE_MAX = 20_000;

export interface TrustStoreOptions {
  /** Node's bundled Mozilla roots (trusted now), unless the dated history knows better. */
  bundledRoots?: boolean;
  /** Folder with the dated Mozilla store (roots.tsv, roots-all.pem): roots trusted as of each handshake. */
  rootsHistory?: string;
  /** Enterprise CAs: always trusted. */
  caFiles?: string[];
  caPems?: string[];
  /** Platform roots by platform name (operator-supplied files or folders), trusted per policy. */
  platforms?: Record<string, string[]>;
  platformPems?: Record<string, string[]>;
}

const subjectOf = (c: X509Certificate): string => c.subject.replace(/\n/g, ', ');

export class TrustStore implements ChainVerifier {
  private readonly bySubject = new Map<string, Anchor[]>();
  private readonly cache = new Map<string, ChainVerdict>();
  readonly rootCount: number;
  readonly platformNames: ReadonlySet<string>;

  constructor(opts: TrustStoreOptions = {}) {
    const anchors: Anchor[] = [];
    const dated = opts.rootsHistory ? loadRootsHistory(opts.rootsHistory) : [];
    anchors.push(...dated);
    if (opts.bundledRoots !== false) {
      const known = new Set(dated.map((a) => a.cert.fingerprint256));
      for (const cert of bundled()) {
        // The dated history wins for the roots it knows (a root Mozilla removed stays removed).
        if (!known.has(cert.fingerprint256)) anchors.push({ cert, store: 'mozilla' });
      }
    }
    for (const f of opts.caFiles ?? [])
      for (const cert of certificatesOfFile(f)) anchors.push({ cert, store: 'operator' });
    for (const p of opts.caPems ?? [])
      for (const one of splitPem(p)) anchors.push({ cert: new X509Certificate(one), store: 'operator' });
    const platforms = new Set<string>();
    for (const [name, paths] of Object.entries(opts.platforms ?? {})) {
      platforms.add(name);
      for (const path of paths)
        for (const cert of certificatesOfPath(path)) anchors.push({ cert, store: name });
    }
    for (const [name, pems] of Object.entries(opts.platformPems ?? {})) {
      platforms.add(name);
      for (const p of pems)
        for (const one of splitPem(p)) anchors.push({ cert: new X509Certificate(one), store: name });
    }
    for (const a of anchors) {
      const list = this.bySubject.get(a.cert.subject) ?? [];
      list.push(a);
      this.bySubject.set(a.cert.subject, list);
    }
    this.rootCount = anchors.length;
    this.platformNames = platforms;
  }

  verify(
    chain: readonly CertificateInfo[],
    sni: string | undefined,
    checkName: boolean,
    nowMs: number,
    platforms: readonly string[] = [],
  ): ChainVerdict {
    const key = `${chain.map((c) => c.sha1).join(',')}|${checkName ? (sni ?? '') : '-'}|${platforms.join(',')}|${Math.floor(nowMs / 86_400_000)}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const v = this.compute(chain, sni, checkName, nowMs, new Set(platforms));
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, v);
    return v;
  }

  private compute(
    chain: readonly CertificateInfo[],
    sni: string | undefined,
    checkName: boolean,
    nowMs: number,
    platforms: ReadonlySet<string>,
  ): ChainVerdict {
    let certs: X509Certificate[];
    try {
      certs = chain.map((c) => new X509Certificate(c.der));
    } catch (err) {
      return {
        legal: false,
        kind: 'unusable',
        reason: `certificate not usable: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
    const leaf = certs[0];
    let cur = leaf;
    let curIndex = 0;
    const used = new Set<number>([0]);
    /** An anchor that matched but was not trusted at the handshake's time or under this policy. */
    let refused: { anchor: Anchor; why: string } | undefined;
    let path: ChainVerdict | undefined;
    for (let depth = 0; depth < MAX_DEPTH && !path; depth++) {
      // A trusted root (or the certificate itself being a trusted one) ends the path.
      const found = this.issuerAnchor(cur, nowMs, platforms);
      if (found.anchor) {
        const a = found.anchor;
        path = {
          legal: true,
          kind: 'legal',
          reason: `ok: anchored at ${subjectOf(a.cert)} (${a.store}${a.untilMs !== undefined ? `, trusted until ${day(a.untilMs)}` : ''})`,
        };
        break;
      }
      refused ??= found.refused;
      let next = -1;
      let badSig = -1;
      for (let i = 1; i < certs.length; i++) {
        if (used.has(i) || !cur.checkIssued(certs[i])) continue;
        if (safeVerify(cur, certs[i])) {
          next = i;
          break;
        }
        badSig = i;
      }
      if (next < 0) {
        const what = subjectOf(cur);
        if (refused) {
          path = {
            legal: false,
            kind: refused.anchor.store === 'mozilla' ? 'distrustedRoot' : 'unknownIssuer',
            reason: refused.why,
          };
        } else if (badSig >= 0) {
          path = {
            legal: false,
            kind: 'badSignature',
            reason: `signature of certificate ${curIndex} does not verify with certificate ${badSig}'s key: ${what}`,
          };
        } else if (cur.checkIssued(cur) && safeVerify(cur, cur)) {
          path =
            curIndex === 0
              ? { legal: false, kind: 'selfSigned', reason: `self-signed certificate not trusted: ${what}` }
              : {
                  legal: false,
                  kind: 'untrustedRoot',
                  reason: `chain ends at a root nobody trusts here: ${what}`,
                };
        } else if (cur.checkIssued(cur)) {
          path = {
            legal: false,
            kind: 'badSignature',
            reason: `self-issued certificate whose signature does not verify: ${what}`,
          };
        } else {
          path = {
            legal: false,
            kind: 'unknownIssuer',
            reason: `no trusted issuer for ${what} (issuer ${cur.issuer.replace(/\n/g, ', ')})`,
          };
        }
        break;
      }
      used.add(next);
      cur = certs[next];
      curIndex = next;
    }
    path ??= { legal: false, kind: 'unusable', reason: `chain longer than ${MAX_DEPTH}` };
    // The name is checked after the path so that a forged chain is reported as what it is, not as a mismatch.
    if (path.legal && checkName && sni !== undefined && sni !== '' && leaf.checkHost(sni) === undefined) {
      return {
        legal: false,
        kind: 'nameMismatch',
        reason: `name mismatch: ${sni} not in ${leaf.subjectAltName ?? leaf.subject}`,
      };
    }
    return path;
  }

  /** The anchor that issued `cert` (or is `cert`) and is trusted now under these platforms, else why not. */
  private issuerAnchor(
    cert: X509Certificate,
    nowMs: number,
    platforms: ReadonlySet<string>,
  ): { anchor?: Anchor; refused?: { anchor: Anchor; why: string } } {
    let refused: { anchor: Anchor; why: string } | undefined;
    for (const a of this.bySubject.get(cert.issuer) ?? []) {
      const matches =
        a.cert.fingerprint256 === cert.fingerprint256 ||
        (cert.checkIssued(a.cert) && safeVerify(cert, a.cert));
      if (!matches) continue;
      const platformOk = a.store === 'mozilla' || a.store === 'operator' || platforms.has(a.store);
      if (platformOk && isActive(a, nowMs)) return { anchor: a };
      if (refused) continue;
      const name = subjectOf(a.cert);
      if (!platformOk)
        refused = {
          anchor: a,
          why: `anchored at ${name}, a ${a.store} platform root this policy does not trust`,
        };
      else if (a.untilMs !== undefined && nowMs >= a.untilMs)
        refused = {
          anchor: a,
          why: `anchored at ${name}, removed from the Mozilla store ${day(a.untilMs)}, before the handshake (${day(nowMs)})`,
        };
      else if (a.fromMs !== undefined)
        refused = {
          anchor: a,
          why: `anchored at ${name}, added to the Mozilla store ${day(a.fromMs)}, after the handshake (${day(nowMs)})`,
        };
    }
    return { refused };
  }
}

let bundledCache: X509Certificate[] | undefined;
/** Node's bundled roots, parsed once per process. */
function bundled(): X509Certificate[] {
  bundledCache ??= rootCertificates.map((p) => new X509Certificate(p));
  return bundledCache;
}

function safeVerify(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}
