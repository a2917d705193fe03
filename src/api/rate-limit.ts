/** Per-terminal token buckets counted in verdicts (a batch of 500 costs 500), refilled continuously. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** Takes `cost` tokens; returns 0 when allowed, else the seconds to wait before retrying. */
  take(terminal: string, cost: number, ratePerS: number, burst: number, now = performance.now()): number {
    let b = this.buckets.get(terminal);
    if (!b) {
      b = { tokens: burst, at: now };
      this.buckets.set(terminal, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * ratePerS);
    b.at = now;
    if (cost > burst) return Infinity;
    if (b.tokens >= cost) {
      b.tokens -= cost;
      return 0;
    }
    return (cost - b.tokens) / ratePerS;
  }
}
