/**
 * Rules with app-layer-event. Suricata keeps a parser's events on the transaction they concern and inspects them
 * with it; moat's parsers hand an event on as an anomaly record just before the transaction's record (DNS, HTTP,
 * TLS, QUIC). So the events of a flow are kept until its next transaction record, and the event rules are
 * evaluated on that record: its direction, its metadata in the alert. Events with no transaction after them
 * (a message too damaged to make one) fire nothing — as in Suricata, where such a rule has no transaction either.
 */
import type { FlowView } from '../flow/index.js';
import type { AppRecord } from '../proto/index.js';
import type { Rule } from './rule.js';
import { matchBuffer } from './buffer-match.js';
import { RecordBuffers } from './app-buffers.js';
import { endpointsMatch, flowOptionsMatch, protoMatches } from './header-match.js';
import { appEventKey } from './keywords/events.js';

/** Events kept per flow until a transaction record (a flood of them before any record keeps the first ones). */
const MAX_PENDING = 16;

/** A flow's events since its last transaction record, and whether the flow was established when they came. */
interface Pending {
  keys: string[];
  established: boolean;
}

/**
 * flow: conditions for an event: direction from the transaction, `established` as the flow was when the event
 * came (the transaction record may come with the connection's close).
 */
function flowOk(r: Rule, flow: FlowView, d: number, established: boolean): boolean {
  const o = r.flow;
  if (o.toServer && d !== 0) return false;
  if (o.toClient && d !== 1) return false;
  if (o.established && !established) return false;
  if (o.notEstablished && established) return false;
  if (!r.flowCounts && r.appProtos.length === 0) return true;
  return flowOptionsMatch({ ...r, flow: { ...o, established: false, notEstablished: false } }, flow, d);
}

export class EventRules {
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly rules: readonly Rule[],
    private readonly idx: readonly number[],
  ) {}

  onAnomaly(flow: FlowView, event: string): void {
    const p = this.pending.get(flow.id);
    if (!p)
      this.pending.set(flow.id, { keys: [appEventKey(event)], established: flow.state === 'established' });
    else if (p.keys.length < MAX_PENDING) p.keys.push(appEventKey(event));
  }

  /** The event rules all of whose events were raised before this record; `finish` applies iprep, bits, thresholds. */
  onRecord(
    flow: FlowView,
    record: AppRecord,
    tsUs: number,
    finish: (r: Rule, flow: FlowView, dir: number, tsUs: number) => boolean,
  ): Array<{ rule: Rule; dir: number }> | undefined {
    const p = this.pending.get(flow.id);
    if (!p) return undefined;
    const ev = p.keys;
    this.pending.delete(flow.id);
    let out: Array<{ rule: Rule; dir: number }> | undefined;
    let bufs: RecordBuffers | undefined;
    for (const ri of this.idx) {
      const r = this.rules[ri];
      if (!(r.appEvents ?? []).every((e) => ev.includes(e))) continue;
      if (!protoMatches(r, flow) && !(r.proto === 'tcp' || r.proto === 'udp' || r.proto === 'ip')) continue;
      // A DNS message carries its direction; a transaction's events go with the side the rule names.
      const d = record.type === 'dns' ? (record.dns.isResponse ? 1 : 0) : r.flow.toClient ? 1 : 0;
      if (endpointsMatch(r, flow, d) < 0 || !flowOk(r, flow, d, p.established)) continue;
      let ok = true;
      for (const [b, ms] of r.buffers) {
        const v = b === 'payload' ? undefined : (bufs ??= new RecordBuffers(record)).get(b);
        if (!v || !(Buffer.isBuffer(v) ? matchBuffer(ms, v) : v.some((x) => matchBuffer(ms, x)))) {
          ok = false;
          break;
        }
      }
      if (!ok || !finish(r, flow, d, tsUs)) continue;
      (out ??= []).push({ rule: r, dir: d });
    }
    return out;
  }

  endFlow(flowId: number): void {
    this.pending.delete(flowId);
  }
}
