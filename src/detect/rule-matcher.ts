/**
 * The rule engine (A-31, A-32): rules compiled once into groups — packet rules by transport, direction and port,
 * app-layer rules by sticky buffer — each with a multi-pattern prefilter over its rules' fast patterns, so only
 * rules whose pattern occurs are fully evaluated, plus a short list of rules without one. The per-packet path
 * allocates nothing unless a rule matches. Ciphertext is never content-matched: payload rules skip TLS flows once
 * the handshake is over.
 */
import type { DecodedPacket } from '../decode/index.js';
import { formatIp } from '../address/index.js';
import type { FlowView } from '../flow/index.js';
import type { AppRecord, DnsMessage } from '../proto/index.js';
import type { BufferName, ContentMatch, NumberTest, RateFilterAction, Rule } from './rule.js';
import { addressMatches } from './parse/address.js';
import type { PortSet } from './parse/ports.js';
import { LiteralScanner } from './literal-scan.js';
import { matchBuffer } from './buffer-match.js';
import { bufferProto, RecordBuffers, type AppBuffer } from './app-buffers.js';
import {
  endpointsMatch,
  flowOptionsMatch,
  packetTestsMatch,
  protoMatches,
  type FlowProtos,
} from './header-match.js';
import { DetectState } from './detect-state.js';
import { DatasetStore } from './datasets.js';
import { EventRules } from './event-rules.js';
import { DecodeEventRules } from './decode-event-rules.js';
import { testNumber } from './keywords/header.js';
import { GUESSED_PROTOS } from './proto-guess.js';
import { RuleFlows } from './flow-tables.js';

/** dns.rrtype: Suricata tests a request's question types and a response's answer types. */
function rrtypeMatches(t: NumberTest, m: DnsMessage): boolean {
  const rrs = m.isResponse ? m.answers : m.questions;
  for (const rr of rrs) if (testNumber(t, rr.type)) return true;
  return false;
}

/** ip.src / ip.dst: a packet's addresses, tested by datasets on packets (not on transactions). */
function isAddressBuffer(b: BufferName): boolean {
  return b === 'ip.src' || b === 'ip.dst';
}

function isMulti(v: AppBuffer | undefined): v is readonly Buffer[] {
  return Array.isArray(v);
}

/** A rule's place in Suricata's order: 0 only sets state, 1 sets and reads, 2 neither, 3 only reads. */
function stateRank(r: Rule): number {
  let sets = false;
  let reads = false;
  for (const f of r.flowbits) {
    if (f.op === 'isset' || f.op === 'isnotset') reads = true;
    else if (f.op !== 'noalert') sets = true;
  }
  for (const f of r.flowint ?? []) {
    if (f.op === '=' || f.op === '+' || f.op === '-') sets = true;
    else reads = true;
  }
  for (const x of r.xbits ?? []) {
    if (x.op === 'isset' || x.op === 'isnotset') reads = true;
    else sets = true;
  }
  return sets ? (reads ? 1 : 0) : reads ? 3 : 2;
}

export interface RuleMatch {
  rule: Rule;
  /** 0: the packet/record goes client → server. */
  dir: number;
}

interface Group {
  /**
   * A candidate needs every one of its literals seen (all of a rule's positive contents must occur for it to match),
   * but only one of them — its key, the literal fewest of the group's rules share — triggers the check: literals
   * many rules share (ET's |16 03 01|, "HTTP/1.1") then cost a bit set per scan, not a walk over their rules. For
   * pattern id p, keyRule[keyStart[p] … keyStart[p+1]) are the rules (engine-wide indexes) keyed on it, and entry k's
   * other literals are keyOther[otherStart[k] … otherStart[k+1]).
   */
  keyStart: Int32Array;
  keyRule: Int32Array;
  otherStart: Int32Array;
  keyOther: Int32Array;
  /** The generation (scan) in which each pattern was last seen. */
  litGen: Uint32Array;
  /**
   * Built when the group first sees traffic: groups for ports and protocols a network never uses cost nothing.
   * Until then `patterns` holds its literals.
   */
  ac: LiteralScanner | undefined;
  patterns: Uint8Array[] | undefined;
  /** Number of prefilter patterns. */
  size: number;
  /** Rules without a usable fast pattern: always evaluated. */
  always: Int32Array;
  /** Every rule of the group (engine-wide indexes), to build the port-pair groups from. */
  members: Int32Array;
  /**
   * Packet groups only: the group cut to the rules whose protocol can accept a flow of one detected protocol and
   * one recognized protocol (proto-guess.ts), by those two names, built on first use. A TLS flow's handshake
   * packets were scanned for ~300 `alert http` payload rules that can never match it.
   */
  variants?: Map<string, Map<string, Group>>;
}

/** Variant groups kept engine-wide; past this, packets scan the whole group. */
const MAX_VARIANTS = 256;

/**
 * Can a rule of this protocol match on a flow whose detected protocol is `app` and recognized one `guessed`? The
 * same decision as protoMatches and GUESSED_PROTOS make at evaluation, for the parts a flow's protocols decide;
 * transport and IP version are left to evaluation (the groups are per transport already).
 */
function protoCan(p: string, app: string, guessed: string): boolean {
  switch (p) {
    case 'ip':
    case 'ipv4':
    case 'ipv6':
    case 'pkthdr':
    case 'tcp-pkt':
    case 'tcp-stream':
    case 'tcp':
    case 'udp':
    case 'icmp':
    case 'icmpv6':
    case 'sctp':
      return true;
    case 'http1':
      return app === 'http';
    case 'http2':
      return app === 'http2' || app === 'doh2';
    default:
      return p === app || (GUESSED_PROTOS.has(p) && p === guessed);
  }
}

/**
 * Packet rules of one transport and direction, split as Suricata's port groups: rules naming a few destination
 * ports live in that port's group, rules naming a few source ports in the source port's group, the rest in `any`.
 * A packet scans at most three small automata instead of one holding every rule.
 */
interface PortGroups {
  any: Group;
  dst: Map<number, Group>;
  src: Map<number, Group>;
  /**
   * `any` together with a port's groups, one automaton per (destination, source) port pair that has a group
   * (key: (dst + 1) × 65537 + (src + 1), 0 for a side without one), built on first use: a packet to or from a
   * grouped port is scanned once, not once per group — HTTP responses from port 80 were scanned twice over.
   */
  pairs: Map<number, Group>;
}

/** Port-pair groups kept per transport and direction; past this, packets fall back to one scan per group. */
const MAX_PORT_PAIRS = 64;

/** Port lists longer than this are treated as `any` for grouping (each port would copy the rule's pattern). */
const MAX_GROUP_PORTS = 32;

export interface RuleMatcherOptions {
  /** IP reputation: score of an address in a category (iprep), undefined when not listed. */
  iprep?: (ip: string, category: string) => number | undefined;
  /** Directory dataset `load` paths are relative to. */
  datasetDir?: string;
  /**
   * false: no prefilter and no port grouping — every rule is evaluated on everything (the reference the
   * prefilter is tested against; far slower).
   */
  prefilter?: boolean;
}

/** The rule's fast pattern in a buffer: the one marked fast_pattern, else the longest positive content. */
function fastPattern(rule: Rule, buf: BufferName): ContentMatch | undefined {
  const ms = rule.buffers.get(buf);
  if (!ms) return undefined;
  let best: ContentMatch | undefined;
  for (const m of ms) {
    if (m.kind !== 'content' || m.negated) continue;
    if (m.fastPattern) return m;
    // The first of the longest.
    if (!best || m.bytes.length > best.bytes.length) best = m;
  }
  return best;
}

/** The explicit ports of a plain port list (no negation, not any, few enough), else undefined. */
function portList(set: PortSet): number[] | undefined {
  if (set.any || set.negative.length > 0 || set.positive.length === 0) return undefined;
  const out: number[] = [];
  for (const item of set.positive) {
    if (!Array.isArray(item)) return undefined;
    if (item[1] - item[0] + out.length >= MAX_GROUP_PORTS) return undefined;
    for (let p = item[0]; p <= item[1]; p++) out.push(p);
  }
  return out;
}

/** Literals per rule the prefilter requires (the fast pattern and the longest others). */
const MAX_LITERALS = 6;

/**
 * The literals the prefilter looks for: the fast pattern first, then the rule's other positive contents of the
 * buffer, longest first. Every positive content must occur somewhere in the buffer for the rule to match, so a
 * rule becomes a candidate only when all of its listed literals were seen — a rule whose fast pattern is common
 * ("HTTP/1.1") is not evaluated on every packet that has it.
 */
function literals(rule: Rule, buf: BufferName, prefilter: boolean): readonly Uint8Array[] {
  // A buffer that may be absent cannot be required: the rule is evaluated whatever the scan finds.
  if (!prefilter || rule.absent?.has(buf)) return NO_LITERALS;
  // A packet rule sits in several groups (both directions, several ports, port pairs built later): its literals
  // are worked out once and kept (only the list: ~3 MB less over ET Open than keeping their keys too).
  if (buf !== 'payload') return computeLiterals(rule, buf);
  let lits = payloadLiterals.get(rule);
  if (lits === undefined) payloadLiterals.set(rule, (lits = computeLiterals(rule, buf)));
  return lits;
}

const NO_LITERALS: readonly Uint8Array[] = [];

const payloadLiterals = new WeakMap<Rule, readonly Uint8Array[]>();

/**
 * A literal as a prefilter pattern key: its bytes as a latin1 string with ASCII case folded, as the scanner folds
 * (literals equal but for ASCII case are one pattern; other bytes stay apart).
 */
function foldedKey(b: Uint8Array): string {
  if (foldScratch.length < b.length) foldScratch = Buffer.allocUnsafe(b.length * 2);
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    foldScratch[i] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
  }
  return foldScratch.toString('latin1', 0, b.length);
}

let foldScratch = Buffer.allocUnsafe(256);

function computeLiterals(rule: Rule, buf: BufferName): Uint8Array[] {
  const fp = fastPattern(rule, buf);
  if (!fp) return [];
  let others: Uint8Array[] | undefined;
  for (const m of rule.buffers.get(buf)!)
    if (m.kind === 'content' && !m.negated && m !== fp && m.bytes.length > 0) (others ??= []).push(m.bytes);
  const out = [fp.bytes];
  if (!others) return out;
  // Longest first; the sort is stable, so equal lengths keep rule order.
  if (others.length > 1) others.sort((a, b) => b.length - a.length);
  for (const o of others) {
    if (out.length >= MAX_LITERALS) break;
    if (!out.some((x) => Buffer.compare(x, o) === 0)) out.push(o);
  }
  // Literals shorter than the scan's 4-byte filter (|00|, "|0d 0a|") occur in most payloads and make it walk its
  // trie at most positions; when the rule has a longer one they are left to evaluation.
  const long = out.filter((l) => l.length >= SHORT_LITERAL);
  return long.length > 0 ? long : out;
}

/** Literals shorter than this are required only when a rule has no longer one. */
const SHORT_LITERAL = 4;

function buildGroup(all: readonly Rule[], idx: readonly number[], buf: BufferName, prefilter = true): Group {
  const patterns: Uint8Array[] = [];
  const idOf = new Map<string, number>();
  /** How many of the group's rules use each pattern. */
  const users: number[] = [];
  const always: number[] = [];
  /** Per rule with literals: its index and pattern ids. */
  const withLits: Array<[number, number[]]> = [];
  for (const i of idx) {
    const lits = literals(all[i], buf, prefilter);
    if (lits.length === 0) {
      always.push(i);
      continue;
    }
    const ids: number[] = [];
    lits.forEach((l) => {
      const key = foldedKey(l);
      let id = idOf.get(key);
      if (id === undefined) {
        id = patterns.length;
        idOf.set(key, id);
        patterns.push(l);
        users.push(0);
      }
      // A literal listed twice (equal but for case) counts once.
      if (!ids.includes(id)) {
        ids.push(id);
        users[id]++;
      }
    });
    withLits.push([i, ids]);
  }
  // The key: the literal fewest rules share; the longer, then the earlier (the fast pattern), on a tie.
  const keyOf = withLits.map(([, ids]) => {
    let best = ids[0];
    for (const id of ids)
      if (
        users[id] < users[best] ||
        (users[id] === users[best] && patterns[id].length > patterns[best].length)
      )
        best = id;
    return best;
  });
  const keyStart = new Int32Array(patterns.length + 1);
  for (const k of keyOf) keyStart[k + 1]++;
  for (let p = 0; p < patterns.length; p++) keyStart[p + 1] += keyStart[p];
  const fill = keyStart.slice(0, patterns.length);
  const keyRule = new Int32Array(withLits.length);
  const slotOf = new Int32Array(withLits.length);
  withLits.forEach(([ri], j) => {
    const slot = fill[keyOf[j]]++;
    keyRule[slot] = ri;
    slotOf[j] = slot;
  });
  const otherStart = new Int32Array(withLits.length + 1);
  withLits.forEach(([, ids], j) => (otherStart[slotOf[j] + 1] = ids.length - 1));
  for (let k = 0; k < withLits.length; k++) otherStart[k + 1] += otherStart[k];
  const keyOther = new Int32Array(otherStart[withLits.length]);
  withLits.forEach(([, ids], j) => {
    let o = otherStart[slotOf[j]];
    for (const id of ids) if (id !== keyOf[j]) keyOther[o++] = id;
  });
  return {
    keyStart,
    keyRule,
    otherStart,
    keyOther,
    litGen: new Uint32Array(patterns.length),
    ac: undefined,
    patterns,
    size: patterns.length,
    always: Int32Array.from(always),
    members: Int32Array.from(idx),
  };
}

type Transport = 'tcp' | 'udp' | 'other';

/** Which transports a packet rule can see (ip-level rules see all). */
function transportsOf(r: Rule): Transport[] {
  // Stream-only rules look at reassembled bytes (stream-inspect.ts), never at single packets.
  if (r.proto === 'tcp-stream') return [];
  if (r.proto === 'udp' || r.proto === 'dns') return ['udp'];
  if (r.proto === 'icmp' || r.proto === 'icmpv6' || r.proto === 'sctp') return ['other'];
  if (r.proto === 'ip' || r.proto === 'ipv4' || r.proto === 'ipv6' || r.proto === 'pkthdr') {
    // ip_proto:N names the one transport the rule can see: an `ip_proto:41` rule without content was a candidate
    // on every TCP and UDP packet.
    const ipp = r.ipProto;
    if (ipp && !('test' in ipp) && !ipp.negated)
      return ipp.proto === 6 ? ['tcp'] : ipp.proto === 17 ? ['udp'] : ['other'];
    return ['tcp', 'udp', 'other'];
  }
  return ['tcp'];
}

interface PortGroupLists {
  any: number[];
  dst: Map<number, number[]>;
  src: Map<number, number[]>;
}

const emptyLists = (): PortGroupLists => ({ any: [], dst: new Map(), src: new Map() });

function addTo(m: Map<number, number[]>, port: number, ri: number): void {
  const l = m.get(port);
  if (l) l.push(ri);
  else m.set(port, [ri]);
}

export class RuleMatcher implements FlowProtos {
  readonly state = new DetectState();
  readonly datasets: DatasetStore;
  /** Packet rules per transport and packet direction (0: to server, 1: to client). */
  private readonly packetGroups: Record<Transport, [PortGroups, PortGroups]>;
  private readonly packetRuleCount: number;
  /** Whether any rule is protocol-detection-only (see Rule.pdOnly). */
  private readonly pdOnlyRules: boolean;
  /** App rules by their prefilter buffer. */
  private readonly appGroups = new Map<BufferName, Group>();
  /** The same per record type: a record visits only its protocol's groups. */
  private readonly appGroupsOf: Record<AppRecord['type'], Array<[BufferName, Group]>> = {
    tls: [],
    http: [],
    dns: [],
    quic: [],
    anomaly: [],
    frame: [],
  };
  private readonly mark: Uint32Array;
  private generation = 0;
  readonly ruleCount: number;
  /**
   * Per-flow state: stream_size's sequence numbers, the protocol recognized for rules naming one moat does not parse,
   * and whether the TLS handshake is over (the payload is ciphertext then, and is not content-matched: A-32).
   */
  private readonly flows: RuleFlows;
  /** Whether the rule set has rules of the protocols recognized here (see proto-guess.ts). */
  private readonly guessing: boolean;
  /** Prefilter state of the scan in progress (a field, so the hit callback is created once, not per packet). */
  private curGroup: Group | undefined;
  /**
   * Candidates cand[0 … nCand) and key hits keyHits[0 … nKeyHits): counted, never truncated, because setting an
   * array's length to 0 frees its elements, and the next pushes allocated them again (per packet).
   */
  private readonly cand: number[] = [];
  private nCand = 0;
  /** Key patterns seen in the scan in progress, checked for candidates once the buffer is done. */
  private readonly keyHits: number[] = [];
  private nKeyHits = 0;
  private readonly onHit = (pid: number): void => {
    const g = this.curGroup!;
    if (g.litGen[pid] === this.generation) return;
    g.litGen[pid] = this.generation;
    if (g.keyStart[pid] !== g.keyStart[pid + 1]) this.keyHits[this.nKeyHits++] = pid;
  };
  /** app-layer-event rules, evaluated on the transaction after the events (undefined: none loaded). */
  private readonly events: EventRules | undefined;
  /** decode-event rules, evaluated on packets that carry decoder events (undefined: none loaded). */
  private readonly decodeEvents: DecodeEventRules | undefined;
  /** Every group, for resetting their generations when the counter wraps. */
  private readonly allGroups: Group[] = [];

  /** The rules, each followed by its client-certificate twin when it has one. */
  readonly rules: readonly Rule[];
  /** Flows a `bypass` rule matched on: no longer inspected (undefined: no rule bypasses). */
  private readonly bypassed: Set<number> | undefined;

  constructor(
    loaded: readonly Rule[],
    private readonly opts: RuleMatcherOptions = {},
  ) {
    this.ruleCount = loaded.length;
    const rules = loaded.some((r) => r.clientCertTwin)
      ? loaded.flatMap((r) => (r.clientCertTwin ? [r, r.clientCertTwin] : [r]))
      : loaded;
    this.rules = rules;
    this.flows = new RuleFlows(rules.some((r) => r.streamSize));
    this.guessing = rules.some(
      (r) =>
        GUESSED_PROTOS.has(r.proto) || r.appProtos.some((a) => a.dir !== undefined || a.guessed === true),
    );
    if (rules.some((r) => r.bypass)) this.bypassed = new Set();
    if (rules.some((r) => r.flowbits.length > 0 || r.flowint || r.xbits))
      this.rank = Uint8Array.from(rules, stateRank);
    this.datasets = new DatasetStore(opts.datasetDir);
    const pkt: Record<Transport, [PortGroupLists, PortGroupLists]> = {
      tcp: [emptyLists(), emptyLists()],
      udp: [emptyLists(), emptyLists()],
      other: [emptyLists(), emptyLists()],
    };
    let packetRules = 0;
    const app = new Map<BufferName, number[]>();
    const eventRules: number[] = [];
    const decodeRules: number[] = [];
    rules.forEach((r, ri) => {
      for (const d of r.datasets) this.datasets.prepare(d);
      if (r.decodeEvents) {
        decodeRules.push(ri);
        return;
      }
      if (r.appEvents) {
        eventRules.push(ri);
        return;
      }
      const appBufs = [...r.buffers.keys()].filter((b) => b !== 'payload');
      const isApp =
        appBufs.length > 0 ||
        r.tlsVersion !== undefined ||
        r.dnsRrtype !== undefined ||
        r.absent !== undefined ||
        r.datasets.some((d) => d.buffer !== 'payload' && !isAddressBuffer(d.buffer));
      if (isApp) {
        // Prefilter on the buffer with the longest fast pattern; rules with none go to their protocol's first buffer.
        const best = appBufs
          .filter((b) => !r.absent?.has(b))
          .map((b) => [b, fastPattern(r, b)?.bytes.length ?? 0] as const)
          .sort((a, b) => b[1] - a[1])[0]?.[0];
        const key: BufferName =
          best ??
          (r.tlsVersion
            ? 'tls.sni'
            : r.dnsRrtype
              ? 'dns.queries.rrname'
              : (r.absent?.keys().next().value ?? r.datasets[0]?.buffer ?? 'tls.sni'));
        const list = app.get(key) ?? [];
        list.push(ri);
        app.set(key, list);
        return;
      }
      packetRules++;
      const grouped = opts.prefilter !== false;
      const dirs = r.flow.toServer && grouped ? [0] : r.flow.toClient && grouped ? [1] : [0, 1];
      // Port groups key on the packet's ports: `<>` and `=>` rules compare them either way round.
      const anyWay = r.bidirectional || r.txBothDir === true || !grouped;
      const dstPorts = anyWay ? undefined : portList(r.dstPorts);
      const srcPorts = anyWay || dstPorts ? undefined : portList(r.srcPorts);
      for (const t of transportsOf(r)) {
        for (const d of dirs) {
          const g = pkt[t][d];
          if (t !== 'other' && dstPorts) for (const p of dstPorts) addTo(g.dst, p, ri);
          else if (t !== 'other' && srcPorts) for (const p of srcPorts) addTo(g.src, p, ri);
          else g.any.push(ri);
        }
      }
    });
    this.packetRuleCount = packetRules;
    this.pdOnlyRules = rules.some((r) => r.pdOnly === true);
    this.events = eventRules.length > 0 ? new EventRules(rules, eventRules) : undefined;
    this.decodeEvents = decodeRules.length > 0 ? new DecodeEventRules(rules, decodeRules) : undefined;
    const build = (l: PortGroupLists): PortGroups => ({
      pairs: new Map(),
      any: buildGroup(rules, l.any, 'payload', opts.prefilter !== false),
      dst: new Map(
        [...l.dst].map(([p, idx]) => [p, buildGroup(rules, idx, 'payload', opts.prefilter !== false)]),
      ),
      src: new Map(
        [...l.src].map(([p, idx]) => [p, buildGroup(rules, idx, 'payload', opts.prefilter !== false)]),
      ),
    });
    this.packetGroups = {
      tcp: [build(pkt.tcp[0]), build(pkt.tcp[1])],
      udp: [build(pkt.udp[0]), build(pkt.udp[1])],
      other: [build(pkt.other[0]), build(pkt.other[1])],
    };
    for (const [b, idx] of app) {
      const g = buildGroup(rules, idx, b, opts.prefilter !== false);
      this.appGroups.set(b, g);
      const proto = bufferProto(b);
      if (proto) this.appGroupsOf[proto].push([b, g]);
    }
    this.mark = new Uint32Array(Math.max(rules.length, 1));
    for (const t of ['tcp', 'udp', 'other'] as const)
      for (const pg of this.packetGroups[t])
        this.allGroups.push(pg.any, ...pg.dst.values(), ...pg.src.values());
    this.allGroups.push(...this.appGroups.values());
  }

  /**
   * Evaluation order within one packet or record when rules keep state: as Suricata orders signatures, rules that
   * only set flowbits/flowint/xbits come first, then those that set and read, then the rest, then those that only
   * read — so a bit set by one rule is seen by another on the same packet. File order breaks ties.
   */
  private readonly rank: Uint8Array | undefined;

  /** Orders cand[0 … n). */
  private orderCandidates(n: number): void {
    const c = this.cand;
    const rank = this.rank;
    // Without state-keeping rules, file order — the order evaluating every rule gives, whatever order the
    // prefilter found them in. A packet has a few candidates: an insertion sort in place allocates nothing, where
    // Array.prototype.sort's merge buffer and comparator were ~60 MB of garbage over big.pcap with ET Open.
    if (n > 32) {
      const part = c.slice(0, n);
      if (rank) part.sort((a, b) => rank[a] - rank[b] || a - b);
      else part.sort((a, b) => a - b);
      for (let i = 0; i < n; i++) c[i] = part[i];
      return;
    }
    for (let i = 1; i < n; i++) {
      const x = c[i];
      const rx = rank ? rank[x] : 0;
      let j = i - 1;
      while (j >= 0 && (rank ? rank[c[j]] > rx || (rank[c[j]] === rx && c[j] > x) : c[j] > x)) {
        c[j + 1] = c[j];
        j--;
      }
      c[j + 1] = x;
    }
  }

  /**
   * Scans one buffer (or one instance of a multi-buffer) with a group's prefilter; `gather` then adds the group's
   * candidates to `cand`.
   */
  private scan(g: Group, buf: Uint8Array | undefined, off: number, len: number): void {
    if (!buf || len <= 0 || g.size === 0) return;
    this.curGroup = g;
    const ac = (g.ac ??= new LiteralScanner(g.patterns ?? []));
    g.patterns = undefined;
    ac.scan(buf, off, len, this.onHit, true);
  }

  /** Adds to `cand` the group's rules whose literals were all seen, then its always-list (each rule once). */
  private gather(g: Group): void {
    const gen = this.generation;
    const mark = this.mark;
    const hits = this.keyHits;
    const nHits = this.nKeyHits;
    if (nHits > 0) {
      const { keyStart, keyRule, otherStart, keyOther, litGen } = g;
      for (let h = 0; h < nHits; h++) {
        const pid = hits[h];
        for (let k = keyStart[pid], end = keyStart[pid + 1]; k < end; k++) {
          const ri = keyRule[k];
          if (mark[ri] === gen) continue;
          let all = true;
          for (let o = otherStart[k], oEnd = otherStart[k + 1]; o < oEnd; o++) {
            if (litGen[keyOther[o]] !== gen) {
              all = false;
              break;
            }
          }
          if (!all) continue;
          mark[ri] = gen;
          this.cand[this.nCand++] = ri;
        }
      }
      this.nKeyHits = 0;
    }
    const always = g.always;
    for (let i = 0; i < always.length; i++) {
      const ri = always[i];
      if (mark[ri] !== gen) {
        mark[ri] = gen;
        this.cand[this.nCand++] = ri;
      }
    }
  }

  /** Adds a group's candidates for one buffer to `cand`. */
  private collect(g: Group | undefined, buf: Uint8Array | undefined, off: number, len: number): void {
    if (!g) return;
    this.scan(g, buf, off, len);
    this.gather(g);
  }

  private nextGeneration(): void {
    this.nCand = 0;
    if (++this.generation === 0xffffffff) {
      this.mark.fill(0);
      for (const g of this.allGroups) g.litGen.fill(0);
      this.generation = 1;
    }
  }

  /**
   * Per TCP flow, each direction's initial and next sequence numbers ([isn0, next0, isn1, next1]), kept only when a
   * rule uses stream_size: Suricata's stream size is next_seq − isn (the SYN counts one).
   */
  private trackSeq(slot: number, dir: number, pkt: DecodedPacket): void {
    const i = 4 * slot + dir * 2;
    const s = this.flows.seqs!;
    const syn = (pkt.tcpFlags & 0x02) !== 0;
    const fin = (pkt.tcpFlags & 0x01) !== 0;
    // Picked up midstream, the stream starts just before the first byte seen (as Suricata's midstream does).
    if (Number.isNaN(s[i])) s[i] = syn ? pkt.tcpSeq : (pkt.tcpSeq - 1) >>> 0;
    const next = (pkt.tcpSeq + pkt.payloadLen + (syn ? 1 : 0) + (fin ? 1 : 0)) >>> 0;
    // Later in sequence space (mod 2^32) than what is known: the stream grew; retransmissions do not count twice.
    if (Number.isNaN(s[i + 1]) || ((next - s[i + 1]) | 0) > 0) s[i + 1] = next;
  }

  /** stream_size on this flow now. */
  private streamSizeMatches(r: Rule, flow: FlowView): boolean {
    const ss = r.streamSize!;
    const slot = this.flows.find(flow.id);
    const s = this.flows.seqs;
    if (flow.proto !== 6 || slot < 0 || !s) return false;
    const at = 4 * slot;
    const size = (d: number): number | undefined =>
      Number.isNaN(s[at + d * 2]) ? undefined : (s[at + d * 2 + 1] - s[at + d * 2]) >>> 0;
    const ok = (d: number): boolean => {
      const v = size(d);
      return v !== undefined && testNumber(ss.test, v);
    };
    switch (ss.side) {
      case 'client':
        return ok(0);
      case 'server':
        return ok(1);
      case 'both':
        return ok(0) && ok(1);
      case 'either':
        return ok(0) || ok(1);
    }
  }

  /** The rule's protocol accepts the flow: the detected one, or for smb/ftp/smtp/ssh the recognized one. */
  private protoOk(r: Rule, flow: FlowView): boolean {
    if (protoMatches(r, flow)) return true;
    return GUESSED_PROTOS.has(r.proto) && this.flows.recognized(flow.id) === r.proto;
  }

  /** The group of `any` and a port pair's groups, made once per pair (undefined past MAX_PORT_PAIRS). */
  private pairGroup(
    pg: PortGroups,
    key: number,
    dg: Group | undefined,
    sg: Group | undefined,
  ): Group | undefined {
    if (pg.pairs.size >= MAX_PORT_PAIRS) return undefined;
    const idx = [...pg.any.members, ...(dg?.members ?? []), ...(sg?.members ?? [])];
    const g = buildGroup(this.rules, idx, 'payload');
    pg.pairs.set(key, g);
    this.allGroups.push(g);
    return g;
  }

  private variants = 0;

  /** The group's variant for this flow's protocols (the group itself past MAX_VARIANTS). */
  private protoVariant(g: Group, flow: FlowView, slot: number): Group {
    const app = flow.appProto;
    const guessed = this.guessing ? this.flows.recognizedAt(slot) : '';
    const byApp = (g.variants ??= new Map());
    let byGuess = byApp.get(app);
    if (!byGuess) byApp.set(app, (byGuess = new Map()));
    let v = byGuess.get(guessed);
    if (v) return v;
    if (this.variants >= MAX_VARIANTS) return g;
    const idx: number[] = [];
    for (const ri of g.members) if (protoCan(this.rules[ri].proto, app, guessed)) idx.push(ri);
    v = buildGroup(this.rules, idx, 'payload');
    byGuess.set(guessed, v);
    this.variants++;
    this.allGroups.push(v);
    return v;
  }

  /** Payload and header rules on one packet of a flow, and decode-event rules when it carries events. */
  onPacket(flow: FlowView, dir: number, pkt: DecodedPacket): RuleMatch[] | undefined {
    if (this.bypassed?.has(flow.id)) return undefined;
    const hits = this.packetRules(flow, dir, pkt);
    if (pkt.eventCount === 0 || !this.decodeEvents) return hits;
    const ev = this.decodeEvents.onFlowPacket(flow, dir, pkt, (r, f, d, t) => this.finish(r, f, d, t));
    return ev ? (hits ? [...hits, ...ev] : ev) : hits;
  }

  /**
   * decode-event rules on a packet with decoder events that reaches no flow (see decode-event-rules.ts); the
   * threshold is tracked by the packet's addresses.
   */
  onFlowlessPacket(pkt: DecodedPacket): RuleMatch[] | undefined {
    if (!this.decodeEvents || pkt.eventCount === 0) return undefined;
    const src = pkt.ipVersion === 0 ? '' : formatIp(pkt.src, pkt.ipVersion);
    const dst = pkt.ipVersion === 0 ? '' : formatIp(pkt.dst, pkt.ipVersion);
    const hits = this.decodeEvents.onFlowlessPacket(pkt, (r) => {
      if (r.iprep.length > 0 || r.xbits) return false;
      // Suricata applies suppressions and thresholds to IP packets only.
      if (pkt.ipVersion === 0) return !r.suppressAll && r.action !== 'pass';
      return this.limitsLetThrough(r, -1, pkt.src, pkt.dst, src, dst, pkt.tsUs);
    });
    return hits?.map((rule) => ({ rule, dir: 0 }));
  }

  /**
   * Per flow slot and direction (index 2 × slot + dir): the packet group its ports select — `any` alone or the port
   * pair's (null: past MAX_PORT_PAIRS, the groups are scanned one by one) — and the protocol variant last used
   * with the flow's protocols it was made for. A packet then costs one map lookup (its flow's slot) instead of
   * the port, pair and variant maps' five or six.
   */
  private readonly slotBase: Array<Group | null | undefined> = [];
  private readonly slotVariant: Array<Group | undefined> = [];
  private readonly slotApp: string[] = [];
  /** The slot of the packet's flow while packet rules are judged (for the FlowProtos methods). */
  private protoSlot = 0;

  /** FlowProtos: a direction's protocol — recognized from its first data, else the flow's once it sent data. */
  direction(flow: FlowView, d: 0 | 1): string {
    // Recognition reads TCP data only: another transport's direction has the flow's protocol once it sent a packet.
    if (flow.proto !== 6) return flow.pkts[d] > 0 ? flow.appProto : 'unknown';
    const named = this.flows.recognizedDirAt(this.protoSlot, d);
    if (named !== '') return named;
    return this.flows.seenAt(this.protoSlot, d) ? flow.appProto : 'unknown';
  }

  /** FlowProtos: the protocol recognized on the flow, else its parsed one. */
  recognized(flow: FlowView): string {
    return this.flows.recognizedAt(this.protoSlot) || flow.appProto;
  }

  /** Per flow slot, the protocol protocol-detection-only rules last saw (kept only when the rules have some). */
  private readonly slotDecided: Array<string | undefined> = [];
  private slotGuess = new Uint8Array(512);

  /** The port group of a flow's packets one way (see slotBase), from the port maps. */
  private portGroup(pg: PortGroups, t: Transport, flow: FlowView, dir: number): Group | null {
    const dg =
      t === 'other' || pg.dst.size === 0 ? undefined : pg.dst.get(dir === 0 ? flow.dstPort : flow.srcPort);
    const sg =
      t === 'other' || pg.src.size === 0 ? undefined : pg.src.get(dir === 0 ? flow.srcPort : flow.dstPort);
    if (dg === undefined && sg === undefined) return pg.any;
    const key =
      (dg ? (dir === 0 ? flow.dstPort : flow.srcPort) + 1 : 0) * 65537 +
      (sg ? (dir === 0 ? flow.srcPort : flow.dstPort) + 1 : 0);
    return pg.pairs.get(key) ?? this.pairGroup(pg, key, dg, sg) ?? null;
  }

  private packetRules(flow: FlowView, dir: number, pkt: DecodedPacket): RuleMatch[] | undefined {
    // Nothing kept per flow and no packet rule: a rule set of app-layer rules only gives flows no slot.
    if (this.packetRuleCount === 0 && !this.flows.seqs && !this.guessing) return undefined;
    const slot = this.flows.slot(flow.id);
    if (this.flows.seqs && pkt.proto === 6) this.trackSeq(slot, dir, pkt);
    // The packet on which the flow's protocol was decided or changed, or a direction's recognized:
    // protocol-detection-only rules run there.
    let decided =
      this.guessing &&
      pkt.proto === 6 &&
      pkt.payloadLen > 0 &&
      this.flows.noteAt(slot, dir, pkt.buf, pkt.payloadOff, pkt.payloadLen);
    if (this.packetRuleCount === 0) return undefined;
    if (this.pdOnlyRules && flow.appProto !== 'unknown' && this.slotDecided[slot] !== flow.appProto) {
      this.slotDecided[slot] = flow.appProto;
      decided = true;
    }
    this.protoSlot = slot;
    const t: Transport = pkt.proto === 6 ? 'tcp' : pkt.proto === 17 ? 'udp' : 'other';
    const pg = this.packetGroups[t][dir];
    // encrypted payload is not content-matched — after the handshake, or a record that says so.
    const cipher =
      pkt.payloadLen > 0 &&
      flow.appProto === 'tls' &&
      flow.cipherInspected !== true &&
      (this.flows.encryptedAt(slot) || (flow.state === 'established' && pkt.buf[pkt.payloadOff] === 0x17));
    const payload = cipher ? undefined : pkt.buf;
    const grouped = this.opts.prefilter !== false;
    // Nothing to scan (no payload, or ciphertext) and no rule without a literal: no candidate (most packets).
    const bare = payload === undefined || pkt.payloadLen === 0;
    const k = 2 * slot + dir;
    let base = this.slotBase[k];
    if (base === undefined) this.slotBase[k] = base = this.portGroup(pg, t, flow, dir);
    if (base !== null && bare && base.always.length === 0) return undefined;
    this.nextGeneration();
    if (base === null) {
      // Past MAX_PORT_PAIRS: `any` and the port groups, each scanned.
      const dg =
        t === 'other' || pg.dst.size === 0 ? undefined : pg.dst.get(dir === 0 ? flow.dstPort : flow.srcPort);
      const sg =
        t === 'other' || pg.src.size === 0 ? undefined : pg.src.get(dir === 0 ? flow.srcPort : flow.dstPort);
      this.collect(pg.any, payload, pkt.payloadOff, pkt.payloadLen);
      this.collect(dg, payload, pkt.payloadOff, pkt.payloadLen);
      this.collect(sg, payload, pkt.payloadOff, pkt.payloadLen);
    } else {
      let v = base;
      if (grouped) {
        const guess = this.guessing ? this.flows.recognizedIdAt(slot) : 0;
        const cached = this.slotVariant[k];
        if (cached !== undefined && this.slotApp[k] === flow.appProto && this.slotGuess[k] === guess)
          v = cached;
        else {
          v = this.protoVariant(base, flow, slot);
          this.slotVariant[k] = v;
          this.slotApp[k] = flow.appProto;
          if (k >= this.slotGuess.length) {
            const bigger = new Uint8Array(Math.max(2 * this.slotGuess.length, k + 1));
            bigger.set(this.slotGuess);
            this.slotGuess = bigger;
          }
          this.slotGuess[k] = guess;
        }
      }
      this.collect(v, payload, pkt.payloadOff, pkt.payloadLen);
    }
    const cand = this.cand;
    const nCand = this.nCand;
    if (nCand === 0) return undefined;
    if (nCand > 1) this.orderCandidates(nCand);
    let out: RuleMatch[] | undefined;
    for (let i = 0; i < nCand; i++) {
      const r = this.rules[cand[i]];
      // Cheapest first: direction, flow state and header fields before address sets.
      if (r.pdOnly === true && !decided) continue;
      if (!this.protoOk(r, flow) || !flowOptionsMatch(r, flow, dir, this) || !packetTestsMatch(r, pkt))
        continue;
      if (endpointsMatch(r, flow, dir) < 0) continue;
      const ms = r.buffers.get('payload');
      if (ms && (cipher || !matchBuffer(ms, pkt.buf, pkt.payloadLen, pkt.payloadOff))) continue;
      if (r.datasets.length > 0 && !this.addressDatasets(r, flow, dir)) continue;
      if (!this.finish(r, flow, dir, pkt.tsUs)) continue;
      (out ??= []).push({ rule: r, dir });
    }
    return out;
  }

  /** App-layer rules on one record (a TLS handshake, an HTTP transaction, a DNS message). */
  onAppRecord(flow: FlowView, record: AppRecord, tsUs: number): RuleMatch[] | undefined {
    if (record.type === 'tls') this.flows.setEncrypted(flow.id);
    if (this.events) {
      if (record.type === 'anomaly') {
        this.events.onAnomaly(flow, record.anomaly.event);
        return undefined;
      }
      const ev = this.events.onRecord(flow, record, tsUs, (r, f, d, t) => this.finish(r, f, d, t));
      if (ev) return [...ev, ...(this.appRecordRules(flow, record, tsUs) ?? [])];
    }
    return this.appRecordRules(flow, record, tsUs);
  }

  /** One record's buffers at a time, reused (see RecordBuffers). */
  private recordBuffers: RecordBuffers | undefined;

  private appRecordRules(flow: FlowView, record: AppRecord, tsUs: number): RuleMatch[] | undefined {
    if (this.appGroups.size === 0 || record.type === 'anomaly') return undefined;
    const groups = this.appGroupsOf[record.type];
    if (groups.length === 0) return undefined;
    const bufs = this.recordBuffers?.reset(record) ?? (this.recordBuffers = new RecordBuffers(record));
    const dir = record.type === 'dns' && record.dns.isResponse ? 1 : 0;
    let out: RuleMatch[] | undefined;
    for (const [name, g] of groups) {
      this.nextGeneration();
      const v = bufs.get(name);
      // A buffer the record does not have: only the group's rules without a fast pattern can still match.
      if (v === undefined && g.always.length === 0) continue;
      if (isMulti(v)) {
        // Every instance is scanned in one generation: a candidate has all its literals somewhere in the record.
        for (const x of v) this.scan(g, x, 0, x.length);
        this.gather(g);
      } else this.collect(g, v, 0, v?.length ?? 0);
      // Evaluating a candidate scans nothing, so `cand` stays as it is until the next group's scan.
      const cands = this.cand;
      const nCands = this.nCand;
      if (nCands === 0) continue;
      if (nCands > 1) this.orderCandidates(nCands);
      for (let c = 0; c < nCands; c++) {
        const ri = cands[c];
        const r = this.rules[ri];
        // A transport rule matches any protocol's records, but a frame only on its own transport.
        if (
          !protoMatches(r, flow) &&
          (record.type === 'frame' || !(r.proto === 'tcp' || r.proto === 'udp' || r.proto === 'ip'))
        )
          continue;
        // A transaction rule's side (request or response) decides its direction; DNS messages carry their own.
        const d = record.type === 'dns' ? dir : record.type === 'frame' ? record.frame.dir : (r.appDir ?? 0);
        if (endpointsMatch(r, flow, d) < 0 || !flowOptionsMatch(r, flow, d)) continue;
        if (r.tlsVersion && (record.type !== 'tls' || !r.tlsVersion.includes(record.tls.versionName)))
          continue;
        if (r.dnsRrtype && (record.type !== 'dns' || !rrtypeMatches(r.dnsRrtype, record.dns))) continue;
        let ok = true;
        for (const [b, ms] of r.buffers) {
          const val = b === 'payload' ? undefined : bufs.get(b);
          // absent: or_else — a missing buffer passes.
          if (val === undefined && b !== 'payload' && r.absent?.has(b)) continue;
          if (
            b === 'payload' ||
            !val ||
            !(isMulti(val) ? val.some((x) => matchBuffer(ms, x)) : matchBuffer(ms, val))
          ) {
            ok = false;
            break;
          }
        }
        if (ok && r.absent)
          for (const [b, mode] of r.absent)
            if (mode === 'only' && bufs.get(b) !== undefined) {
              ok = false;
              break;
            }
        if (ok) {
          for (const d of r.datasets) {
            const val = bufs.get(d.buffer);
            const test = (x: Buffer): boolean => this.datasets.test(d, x.toString('latin1'));
            if (!val || !(isMulti(val) ? val.some(test) : test(val))) {
              ok = false;
              break;
            }
          }
        }
        if (!ok || !this.finish(r, flow, d, tsUs)) continue;
        (out ??= []).push({ rule: r, dir: d });
      }
    }
    return out;
  }

  /** A packet rule's datasets on ip.src / ip.dst: the packet's source or destination address, as text. */
  private addressDatasets(r: Rule, flow: FlowView, dir: number): boolean {
    for (const d of r.datasets) {
      if (!isAddressBuffer(d.buffer)) continue;
      const fromClient = (d.buffer === 'ip.src') === (dir === 0);
      const addr = formatIp(fromClient ? flow.src : flow.dst, flow.ipVersion);
      if (!this.datasets.test(d, addr)) return false;
    }
    return true;
  }

  /** iprep, flowbits and thresholds — the checks after content; true when the match becomes an alert. */
  finish(r: Rule, flow: FlowView, dir: number, tsUs: number): boolean {
    if (r.streamSize && !this.streamSizeMatches(r, flow)) return false;
    const src = formatIp(dir === 0 ? flow.src : flow.dst, flow.ipVersion);
    const dst = formatIp(dir === 0 ? flow.dst : flow.src, flow.ipVersion);
    for (const ip of r.iprep) {
      const look = this.opts.iprep;
      if (!look) return false;
      const sides = ip.side === 'src' ? [src] : ip.side === 'dst' ? [dst] : [src, dst];
      const vals = sides.map((a) => look(a, ip.category));
      const test = (v: number | undefined): boolean => iprepHolds(ip.op, ip.value, v);
      const ok = ip.side === 'both' ? vals.every(test) : vals.some(test);
      if (!ok) return false;
    }
    if (r.xbits && !this.state.checkXbits(r, src, dst, tsUs)) return false;
    if (r.flowbits.length > 0 && !this.state.checkFlowbits(r, flow.id)) return false;
    if (r.flowint && !this.state.checkFlowints(r, flow.id)) return false;
    if (r.xbits) this.state.applyXbits(r, src, dst, tsUs);
    if (r.flowint) this.state.applyFlowints(r, flow.id);
    // The flow is bypassed by the match itself, whatever thresholds then make of the alert.
    if (r.bypass) this.bypassed!.add(flow.id);
    if (r.flowbits.length > 0) {
      this.state.applyFlowbits(r, flow.id);
      if (r.flowbits.some((f) => f.op === 'noalert')) return false;
    }
    return this.limitsLetThrough(
      r,
      flow.id,
      dir === 0 ? flow.src : flow.dst,
      dir === 0 ? flow.dst : flow.src,
      src,
      dst,
      tsUs,
    );
  }

  /**
   * The last word on a match: threshold.config suppressions, then the thresholds and rate filters (the rule's own
   * when no file replaced them), then the action. `sa`/`da` are the packet's addresses, `src`/`dst` their text;
   * `flowId` -1 for a packet without a flow (by_flow counting then has one counter for all such packets).
   */
  private limitsLetThrough(
    r: Rule,
    flowId: number,
    sa: ArrayLike<number>,
    da: ArrayLike<number>,
    src: string,
    dst: string,
    tsUs: number,
  ): boolean {
    if (r.suppressAll) return false;
    if (r.suppress) {
      for (const s of r.suppress) {
        const hit =
          s.track === 'by_src'
            ? addressMatches(s.addrs, sa)
            : s.track === 'by_dst'
              ? addressMatches(s.addrs, da)
              : addressMatches(s.addrs, sa) || addressMatches(s.addrs, da);
        if (hit) return false;
      }
    }
    const ths = r.thresholds;
    let newAction: RateFilterAction | undefined;
    if (ths) {
      // Each threshold counts the match; the first that holds the alert back ends the checks, as in Suricata.
      for (let i = 0; i < ths.length; i++) {
        const v = this.state.threshold(r, i, ths[i], flowId, src, dst, tsUs);
        if (v === false) return false;
        if (v !== true) newAction = v;
      }
    } else if (r.threshold && !this.state.threshold(r, 0, r.threshold, flowId, src, dst, tsUs)) return false;
    // A rate filter's new action replaces the rule's: `pass` logs nothing; the others alert.
    if (newAction !== undefined) return newAction !== 'pass';
    return r.action !== 'pass';
  }

  /** A `bypass` rule matched on the flow: it is no longer inspected. */
  isBypassed(flowId: number): boolean {
    return this.bypassed?.has(flowId) === true;
  }

  endFlow(flowId: number): void {
    this.bypassed?.delete(flowId);
    const slot = this.flows.find(flowId);
    if (slot >= 0) {
      this.slotDecided[slot] = undefined;
      for (let k = 2 * slot; k < 2 * slot + 2; k++) {
        this.slotBase[k] = undefined;
        this.slotVariant[k] = undefined;
      }
    }
    this.events?.endFlow(flowId);
    this.flows.delete(flowId);
    this.state.endFlow(flowId);
  }
}

/** One address's iprep condition: a score compares only when the address is listed in the category. */
function iprepHolds(op: Rule['iprep'][number]['op'], value: number, v: number | undefined): boolean {
  if (op === 'isnotset') return v === undefined;
  if (v === undefined) return false;
  switch (op) {
    case 'isset':
      return true;
    case '>':
      return v > value;
    case '<':
      return v < value;
    case '=':
      return v === value;
    case '!=':
      return v !== value;
  }
}
