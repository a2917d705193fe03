/**
 * T-46 "address reputation from an external reputation system": the Spec B identification service, in process, from
 * the store its models and intel live in. Its verdict on the destination becomes a list hit the address-reputation
 * dimension scores (black → as named by 3 lists, gray → 1, clean → not listed).
 *
 * The model judges an address by its traffic (issue 15 §5), so the adapter keeps, per public address, the flows the
 * monitor saw end (counted from that address's side, with the TLS facts of their handshakes: SNI, JA3, JA4, leaf
 * certificate) — the same compact flows `identify train` builds from EVE — and adds the handshake's own flow as it
 * stands. Without any flow (an address only ever named) the answer is the address-only verdict, cached.
 */
import type { SqliteStore } from '../store/index.js';
import type { FlowView } from '../flow/index.js';
import { formatIp } from '../address/index.js';
import {
  IdentificationService,
  ModelRegistry,
  isPublicAddress,
  type CompactFlow,
  type IdentifyResponse,
} from '../identify/index.js';
import { IntelStore } from '../intel/index.js';
import { IntelIndex } from '../intel/index.js';
import type { HandshakeFeatures, FlowCounters } from './features.js';
import type { AddressList } from './services.js';

/** Flows kept per address (the most recent), and addresses kept (least recently seen dropped first). */
const FLOWS_PER_ADDRESS = 32;
const ADDRESSES = 10_000;

interface TlsFacts {
  sni?: string;
  ja3?: string;
  ja4?: string;
  cert_sha1?: string;
}

const PROTO: Record<number, CompactFlow['proto']> = { 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'icmp' };

/** A flow from the side of `me` (0: the initiator, 1: the responder), as compactFromEve makes it from EVE. */
function compactOf(
  c: FlowCounters,
  me: 0 | 1,
  peer: string,
  ports: [number, number],
  tls: TlsFacts | undefined,
): CompactFlow {
  const [out, inn] = me === 0 ? [0, 1] : [1, 0];
  const proto = PROTO[c.proto] ?? 'other';
  const f: CompactFlow = {
    peer,
    proto,
    pkts_out: c.pkts[out],
    pkts_in: c.pkts[inn],
    bytes_out: c.bytes[out],
    bytes_in: c.bytes[inn],
    start: c.startUs / 1e6,
    duration: Math.max(0, c.lastUs - c.startUs) / 1e6,
  };
  if (proto === 'tcp' || proto === 'udp') {
    f.port = ports[me];
    f.peer_port = ports[1 - me];
  }
  if (proto === 'tcp' && (c.pkts[0] === 0 || c.pkts[1] === 0)) f.failed = true;
  if (tls) Object.assign(f, tls);
  return f;
}

export class IdentifyReputation implements AddressList {
  private readonly cache = new Map<string, { list: string; count: number } | null>();
  private readonly recent = new Map<string, CompactFlow[]>();
  /** TLS facts of flows still open, by flow id, to go with the flow when it ends. */
  private readonly tlsOfFlow = new Map<number, TlsFacts>();

  constructor(readonly service: IdentificationService) {}

  /** A flow ended: it joins the traffic of each of its public endpoints. */
  observeFlow(flow: FlowView): void {
    const tls = this.tlsOfFlow.get(flow.id);
    if (tls) this.tlsOfFlow.delete(flow.id);
    const src = formatIp(flow.src, flow.ipVersion);
    const dst = formatIp(flow.dst, flow.ipVersion);
    const c: FlowCounters = {
      id: flow.id,
      proto: flow.proto,
      startUs: flow.startUs,
      lastUs: flow.lastUs,
      pkts: [flow.pkts[0], flow.pkts[1]],
      bytes: [flow.bytes[0], flow.bytes[1]],
    };
    const ports: [number, number] = [flow.srcPort, flow.dstPort];
    if (isPublicAddress(dst)) this.remember(dst, compactOf(c, 1, src, ports, tls));
    if (isPublicAddress(src)) this.remember(src, compactOf(c, 0, dst, ports, tls));
  }

  /** The traffic kept for an address (most recent last). */
  flowsOf(ip: string): readonly CompactFlow[] {
    return this.recent.get(ip) ?? [];
  }

  private remember(ip: string, f: CompactFlow): void {
    let list = this.recent.get(ip);
    if (list) this.recent.delete(ip);
    else {
      list = [];
      if (this.recent.size >= ADDRESSES) this.recent.delete(this.recent.keys().next().value as string);
    }
    list.push(f);
    if (list.length > FLOWS_PER_ADDRESS) list.shift();
    this.recent.set(ip, list);
  }

  /** The model's answer on `ip`, with the traffic seen of it and, given a handshake, that handshake's flow. */
  judge(ip: string, f?: HandshakeFeatures): IdentifyResponse {
    const flows = [...(this.recent.get(ip) ?? [])];
    if (f?.flow && (ip === f.dstIp || ip === f.srcIp)) {
      const tls = tlsFacts(f);
      // Its TLS facts wait for the flow's end, when the flow joins the address's traffic.
      if (this.tlsOfFlow.size > 100_000) this.tlsOfFlow.clear();
      this.tlsOfFlow.set(f.flow.id, tls);
      const me = ip === f.dstIp ? 1 : 0;
      flows.push(compactOf(f.flow, me, me ? f.srcIp : f.dstIp, [f.srcPort, f.dstPort], tls));
    }
    return this.service.identify(flows.length ? { ip, traffic: { flows } } : { ip });
  }

  lookup(ip: string, f?: HandshakeFeatures): { list: string; count: number } | undefined {
    const withTraffic = this.recent.has(ip) || (f?.flow !== undefined && (ip === f.dstIp || ip === f.srcIp));
    if (!withTraffic) {
      const hit = this.cache.get(ip);
      if (hit !== undefined) return hit ?? undefined;
    }
    const r = this.judge(ip, f);
    const v =
      r.verdict === 'black'
        ? { list: `identify model v${String(r.model_version)}: black (${r.score.toFixed(2)})`, count: 3 }
        : r.verdict === 'gray'
          ? { list: `identify model v${String(r.model_version)}: gray (${r.score.toFixed(2)})`, count: 1 }
          : null;
    if (!withTraffic) {
      if (this.cache.size > 100_000) this.cache.clear();
      this.cache.set(ip, v);
    }
    return v ?? undefined;
  }
}

function tlsFacts(f: HandshakeFeatures): TlsFacts {
  const t: TlsFacts = {};
  if (f.sni) t.sni = f.sni;
  if (f.ja3 && /^[0-9a-f]{32}$/i.test(f.ja3)) t.ja3 = f.ja3;
  if (f.ja4) t.ja4 = f.ja4;
  const sha1 = f.chain[0]?.sha1?.replace(/:/g, '');
  if (sha1 && /^[0-9a-f]{40}$/i.test(sha1)) t.cert_sha1 = sha1;
  return t;
}

export function identifyReputation(store: SqliteStore): {
  list: IdentifyReputation;
  modelVersion: number | null;
} {
  const intel = new IntelStore(store);
  const service = new IdentificationService({
    registry: new ModelRegistry(store),
    intelSource: {
      stamp: () => intel.stamp(),
      load: () => IntelIndex.fromRows(intel.live()),
    },
  });
  return { list: new IdentifyReputation(service), modelVersion: service.modelVersion };
}
