/**
 * The `tag` keyword's effect: a rule that fires marks the packets that follow — of its flow (`session`) or of a
 * host (`host`, by the alerting packet's source or destination address) — for a number of packets, bytes or
 * seconds (256 packets when the rule gives none). Marked packets are written as EVE `packet` records when the
 * alert logger's `tagged-packets` is on. As in Suricata, the alerting packet itself counts toward the limit but is
 * not marked (its alert carries it), a host's marks apply to packets from and to it, a rule firing again restarts
 * its mark, and each flow or host keeps at most MAX_TAGS marks.
 */
import type { FlowView } from '../flow/index.js';
import type { DecodedPacket } from '../decode/index.js';
import type { Rule } from './rule.js';

export interface TagSpec {
  scope: 'session' | 'host';
  count: number;
  metric: 'packets' | 'bytes' | 'seconds';
  /** host tags: whose address (the alerting packet's source or destination). */
  dir: 'src' | 'dst';
}

/** Marks one flow or host keeps (Suricata's DETECT_TAG_MAX_TAGS). */
const MAX_TAGS = 50;
/** Hosts with marks kept at once: beyond it the oldest host's marks are dropped. */
const MAX_TAGGED_HOSTS = 65536;
const DEFAULT_COUNT = 256;

/** A tag option as the rule parser kept it (already checked there): `session`, `host,100,packets,src` … */
export function parseTagSpec(text: string): TagSpec {
  const [scope, count, metric, dir] = text.split(',').map((s) => s.trim());
  return {
    scope: scope === 'host' ? 'host' : 'session',
    count: count !== undefined ? Number(count) : DEFAULT_COUNT,
    metric: metric === 'bytes' || metric === 'seconds' ? metric : 'packets',
    dir: dir === 'src' ? 'src' : 'dst',
  };
}

interface Mark {
  sid: number;
  gid: number;
  metric: TagSpec['metric'];
  count: number;
  packets: number;
  bytes: number;
  firstSec: number;
  lastSec: number;
  /** The alerting packet has been seen (and not marked). */
  skippedFirst: boolean;
}

export class Tagger {
  private readonly specs = new Map<Rule, TagSpec[]>();
  private readonly flows = new Map<number, Mark[]>();
  private readonly hosts = new Map<string, Mark[]>();

  constructor(rules: readonly Rule[]) {
    for (const r of rules) if (r.tags && r.tags.length > 0) this.specs.set(r, r.tags.map(parseTagSpec));
  }

  /** Whether any rule tags: without one the rule engine never calls the tagger. */
  get active(): boolean {
    return this.specs.size > 0;
  }

  /**
   * A rule fired on `flow` about traffic going `dir` (0: client → server): its tags start. The host's address is
   * taken from the flow by that direction (the alerting packet's source is the sending side).
   */
  fired(rule: Rule, flow: FlowView, dir: number, tsUs: number): void {
    const specs = this.specs.get(rule);
    if (!specs) return;
    const sec = Math.floor(tsUs / 1e6);
    for (const s of specs) {
      if (s.scope === 'session') {
        addMark(this.flows, flow.id, rule, s, sec);
        continue;
      }
      const fromClient = dir === 0;
      const side = (s.dir === 'src') === fromClient ? flow.src : flow.dst;
      const key = hostKey(side);
      if (!this.hosts.has(key) && this.hosts.size >= MAX_TAGGED_HOSTS) {
        const oldest = this.hosts.keys().next().value;
        if (oldest !== undefined) this.hosts.delete(oldest);
      }
      addMark(this.hosts, key, rule, s, sec);
    }
  }

  /** Counts the packet against the marks of its flow and hosts; true when one of them marks it. */
  packet(flow: FlowView, pkt: DecodedPacket): boolean {
    let marked = false;
    if (this.flows.size > 0) {
      const list = this.flows.get(flow.id);
      if (list && advance(list, pkt)) marked = true;
      if (list && list.length === 0) this.flows.delete(flow.id);
    }
    if (this.hosts.size > 0) {
      for (const words of [pkt.src, pkt.dst]) {
        const key = hostKey(words);
        const list = this.hosts.get(key);
        if (!list) continue;
        if (advance(list, pkt)) marked = true;
        if (list.length === 0) this.hosts.delete(key);
      }
    }
    return marked;
  }

  /** The flow's marks go with it. */
  endFlow(flowId: number): void {
    this.flows.delete(flowId);
  }
}

function hostKey(w: ArrayLike<number>): string {
  return `${w[0]}:${w[1]}:${w[2]}:${w[3]}`;
}

function addMark<K>(map: Map<K, Mark[]>, key: K, rule: Rule, s: TagSpec, sec: number): void {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  const same = list.find((m) => m.sid === rule.sid && m.gid === rule.gid);
  if (same) {
    // The rule fired again: its mark starts over (the alerting packet is skipped again only on a new mark).
    same.packets = 0;
    same.bytes = 0;
    same.firstSec = same.lastSec = sec;
    return;
  }
  if (list.length >= MAX_TAGS) return;
  list.push({
    sid: rule.sid,
    gid: rule.gid,
    metric: s.metric,
    count: s.count,
    packets: 0,
    bytes: 0,
    firstSec: sec,
    lastSec: sec,
    skippedFirst: false,
  });
}

/** Counts the packet against each mark, drops the expired ones; true when a live mark covers the packet. */
function advance(list: Mark[], pkt: DecodedPacket): boolean {
  let marked = false;
  const sec = Math.floor(pkt.tsUs / 1e6);
  for (let i = 0; i < list.length; i++) {
    const m = list[i];
    m.lastSec = sec;
    if (m.metric === 'packets') m.packets++;
    else if (m.metric === 'bytes') m.bytes += pkt.frameLen;
    if (!m.skippedFirst) {
      m.skippedFirst = true;
      continue;
    }
    const used = m.metric === 'packets' ? m.packets : m.metric === 'bytes' ? m.bytes : m.lastSec - m.firstSec;
    if (used > m.count) {
      list.splice(i--, 1);
      continue;
    }
    marked = true;
  }
  return marked;
}
