/**
 * State rules keep across packets: flowbits per flow and threshold/detection_filter counters per tracked
 * address. Times are packet times, so a capture gives the same alerts as live traffic. Both tables are bounded.
 */
import type { Rule, Threshold, XbitOp } from './rule.js';

interface Counter {
  start: number;
  count: number;
  alerted: number;
}

const MAX_COUNTERS = 200_000;
/** Bound on xbits kept (host and address-pair bits together); the oldest set goes first. */
const MAX_XBITS = 200_000;

function xbitKey(x: XbitOp, src: string, dst: string): string {
  if (x.track === 'ip_src') return `${x.name}|${src}`;
  if (x.track === 'ip_dst') return `${x.name}|${dst}`;
  // An address pair is the same pair whichever side sent the packet.
  return src < dst ? `${x.name}|${src}|${dst}` : `${x.name}|${dst}|${src}`;
}

export class DetectState {
  private readonly bits = new Map<number, Set<string>>();
  private readonly counters = new Map<string, Counter>();
  /** xbits: key (name and host, or name and pair) → expiry time (µs, packet time). */
  private readonly xbits = new Map<string, number>();

  /** flowint variables per flow. */
  private readonly ints = new Map<number, Map<string, number>>();

  /** The value of a flowint operand: a number, or another variable (undefined when unset). */
  private intValue(
    vars: Map<string, number> | undefined,
    v: number | string | undefined,
  ): number | undefined {
    return typeof v === 'number' ? v : v === undefined ? undefined : vars?.get(v);
  }

  /** Whether the rule's flowint checks hold (isset, notset, comparisons); an unset variable compares false. */
  checkFlowints(rule: Rule, flowId: number): boolean {
    const vars = this.ints.get(flowId);
    for (const f of rule.flowint ?? []) {
      const cur = vars?.get(f.name);
      if (f.op === 'isset' || f.op === 'notset') {
        if ((cur !== undefined) !== (f.op === 'isset')) return false;
        continue;
      }
      if (f.op === '=' || f.op === '+' || f.op === '-') continue;
      const want = this.intValue(vars, f.value);
      if (cur === undefined || want === undefined) return false;
      const ok =
        f.op === '=='
          ? cur === want
          : f.op === '!='
            ? cur !== want
            : f.op === '<'
              ? cur < want
              : f.op === '>'
                ? cur > want
                : f.op === '<='
                  ? cur <= want
                  : cur >= want;
      if (!ok) return false;
    }
    return true;
  }

  /** Applies the rule's flowint changes (=, +, -) once it matched; + and - start an unset variable at 0. */
  applyFlowints(rule: Rule, flowId: number): void {
    for (const f of rule.flowint ?? []) {
      if (f.op !== '=' && f.op !== '+' && f.op !== '-') continue;
      let vars = this.ints.get(flowId);
      if (!vars) this.ints.set(flowId, (vars = new Map()));
      const v = this.intValue(vars, f.value);
      if (v === undefined) continue;
      const cur = vars.get(f.name) ?? 0;
      vars.set(f.name, f.op === '=' ? v : f.op === '+' ? cur + v : cur - v);
    }
  }

  /** Whether the rule's xbits conditions hold (isset/isnotset) at packet time tsUs. */
  checkXbits(rule: Rule, src: string, dst: string, tsUs: number): boolean {
    for (const x of rule.xbits ?? []) {
      if (x.op !== 'isset' && x.op !== 'isnotset') continue;
      const until = this.xbits.get(xbitKey(x, src, dst));
      const set = until !== undefined && until > tsUs;
      if (set !== (x.op === 'isset')) return false;
    }
    return true;
  }

  /** Applies the rule's set/unset/toggle xbits. */
  applyXbits(rule: Rule, src: string, dst: string, tsUs: number): void {
    for (const x of rule.xbits ?? []) {
      if (x.op === 'isset' || x.op === 'isnotset') continue;
      const key = xbitKey(x, src, dst);
      const until = this.xbits.get(key);
      const set = until !== undefined && until > tsUs;
      this.xbits.delete(key);
      if (x.op === 'set' || (x.op === 'toggle' && !set)) {
        if (this.xbits.size >= MAX_XBITS) this.xbits.delete(this.xbits.keys().next().value as string);
        this.xbits.set(key, tsUs + x.expire * 1e6);
      }
    }
  }

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
    this.ints.delete(flowId);
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
