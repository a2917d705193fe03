/**
 * TLS 1.3 hides the certificate from a passive monitor (realisation notes). moat remembers the chain each service
 * presented — keyed by destination address, port and server name, because one address may serve different
 * certificates per SNI — from handshakes where it was visible (TLS ≤ 1.2) or from an active fetch, and scores a
 * later hidden-certificate handshake to the same service with it. The explanation says where the chain came from.
 */
import type { CertificateInfo } from '../proto/x509/types.js';
import type { HandshakeFeatures } from './features.js';

export interface CachedChain {
  chain: CertificateInfo[];
  ocspResponse?: Buffer;
  seenUs: number;
  source: 'observed' | 'fetched';
}

export function serviceKey(dstIp: string, dstPort: number, sni: string | undefined): string {
  return `${dstIp}|${dstPort}|${(sni ?? '').toLowerCase()}`;
}

export class ServiceCertificateCache {
  private readonly map = new Map<string, CachedChain>();

  constructor(
    private readonly maxEntries = 50_000,
    /** A chain older than this is not used: certificates are replaced, a week-old observation may be stale. */
    private readonly maxAgeUs = 7 * 86400 * 1e6,
  ) {}

  remember(key: string, entry: CachedChain): void {
    this.map.delete(key);
    if (this.map.size >= this.maxEntries) this.map.delete(this.map.keys().next().value as string);
    this.map.set(key, entry);
  }

  lookup(key: string, nowUs: number): CachedChain | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (nowUs - e.seenUs > this.maxAgeUs) {
      this.map.delete(key);
      return undefined;
    }
    return e;
  }

  /**
   * Observes a handshake: a visible chain is remembered; a hidden one is filled in from the cache. Returns where
   * the features' chain came from.
   */
  apply(f: HandshakeFeatures): 'handshake' | 'observed' | 'fetched' | 'none' {
    const key = serviceKey(f.dstIp, f.dstPort, f.sni);
    if (f.chain.length > 0) {
      this.remember(key, {
        chain: f.chain,
        ocspResponse: f.ocspResponse,
        seenUs: f.tsUs,
        source: 'observed',
      });
      return 'handshake';
    }
    const hit = this.lookup(key, f.tsUs);
    if (!hit) return 'none';
    f.chain = hit.chain;
    f.ocspResponse ??= hit.ocspResponse;
    return hit.source;
  }

  get size(): number {
    return this.map.size;
  }
}
