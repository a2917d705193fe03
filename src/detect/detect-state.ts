/**
 * State rules keep across packets: flowbits per flow and threshold/detection_filter counters per tracked
 * address. Times are packet times, so a capture gives the same alerts as live traffic. Both tables are bounded.
 */
import type { RateFilterAction, Rule, Threshold, XbitOp } from './rule.js';

interface Counter {
  /** The packet time (µs) the window started. */
  start: number;
  count: number;
  /** backoff: the number of the next match that alerts; rate_filter: the second its new action began, or -1. */
  next: number;
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
  /** by_flow threshold counters, per flow (dropped with the flow). */
  private readonly flowCounters = new Map<number, Map<string, Counter>>();
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
    this.flowCounters.delete(flowId);
  }

  /**
   * One threshold's verdict on a match of `rule` (its `idx`-th threshold): true to alert, false not to, or for a
   * rate filter past its rate the new action. Suricata's semantics: the window runs from a counter's first match to
   * `seconds` after it (inclusive); a first match alerts for limit, rate_filter, and for threshold/both/backoff
   * with count 1; detection_filter alerts from the (count + 1)-th match; threshold's count starts over after each
   * alert; both alerts once per window; backoff alerts on matches count, count × multiplier, … of the flow.
   */
  threshold(
    rule: Rule,
    idx: number,
    t: Threshold,
    flowId: number,
    src: string,
    dst: string,
    tsUs: number,
  ): boolean | RateFilterAction {
    const who =
      t.track === 'by_src'
        ? src
        : t.track === 'by_dst'
          ? dst
          : t.track === 'by_both'
            ? // An address pair is the same pair whichever way the packet goes.
              src < dst
              ? `${src}|${dst}`
              : `${dst}|${src}`
            : '';
    const key = `${rule.gid}:${rule.sid}:${idx}|${who}`;
    let table = this.counters;
    if (t.track === 'by_flow') {
      let per = this.flowCounters.get(flowId);
      if (!per) this.flowCounters.set(flowId, (per = new Map()));
      table = per;
    }
    const c = table.get(key);
    if (!c) {
      if (t.type === 'threshold' && t.count === 1) return true;
      if (table === this.counters && table.size >= MAX_COUNTERS)
        table.delete(table.keys().next().value as string);
      const first = t.count === 1;
      table.set(key, {
        start: tsUs,
        count: 1,
        next: t.type === 'backoff' ? (first ? (t.multiplier ?? 1) : t.count) : -1,
      });
      switch (t.type) {
        case 'limit':
        case 'rate_filter':
          return true;
        case 'detection_filter':
        case 'threshold':
          return false;
        case 'both':
        case 'backoff':
          return first;
      }
    }
    if (t.type === 'backoff') {
      c.count++;
      if (c.count !== c.next) return false;
      c.next = Math.min(c.next * (t.multiplier ?? 1), Number.MAX_SAFE_INTEGER);
      return true;
    }
    if (t.type === 'rate_filter') {
      // `next` holds the second the new action took effect (-1: not in effect).
      if (c.next >= 0) {
        if (Math.floor(tsUs / 1e6) - c.next <= (t.timeout ?? 0)) return t.newAction ?? true;
        c.next = -1;
        return true;
      }
    }
    if (tsUs > c.start + t.seconds * 1e6) {
      // The window is over: this match starts a new one.
      c.start = tsUs;
      c.count = 1;
      return t.type === 'limit' || t.type === 'rate_filter' || (t.type === 'both' && t.count === 1);
    }
    c.count++;
    switch (t.type) {
      case 'limit':
        return c.count <= t.count;
      case 'threshold':
        if (c.count < t.count) return false;
        c.count = 0;
        return true;
      case 'both':
        return c.count === t.count;
      case 'detection_filter':
        return c.count > t.count;
      case 'rate_filter':
        if (c.count <= t.count) return true;
        c.next = Math.floor(tsUs / 1e6);
        return t.newAction ?? true;
    }
  }
}
