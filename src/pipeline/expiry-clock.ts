/**
 * When idle flows are looked for: at the first packet at or after each step of packet time. The single-threaded
 * Pipeline and the multi-worker dispatcher (which places the same ticks in every worker's stream) share this one
 * rule, so any worker count expires flows at the same packet times and writes the same events.
 */
export const EXPIRY_STEP_US = 1_000_000;

export class ExpiryClock {
  private nextUs = 0;

  /** True when a packet at `tsUs` should first run the expiry; the next one is due a step later. */
  due(tsUs: number): boolean {
    if (tsUs < this.nextUs) return false;
    this.nextUs = tsUs + EXPIRY_STEP_US;
    return true;
  }
}
