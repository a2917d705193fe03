/**
 * The rule engine (A-31, A-32): rules compiled into groups — packet rules by transport, app-layer rules by sticky
 * buffer — each with a multi-pattern prefilter over its rules' fast patterns, so only rules whose pattern occurs
 * are fully evaluated, plus a short list of rules without one. Ciphertext is never content-matched: payload rules
 * skip TLS flows once the handshake is over.
 */
import type { DecodedPacket } from '../decode/decoded-packet.js';
import { formatIp } from '../decode/address.js';
import type { FlowView } from '../flow/types.js';
import type { AppRecord } from '../proto/app-layer.js';
import type { BufferName, ContentMatch, Rule } from './rule.js';
import { AhoCorasick } from './aho-corasick.js';
import { matchBuffer } from './buffer-match.js';
import { appBuffers, bufferProto, type AppBuffers } from './app-buffers.js';
import { endpointsMatch, flowOptionsMatch, packetTestsMatch, protoMatches } from './header-match.js';
import { DetectState } from './detect-state.js';
import { DatasetStore } from './datasets.js';

export interface RuleMatch {
  rule: Rule;
  /** 0: the packet/record goes client → server. */
  dir: number;
}

interface Group {
  rules: Rule[];
  /** Rule index per prefilter pattern id. */
  patternRule: number[];
  ac: AhoCorasick;
  /** Rules without a usable fast pattern: always evaluated. */
  always: number[];
}

export interface EngineOptions {
  /** IP reputation: score of an address in a category (iprep), undefined when not listed. */
  iprep?: (ip: string, category: string) => number | undefined;
  /** Directory dataset `load` paths are relative to. */
  datasetDir?: string;
}

/** The rule's fast pattern in a buffer: the one marked fast_pattern, else the longest positive content. */
function fastPattern(rule: Rule, buf: BufferName): ContentMatch | undefined {
  const ms = (rule.buffers.get(buf) ?? []).filter(
    (m): m is ContentMatch => m.kind === 'content' && !m.negated,
  );
  return ms.find((m) => m.fastPattern) ?? ms.sort((a, b) => b.bytes.length - a.bytes.length)[0];
}

function buildGroup(rules: Rule[], buf: BufferName): Group {
  const patterns: Uint8Array[] = [];
  const patternRule: number[] = [];
  const always: number[] = [];
  rules.forEach((r, i) => {
    const fp = fastPattern(r, buf);
    if (fp) {
      patterns.push(fp.bytes);
      patternRule.push(i);
    } else always.push(i);
  });
  return { rules, patternRule, ac: new AhoCorasick(patterns), always };
}

export class DetectEngine {
  readonly state = new DetectState();
  readonly datasets: DatasetStore;
  /** Packet rules by transport: tcp, udp, other. */
  private readonly packetGroups: Record<'tcp' | 'udp' | 'other', Group>;
  /** App rules by their prefilter buffer. */
  private readonly appGroups = new Map<BufferName, Group>();
  private readonly mark: Uint32Array;
  private generation = 0;
  readonly ruleCount: number;

  constructor(
    readonly rules: readonly Rule[],
    private readonly opts: EngineOptions = {},
  ) {
    this.ruleCount = rules.length;
    this.datasets = new DatasetStore(opts.datasetDir);
    const pkt: Record<'tcp' | 'udp' | 'other', Rule[]> = { tcp: [], udp: [], other: [] };
    const app = new Map<BufferName, Rule[]>();
    for (const r of rules) {
      for (const d of r.datasets) this.datasets.prepare(d);
      const appBufs = [...r.buffers.keys()].filter((b) => b !== 'payload');
      const isApp =
        appBufs.length > 0 || r.tlsVersion !== undefined || r.datasets.some((d) => d.buffer !== 'payload');
      if (isApp) {
        // Prefilter on the buffer with the longest fast pattern; rules with none go to their protocol's first buffer.
        const best = appBufs
          .map((b) => [b, fastPattern(r, b)?.bytes.length ?? 0] as const)
          .sort((a, b) => b[1] - a[1])[0]?.[0];
        const key: BufferName = best ?? (r.tlsVersion ? 'tls.sni' : (r.datasets[0]?.buffer ?? 'tls.sni'));
        const list = app.get(key) ?? [];
        list.push(r);
        app.set(key, list);
      } else {
        const t =
          r.proto === 'udp' || r.proto === 'dns'
            ? 'udp'
            : r.proto === 'icmp' || r.proto === 'icmpv6'
              ? 'other'
              : r.proto === 'ip' || r.proto === 'ipv4' || r.proto === 'ipv6' || r.proto === 'pkthdr'
                ? null
                : 'tcp';
        if (t === null) {
          pkt.tcp.push(r);
          pkt.udp.push(r);
          pkt.other.push(r);
        } else pkt[t].push(r);
      }
    }
    this.packetGroups = {
      tcp: buildGroup(pkt.tcp, 'payload'),
      udp: buildGroup(pkt.udp, 'payload'),
      other: buildGroup(pkt.other, 'payload'),
    };
    for (const [b, list] of app) this.appGroups.set(b, buildGroup(list, b));
    this.mark = new Uint32Array(
      Math.max(
        pkt.tcp.length,
        pkt.udp.length,
        pkt.other.length,
        ...[...app.values()].map((l) => l.length),
        1,
      ),
    );
  }

  /** Candidates of a group for one buffer: prefilter hits (deduplicated) plus the always-list. */
  private candidates(g: Group, buf: Uint8Array | undefined, off: number, len: number, out: number[]): void {
    const gen = ++this.generation;
    if (buf && len > 0 && g.ac.size > 0) {
      g.ac.scan(buf, off, len, (pid) => {
        const ri = g.patternRule[pid];
        if (this.mark[ri] !== gen) {
          this.mark[ri] = gen;
          out.push(ri);
        }
      });
    }
    for (const ri of g.always) out.push(ri);
  }

  private readonly scratch: number[] = [];

  /** Payload and header rules on one packet of a flow. */
  onPacket(flow: FlowView, dir: number, pkt: DecodedPacket): RuleMatch[] | undefined {
    const g =
      pkt.proto === 6
        ? this.packetGroups.tcp
        : pkt.proto === 17
          ? this.packetGroups.udp
          : this.packetGroups.other;
    if (g.rules.length === 0) return undefined;
    // encrypted payload is not content-matched.
    const cipher =
      flow.appProto === 'tls' &&
      flow.state === 'established' &&
      pkt.payloadLen > 0 &&
      pkt.buf[pkt.payloadOff] === 0x17;
    const cand = this.scratch;
    cand.length = 0;
    this.candidates(g, cipher ? undefined : pkt.buf, pkt.payloadOff, pkt.payloadLen, cand);
    let out: RuleMatch[] | undefined;
    for (const ri of cand) {
      const r = g.rules[ri];
      if (!protoMatches(r, flow)) continue;
      const o = endpointsMatch(r, flow, dir);
      if (o < 0 || !flowOptionsMatch(r, flow, dir) || !packetTestsMatch(r, pkt)) continue;
      const ms = r.buffers.get('payload');
      if (
        ms &&
        (cipher || !matchBuffer(ms, pkt.buf.subarray(pkt.payloadOff, pkt.payloadOff + pkt.payloadLen)))
      )
        continue;
      if (!this.finish(r, flow, dir, pkt.tsUs)) continue;
      (out ??= []).push({ rule: r, dir });
    }
    return out;
  }

  /** App-layer rules on one record (a TLS handshake, an HTTP transaction, a DNS message). */
  onAppRecord(flow: FlowView, record: AppRecord, tsUs: number): RuleMatch[] | undefined {
    if (this.appGroups.size === 0 || record.type === 'anomaly') return undefined;
    const bufs: AppBuffers = appBuffers(record);
    const dir = record.type === 'dns' && record.dns.isResponse ? 1 : 0;
    let out: RuleMatch[] | undefined;
    for (const [name, g] of this.appGroups) {
      if (bufferProto(name) !== record.type) continue;
      const cand = this.scratch;
      cand.length = 0;
      const v = bufs[name];
      this.candidates(g, v, 0, v?.length ?? 0, cand);
      for (const ri of cand) {
        const r = g.rules[ri];
        if (!protoMatches(r, flow) && !(r.proto === 'tcp' || r.proto === 'udp' || r.proto === 'ip')) continue;
        if (endpointsMatch(r, flow, dir) < 0 || !flowOptionsMatch(r, flow, dir)) continue;
        if (r.tlsVersion && (record.type !== 'tls' || !r.tlsVersion.includes(record.tls.versionName)))
          continue;
        let ok = true;
        for (const [b, ms] of r.buffers) {
          const val = bufs[b];
          if (b === 'payload' || !val || !matchBuffer(ms, val)) {
            ok = false;
            break;
          }
        }
        if (ok) {
          for (const d of r.datasets) {
            const val = bufs[d.buffer];
            if (!val || !this.datasets.test(d, val.toString('latin1'))) {
              ok = false;
              break;
            }
          }
        }
        if (!ok || !this.finish(r, flow, dir, tsUs)) continue;
        (out ??= []).push({ rule: r, dir });
      }
    }
    return out;
  }

  /** iprep, flowbits and thresholds — the checks after content; true when the match becomes an alert. */
  private finish(r: Rule, flow: FlowView, dir: number, tsUs: number): boolean {
    const src = formatIp(dir === 0 ? flow.src : flow.dst, flow.ipVersion);
    const dst = formatIp(dir === 0 ? flow.dst : flow.src, flow.ipVersion);
    for (const ip of r.iprep) {
      const look = this.opts.iprep;
      if (!look) return false;
      const sides = ip.side === 'src' ? [src] : ip.side === 'dst' ? [dst] : [src, dst];
      const vals = sides.map((a) => look(a, ip.category));
      const test = (v: number | undefined): boolean =>
        v !== undefined && (ip.op === '>' ? v > ip.value : ip.op === '<' ? v < ip.value : v === ip.value);
      const ok = ip.side === 'both' ? vals.every(test) : vals.some(test);
      if (!ok) return false;
    }
    if (r.flowbits.length > 0) {
      if (!this.state.checkFlowbits(r, flow.id)) return false;
      this.state.applyFlowbits(r, flow.id);
      if (r.flowbits.some((f) => f.op === 'noalert')) return false;
    }
    if (r.threshold && !this.state.passThreshold(r, r.threshold, src, dst, tsUs)) return false;
    return r.action !== 'pass';
  }

  endFlow(flowId: number): void {
    this.state.endFlow(flowId);
  }
}
