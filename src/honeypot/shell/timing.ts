/**
 * Reply timing of the emulated device (issue 6: "realistic timing … resist obvious fingerprinting").
 * A honeypot that answers every command in 0 ms, or always in the same time, is easy to spot; a cheap
 * ARM camera takes a few milliseconds for an applet, tens for `ps` (it walks /proc), seconds after a
 * wrong password (login's FAIL_DELAY), and downloads at a link speed. Each command draws its latency
 * from a log-normal distribution around a per-command median, with a per-session PRNG: sessions differ
 * from each other but a session's seed reproduces it exactly. `scale` multiplies every delay (0 =
 * instant, for tests and benchmarks that measure something else).
 */
import { mulberry32 } from '../../framework/index.js';

export interface TimingConfig {
  /** Multiplies every delay; 0 turns timing off, 1 is the modelled device. */
  scale: number;
  /** Seed for the per-session generator (mixed with the session id); fixed in tests. */
  seed?: number;
  /** Median download speed of the emulated uplink, bytes per second. */
  bytesPerSecond: number;
}

export const defaultTiming: TimingConfig = { scale: 1, bytesPerSecond: 350_000 };

/** Median milliseconds and log-normal spread (sigma) per applet; unknown names use `other`. */
const MODEL: Record<string, { median: number; sigma: number }> = {
  builtin: { median: 0.4, sigma: 0.3 },
  uname: { median: 4, sigma: 0.35 },
  whoami: { median: 3, sigma: 0.35 },
  nproc: { median: 3, sigma: 0.35 },
  cat: { median: 6, sigma: 0.4 },
  ls: { median: 9, sigma: 0.4 },
  ps: { median: 38, sigma: 0.3 },
  ifconfig: { median: 14, sigma: 0.35 },
  busybox: { median: 3, sigma: 0.35 },
  chmod: { median: 5, sigma: 0.35 },
  rm: { median: 6, sigma: 0.4 },
  cp: { median: 9, sigma: 0.4 },
  mv: { median: 5, sigma: 0.4 },
  mkdir: { median: 5, sigma: 0.35 },
  touch: { median: 4, sigma: 0.35 },
  'not-found': { median: 2.5, sigma: 0.35 },
  /** TCP connect + HTTP request round trip before the first byte. */
  connect: { median: 120, sigma: 0.45 },
  /** A connection that is never answered: BusyBox waits for the kernel's SYN retries. */
  'connect-timeout': { median: 2600, sigma: 0.15 },
  'login-ok': { median: 180, sigma: 0.3 },
  /** login(1)'s FAIL_DELAY on BusyBox is 3 s; telnetd adds scheduling noise. */
  'login-failed': { median: 2900, sigma: 0.08 },
  other: { median: 5, sigma: 0.4 },
};

const BUILTINS = new Set(['cd', 'pwd', 'echo', 'printf', 'true', 'false', 'export', 'kill', ':']);

function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class ReplyTiming {
  private readonly rand: () => number;
  /** Every delay drawn, in order (tests and the session record read it). */
  readonly drawn: Array<{ what: string; ms: number }> = [];

  constructor(
    readonly config: TimingConfig = defaultTiming,
    sessionId = '',
  ) {
    if (!(config.scale >= 0) || !Number.isFinite(config.scale))
      throw new Error(`timing.scale must be a finite number ≥ 0, got ${config.scale}`);
    const seed = config.seed ?? Math.floor(Math.random() * 2 ** 32);
    this.rand = mulberry32(seed ^ hash32(sessionId));
  }

  private normal(): number {
    // Box–Muller; 1 - u keeps log() away from 0.
    const u = 1 - this.rand();
    const v = this.rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Milliseconds the device would take for `what` (an applet name or a timing class), unscaled. */
  draw(what: string): number {
    const key = BUILTINS.has(what) ? 'builtin' : what in MODEL ? what : 'other';
    const m = MODEL[key];
    const z = Math.max(-3, Math.min(3, this.normal()));
    const ms = m.median * Math.exp(m.sigma * z);
    this.drawn.push({ what, ms });
    return ms;
  }

  /** Transfer time of `bytes` on the emulated uplink (speed drawn per transfer, ±40%). */
  transferMs(bytes: number): number {
    const speed = this.config.bytesPerSecond * Math.exp(0.35 * Math.max(-2, Math.min(2, this.normal())));
    const ms = (bytes / speed) * 1000;
    this.drawn.push({ what: 'transfer', ms });
    return ms;
  }

  /** Waits the scaled time; sub-millisecond waits are skipped (timers cannot do them anyway). */
  sleep(ms: number): Promise<void> {
    const t = ms * this.config.scale;
    if (t < 1) return Promise.resolve();
    return new Promise((r) => setTimeout(r, t));
  }

  pause(what: string): Promise<void> {
    return this.sleep(this.draw(what));
  }
}
