/**
 * Stream inspection for `tcp-stream` rules: each direction's reassembled bytes are kept (bounded) with the holes
 * between them, and the rules run over every contiguous run when the flow ends — Suricata's "stream (flow
 * timeout)" inspection. A rule alerts at most once per flow direction; a match never spans a hole. The alert's
 * payload is the inspected stream with each hole written as "[N bytes missing]", as Suricata writes it.
 *
 * Plain `tcp` content rules can also be given the stream (opt-in, `plainTcp`): Suricata inspects them on packets
 * and on the stream, so a pattern split across segments still matches. A rule that already alerted on a packet
 * of that direction is not run again on its stream. It is opt-in because it keeps every TCP flow's first
 * STREAM_WINDOW bytes per direction until the flow ends.
 *
 * App-layer rules with raw content (`alert http … content:"GET /"`, no sticky buffer) are Suricata's raw stream
 * inspection limited to the flow's protocol. moat runs them on packets once the protocol is known; when it becomes
 * known only at the flow's end (the peer never acknowledged the data — a one-sided capture with
 * stream.async-oneside=false, or a session cut before the ACK), Suricata's flow-end pseudo packets inspect the
 * stream with the protocol then known. With the same opt-in, such flows' bytes are kept while no packet of the flow
 * has seen its protocol, and those rules run over them at the end (alerts without a packet).
 */
import type { FlowView } from '../flow/index.js';
import type { Rule } from './rule.js';
import type { RuleMatcher } from './rule-matcher.js';
import { matchBuffer } from './buffer-match.js';
import { endpointsMatch, flowOptionsMatch, protoMatches } from './header-match.js';

/** Bytes kept per flow direction (Suricata inspects a bounded window of the stream too). */
export const STREAM_WINDOW = 64 * 1024;

interface Run {
  data: Buffer[];
  len: number;
  /** Bytes missing before this run. */
  gapBefore: number;
}

interface Side {
  runs: Run[];
  bytes: number;
}

export interface StreamHit {
  rule: Rule;
  dir: number;
  /** The inspected stream of that direction, holes written in. */
  payload: Buffer;
}

export class StreamInspector {
  private readonly rules: Rule[];
  /** App-layer raw-content rules, run at flow end on flows whose protocol came late (see above). */
  private readonly lateRules: Rule[];
  private readonly flows = new Map<number, [Side | undefined, Side | undefined]>();
  /** Flows a packet of which was inspected with the app protocol known: their packets stood for the stream. */
  private readonly appOnPacket = new Set<number>();

  /** Rules (by identity) that alerted on a packet, per flow and direction. */
  private readonly packetHits = new Map<number, [Set<Rule>, Set<Rule>]>();

  constructor(
    private readonly engine: RuleMatcher,
    plainTcp = false,
  ) {
    this.rules = engine.rules.filter(
      (r) => r.buffers.has('payload') && (r.proto === 'tcp-stream' || (plainTcp && isStreamableTcp(r))),
    );
    this.lateRules = plainTcp ? engine.rules.filter(isRawAppRule) : [];
  }

  /**
   * A packet of the flow is being inspected: once its protocol is known there, app-layer raw-content rules see the
   * packets, and bytes kept for them alone are let go.
   */
  packetSeen(flow: FlowView): void {
    if (this.lateRules.length === 0 || flow.appProto === 'unknown' || this.appOnPacket.has(flow.id)) return;
    this.appOnPacket.add(flow.id);
    if (this.rules.length === 0) this.flows.delete(flow.id);
  }

  /** A packet alert of a plain tcp rule: its stream is not inspected again for that rule. */
  packetHit(flowId: number, dir: number, rule: Rule): void {
    if (rule.proto !== 'tcp') return;
    let h = this.packetHits.get(flowId);
    if (!h) this.packetHits.set(flowId, (h = [new Set(), new Set()]));
    h[dir].add(rule);
  }

  get active(): boolean {
    return this.rules.length > 0 || this.lateRules.length > 0;
  }

  /** Whether the flow's bytes are kept: for stream rules, or for app-layer rules while its protocol is late. */
  private keeps(flowId: number): boolean {
    return this.rules.length > 0 || !this.appOnPacket.has(flowId);
  }

  private side(flowId: number, dir: number): Side {
    let f = this.flows.get(flowId);
    if (!f) this.flows.set(flowId, (f = [undefined, undefined]));
    return (f[dir] ??= { runs: [], bytes: 0 });
  }

  data(flow: FlowView, dir: number, data: Buffer): void {
    if (!this.keeps(flow.id)) return;
    const s = this.side(flow.id, dir);
    const room = STREAM_WINDOW - s.bytes;
    if (room <= 0 || data.length === 0) return;
    const part = Buffer.from(data.subarray(0, Math.min(room, data.length)));
    let run = s.runs[s.runs.length - 1];
    if (!run) s.runs.push((run = { data: [], len: 0, gapBefore: 0 }));
    run.data.push(part);
    run.len += part.length;
    s.bytes += part.length;
  }

  gap(flow: FlowView, dir: number, len: number): void {
    if (!this.keeps(flow.id)) return;
    const s = this.side(flow.id, dir);
    if (s.bytes >= STREAM_WINDOW) return;
    const last = s.runs[s.runs.length - 1];
    // Consecutive holes (or one before any data) add up in front of the next run.
    if (last && last.len === 0) last.gapBefore += len;
    else s.runs.push({ data: [], len: 0, gapBefore: len });
  }

  /** Runs the stream rules over the flow's kept bytes and forgets them. */
  end(flow: FlowView, tsUs: number): StreamHit[] {
    const f = this.flows.get(flow.id);
    const seen = this.packetHits.get(flow.id);
    const late = !this.appOnPacket.delete(flow.id) && flow.appProto !== 'unknown' ? this.lateRules : [];
    this.flows.delete(flow.id);
    this.packetHits.delete(flow.id);
    if (!f) return [];
    const hits: StreamHit[] = [];
    for (const dir of [0, 1]) {
      const s = f[dir];
      if (!s || s.bytes === 0) continue;
      const runs = s.runs
        .filter((r) => r.len > 0)
        .map((r) => ({ buf: Buffer.concat(r.data), gap: r.gapBefore }));
      let payload: Buffer | undefined;
      for (const r of late.length > 0 ? [...this.rules, ...late] : this.rules) {
        if (seen?.[dir].has(r) && !alsoPackets(r)) continue;
        if (!protoMatches(r, flow) || endpointsMatch(r, flow, dir) < 0 || !flowOptionsMatch(r, flow, dir))
          continue;
        const ms = r.buffers.get('payload')!;
        if (!runs.some((run) => matchBuffer(ms, run.buf))) continue;
        if (!this.engine.finish(r, flow, dir, tsUs)) continue;
        payload ??= render(s.runs);
        hits.push({ rule: r, dir, payload });
      }
    }
    return hits;
  }
}

/** Rule protocols that name no app-layer protocol. */
const NOT_APP = new Set([
  'ip',
  'ipv4',
  'ipv6',
  'pkthdr',
  'tcp',
  'udp',
  'icmp',
  'icmpv6',
  'sctp',
  'tcp-pkt',
  'tcp-stream',
]);

/** An app-layer rule whose only buffer is the raw payload, with no packet-only test: Suricata's raw stream match. */
function isRawAppRule(r: Rule): boolean {
  return !NOT_APP.has(r.proto) && !r.flow.noStream && r.buffers.has('payload') && streamable(r);
}

/** A plain tcp rule with only payload matches and no packet-only test (flags, dsize, ttl …) fits a stream. */
function isStreamableTcp(r: Rule): boolean {
  return r.proto === 'tcp' && streamable(r);
}

function streamable(r: Rule): boolean {
  return (
    r.buffers.size === 1 &&
    !r.flags &&
    !r.dsize &&
    !r.ttl &&
    !r.itype &&
    !r.icode &&
    !r.ipProto &&
    !r.tcpMss &&
    !r.vlanLayers &&
    !r.vlanId &&
    !r.fieldTests &&
    !r.fragbits &&
    !r.sameIp &&
    !r.checksums
  );
}

/**
 * A tcp rule Suricata inspects on packets as well as on the stream: one with a content anchored by offset or depth,
 * or with stream_size (its SIG_FLAG_REQUIRE_PACKET). Its packet alert does not stand for its stream match — the
 * stream is inspected again and may alert again. Other tcp rules match the stream alone (a packet match here stands
 * in for it).
 */
function alsoPackets(r: Rule): boolean {
  if (r.proto !== 'tcp' || r.flow.onlyStream) return false;
  if (r.streamSize) return true;
  const ms = r.buffers.get('payload') ?? [];
  return ms.some(
    (m) => m.kind === 'content' && (m.offset !== undefined || m.depth !== undefined || m.startsWith),
  );
}

/** The stream as Suricata prints it in an alert: data with "[N bytes missing]" for each hole between runs. */
export function render(runs: readonly Run[]): Buffer {
  const parts: Buffer[] = [];
  let started = false;
  for (const r of runs) {
    if (r.gapBefore > 0 && started) parts.push(Buffer.from(`[${r.gapBefore} bytes missing]`));
    if (r.len > 0) {
      parts.push(...r.data);
      started = true;
    }
  }
  return Buffer.concat(parts);
}
