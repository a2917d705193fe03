/**
 * State rules keep across packets: flowbits per flow and threshold/detection_filter counters per tracked
 * address. Times are packet times, so a capture gives the same alerts as live traffic. Both tables are bounded.
 */
import type { Rule, Threshold } from './rule.js';

interface Counter {
  start: number;
  count: number;
  alerted: number;
}

const MAX_COUNTERS = 200_000;

export class DetectState {
  private readonly bits = new Map<number, Set<string>>();
  private readonly counters = new Map<string, Counter>();

  flowbits(flowId: number): Set<string> | undefined {
    return this.bits.get(flowId);
  }

  /** Applies set/unset/toggle; returns false when an isset/isnotset condition fails. */
  checkFlowbits(rule: Rule, flowId: number): boolean {
    const set = this.bits.get(flowId);
    for (const fb of rule.flowbits) {
      if (fb.op === 'isset') {
        const ok = fb.any ? fb.names.some((n) => set?.has(n)) : fb.names.every((n) => set?.has(n));
        if (!ok) return false;
      } else if (fb.op === 'isnotset') {
        const ok = fb.any ? fb.names.some((n) => !set?.has(n)) : fb.names.every((n) => !set?.has(n));
        if (!ok) return false;
      }
    }
    return true;
  }

  applyFlowbits(rule: Rule, flowId: number): void {
    for (const fb of rule.flowbits) {
      if (fb.op !== 'set' && fb.op !== 'unset' && fb.op !== 'toggle') continue;
      let set = this.bits.get(flowId);
      if (!set) {
        set = new Set();
        this.bits.set(flowId, set);
      }
      for (const n of fb.names) {
        if (fb.op === 'set') set.add(n);
        else if (fb.op === 'unset') set.delete(n);
        else if (set.has(n)) set.delete(n);
        else set.add(n);
      }
    }
  }

  endFlow(flowId: number): void {
    this.bits.delete(flowId);
  }

  /** Whether a match of a thresholded rule becomes an alert (Suricata's limit/threshold/both/detection_filter). */
  passThreshold(rule: Rule, t: Threshold, src: string, dst: string, tsUs: number): boolean {
    const who =
      t.track === 'by_src' ? src : t.track === 'by_dst' ? dst : t.track === 'by_both' ? `${src}|${dst}` : '';
    const key = `${rule.gid}:${rule.sid}|${who}`;
    let c = this.counters.get(key);
    const windowUs = t.seconds * 1e6;
    if (!c || tsUs - c.start >= windowUs) {
      if (!c && this.counters.size >= MAX_COUNTERS)
        this.counters.delete(this.counters.keys().next().value as string);
      c = { start: tsUs, count: 0, alerted: 0 };
      this.counters.set(key, c);
    }
    c.count++;
    switch (t.type) {
      case 'limit':
        return c.count <= t.count;
      case 'threshold':
        if (c.count >= t.count) {
          c.count = 0;
          return true;
        }
        return false;
      case 'both':
        if (c.count >= t.count && c.alerted === 0) {
          c.alerted = 1;
          return true;
        }
        return false;
      case 'detection_filter':
        return c.count > t.count;
    }
  }
}
