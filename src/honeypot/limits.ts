/**
 * Per-peer resource limits: concurrent sessions, bytes and session time per peer, and a global
 * session cap. On exhaustion the new session is refused — the honeypot gives up this interaction
 * rather than degrade the appliance, because normal traffic wins.
 */
export interface LimitConfig {
  maxSessionsPerPeer: number;
  maxSessionsTotal: number;
  maxBytesPerSession: number;
  maxSessionSeconds: number;
  idleSeconds: number;
}

export const defaultLimits: LimitConfig = {
  maxSessionsPerPeer: 8,
  maxSessionsTotal: 1024,
  maxBytesPerSession: 1 << 20,
  maxSessionSeconds: 300,
  idleSeconds: 120,
};

export class PeerLimits {
  private readonly perPeer = new Map<string, number>();
  private total = 0;
  refused = 0;

  constructor(readonly config: LimitConfig) {}

  /** Takes a session slot for `peer`, or returns the reason it cannot. */
  acquire(peer: string): string | null {
    if (this.total >= this.config.maxSessionsTotal) {
      this.refused++;
      return 'total-sessions';
    }
    const n = this.perPeer.get(peer) ?? 0;
    if (n >= this.config.maxSessionsPerPeer) {
      this.refused++;
      return 'peer-sessions';
    }
    this.perPeer.set(peer, n + 1);
    this.total++;
    return null;
  }

  release(peer: string): void {
    const n = this.perPeer.get(peer) ?? 0;
    if (n <= 1) this.perPeer.delete(peer);
    else this.perPeer.set(peer, n - 1);
    if (this.total > 0) this.total--;
  }

  active(): number {
    return this.total;
  }
}
