/**
 * TLS 1.3 hides the certificate from a passive monitor (realisation notes). moat remembers the chain each service
 * presented — keyed by destination address, port and server name, because one address may serve different
 * certificates per SNI — from handshakes where it was visible (TLS ≤ 1.2) or from an active fetch, and scores a
 * later hidden-certificate handshake to the same service with it. The explanation says where the chain came from.
 *
 * A resumed TLS ≤ 1.2 session sends no certificate: it takes the chain of the session it resumes, found by the
 * session id the server gave (per server) or the ticket it issued, when that handshake was seen; otherwise its
 * certificate is unavailable — never guessed from another session.
 */
import type { CertificateInfo } from '../proto/index.js';
import type { HandshakeFeatures } from './features.js';

export interface CachedChain {
  chain: CertificateInfo[];
  ocspResponse?: Buffer;
  seenUs: number;
  source: 'observed' | 'fetched';
}

export type ChainSource = 'handshake' | 'observed' | 'fetched' | 'session' | 'none';

export function serviceKey(dstIp: string, dstPort: number, sni: string | undefined): string {
  return `${dstIp}|${dstPort}|${(sni ?? '').toLowerCase()}`;
}

export class ServiceCertificateCache {
  private readonly map = new Map<string, CachedChain>();
  private readonly sessions = new Map<string, CachedChain>();
  /** Chains whose session ticket is still to come (the handshake was scored at ServerHelloDone). */
  private readonly lateTickets: Array<{ ticket: { hash?: string }; entry: CachedChain }> = [];

  constructor(
    private readonly maxEntries = 50_000,
    /** A chain older than this is not used: certificates are replaced, a week-old observation may be stale. */
    private readonly maxAgeUs = 7 * 86400 * 1e6,
  ) {}

  remember(key: string, entry: CachedChain): void {
    put(this.map, key, entry, this.maxEntries);
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
  apply(f: HandshakeFeatures): ChainSource {
    const key = serviceKey(f.dstIp, f.dstPort, f.sni);
    const s = f.session;
    const sid = (id: string): string => `${f.dstIp}|${f.dstPort}|${id}`;
    if (this.lateTickets.length > 0) this.settleLateTickets();
    if (f.chain.length > 0) {
      const entry: CachedChain = {
        chain: f.chain,
        ocspResponse: f.ocspResponse,
        seenUs: f.tsUs,
        source: 'observed',
      };
      this.remember(key, entry);
      this.rememberSession(s, sid, entry);
      return 'handshake';
    }
    if (f.resumed && !f.version.startsWith('TLS 1.3')) {
      const hit =
        (s?.clientTicket !== undefined ? this.session(`t|${s.clientTicket}`, f.tsUs) : undefined) ??
        (s?.clientSessionId !== undefined ? this.session(sid(s.clientSessionId), f.tsUs) : undefined);
      if (!hit) return 'none';
      f.chain = hit.chain;
      f.ocspResponse ??= hit.ocspResponse;
      // The resumed session may be resumed in turn, by its new ticket or id.
      this.rememberSession(s, sid, { ...hit, seenUs: f.tsUs });
      return 'session';
    }
    const hit = this.lookup(key, f.tsUs);
    if (!hit) return 'none';
    f.chain = hit.chain;
    f.ocspResponse ??= hit.ocspResponse;
    return hit.source;
  }

  private rememberSession(
    s: HandshakeFeatures['session'],
    sid: (id: string) => string,
    entry: CachedChain,
  ): void {
    if (s?.serverSessionId !== undefined) put(this.sessions, sid(s.serverSessionId), entry, this.maxEntries);
    if (s?.newTicket !== undefined) put(this.sessions, `t|${s.newTicket}`, entry, this.maxEntries);
    else if (s?.lateTicket !== undefined) {
      if (this.lateTickets.length >= MAX_LATE_TICKETS) this.lateTickets.shift();
      this.lateTickets.push({ ticket: s.lateTicket, entry });
    }
  }

  /**
   * Tickets that arrived since their handshake was scored become session keys; a connection that went on without
   * one is dropped; one still open waits (bounded; the check runs once per handshake).
   */
  private settleLateTickets(): void {
    let keep = 0;
    for (const t of this.lateTickets) {
      const h = t.ticket.hash;
      if (h === undefined) this.lateTickets[keep++] = t;
      else if (h !== '') put(this.sessions, `t|${h}`, t.entry, this.maxEntries);
    }
    this.lateTickets.length = keep;
  }

  private session(key: string, nowUs: number): CachedChain | undefined {
    const e = this.sessions.get(key);
    if (!e || nowUs - e.seenUs > this.maxAgeUs) return undefined;
    return e;
  }

  get size(): number {
    return this.map.size;
  }
}

/** Handshakes whose promised ticket is awaited at once (each a few hundred ms of a connection's life). */
const MAX_LATE_TICKETS = 1024;

/** Insert as most recent, dropping the oldest entry past the bound. */
function put(m: Map<string, CachedChain>, key: string, entry: CachedChain, max: number): void {
  m.delete(key);
  if (m.size >= max) m.delete(m.keys().next().value as string);
  m.set(key, entry);
}
