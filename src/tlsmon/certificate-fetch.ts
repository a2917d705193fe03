/**
 * Optional active certificate fetch (realisation notes, option b): connect to the service the client went to —
 * same address, port and SNI — complete a handshake without trusting anything, take the chain it presents, and put
 * it in the service cache. Bounded: a few fetches at a time, a timeout each, one attempt per service per hour.
 */
import { connect } from 'node:tls';
import type { PeerCertificate, DetailedPeerCertificate } from 'node:tls';
import { parseCertificate } from '../proto/index.js';
import type { CertificateInfo } from '../proto/index.js';
import { serviceKey, type ServiceCertificateCache } from './certificate-cache.js';

export interface FetchOptions {
  timeoutMs?: number;
  concurrency?: number;
  /** Don't retry a service sooner than this. */
  retryAfterMs?: number;
}

function chainOf(peer: DetailedPeerCertificate): CertificateInfo[] {
  const out: CertificateInfo[] = [];
  const seen = new Set<string>();
  let c: DetailedPeerCertificate | PeerCertificate | undefined = peer;
  while (c && c.raw && !seen.has(c.fingerprint256) && out.length < 10) {
    seen.add(c.fingerprint256);
    const r = parseCertificate(c.raw);
    if (!r.ok) break;
    out.push(r.cert);
    const next: DetailedPeerCertificate | undefined = (c as DetailedPeerCertificate).issuerCertificate;
    if (!next || next === c) break;
    c = next;
  }
  return out;
}

export class CertificateFetcher {
  private active = 0;
  private readonly attempted = new Map<string, number>();
  /** Fetches under way: a second handshake to the same service waits for the same fetch. */
  private readonly inflight = new Map<string, Promise<boolean>>();
  readonly errors: string[] = [];
  fetched = 0;

  constructor(
    private readonly cache: ServiceCertificateCache,
    private readonly o: FetchOptions = {},
  ) {}

  /**
   * Starts a fetch (or joins the one under way for this service) unless it was tried recently or the concurrency
   * bound is reached. Resolves true when a chain was fetched and cached.
   */
  request(ip: string, port: number, sni: string | undefined): Promise<boolean> | undefined {
    const key = serviceKey(ip, port, sni);
    const running = this.inflight.get(key);
    if (running) return running;
    const now = Date.now();
    const last = this.attempted.get(key);
    if (last !== undefined && now - last < (this.o.retryAfterMs ?? 3_600_000)) return undefined;
    if (this.active >= (this.o.concurrency ?? 4)) return undefined;
    this.attempted.set(key, now);
    if (this.attempted.size > 100_000) this.attempted.clear();
    this.active++;
    const p = this.fetch(ip, port, sni)
      .then((chain) => {
        if (chain.length === 0) return false;
        this.cache.remember(key, { chain, seenUs: now * 1000, source: 'fetched' });
        this.fetched++;
        return true;
      })
      .catch((err: unknown) => {
        if (this.errors.length < 100)
          this.errors.push(`${key}: ${err instanceof Error ? err.message : String(err)}`);
        return false;
      })
      .finally(() => {
        this.active--;
        this.inflight.delete(key);
      });
    this.inflight.set(key, p);
    return p;
  }

  private fetch(ip: string, port: number, sni: string | undefined): Promise<CertificateInfo[]> {
    return new Promise((resolve, reject) => {
      const sock = connect({
        host: ip,
        port,
        servername: sni,
        // We are collecting evidence, not trusting: the chain is judged by the policy afterwards.
        rejectUnauthorized: false,
        timeout: this.o.timeoutMs ?? 5000,
      });
      sock.once('secureConnect', () => {
        const chain = chainOf(sock.getPeerCertificate(true));
        sock.destroy();
        resolve(chain);
      });
      sock.once('timeout', () => sock.destroy(new Error('timed out')));
      sock.once('error', reject);
    });
  }
}
