/**
 * B-4 features of one address: what its traffic looks like and where it sits. Values are in natural units
 * (counts, bytes, seconds, ratios) because the model is a tree — splits read as "flows > 40" rather than
 * as a transformed number. -1 means "not measurable" (no flows, fewer than three starts …).
 */
import { tryParseIp, type Ip } from '../address/index.js';
import type { GeoLookup } from '../intel/index.js';
import type { IntelIndex } from '../intel/index.js';
import type { CompactFlow, TrafficStats } from './flow-record.js';

export const FEATURE_NAMES = [
  'flows',
  'peers',
  'peers_per_flow',
  'service_ports',
  'peer_ports',
  'service_port_diversity',
  'bytes_per_flow',
  'out_byte_ratio',
  'out_pkt_ratio',
  'pkts_per_flow',
  'failure_ratio',
  'mean_duration',
  'beacon_cv',
  'periodicity',
  'udp_ratio',
  'low_port_ratio',
  'nonsystem_port_ratio',
  'service_side_ratio',
  'tls_ratio',
  'distinct_ja3',
  'listed_tls_ratio',
  'dns_entropy',
  'listed_domain_ratio',
  'bytes_per_pkt',
  'span',
  'ipv6',
  'listed_neighbours_24',
  'listed_neighbours_16',
  'listed_in_asn',
  'network_listed',
  'asn_listed',
  'hosting_hint',
  'rdns_hint',
  'listed_in_country',
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];
export const FEATURE_COUNT = FEATURE_NAMES.length;
const F = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, i])) as Record<FeatureName, number>;
export { F as FEATURE_INDEX };

/** Which features describe traffic (the rest describe the address); evaluations may select either. */
export const TRAFFIC_FEATURES = FEATURE_NAMES.slice(0, F.span + 1);
export const ADDRESS_FEATURES = FEATURE_NAMES.slice(F.ipv6);

/**
 * Totals that grow with how long the address was watched (flow, peer and port counts, the time between its
 * first and last flow). A request carries whatever window its terminal saw — a few flows of a live monitor, a
 * whole day of a consumer capture — so a model that splits on them learns the length of its training captures
 * (the old R16 failure). Models trained on captures leave them out (`windowInvariantFeatures`).
 */
export const WINDOW_TOTALS: readonly FeatureName[] = [
  'flows',
  'peers',
  'service_ports',
  'peer_ports',
  'distinct_ja3',
  'span',
];

/** `features` (indices; default all) without the window totals. */
export function windowInvariantFeatures(features?: readonly number[]): number[] {
  const drop = new Set(WINDOW_TOTALS.map((f) => F[f]));
  return (features ?? FEATURE_NAMES.map((_, i) => i)).filter((i) => !drop.has(i));
}

export interface FeatureContext {
  intel?: IntelIndex;
  geo?: GeoLookup;
}

export interface AddressFacts {
  asn?: number;
  org?: string;
  country?: string;
  /** Direct listings of the address itself (seed hits), for reasons. */
  listedBy?: string[];
  /** Listed TLS fingerprints, certificates and domains seen in the traffic, with what lists them. */
  trafficHits?: string[];
}

const HOSTING =
  /host|cloud|server|data ?cent|datacenter|vps|colo|hetzner|ovh|digitalocean|linode|amazon|google|microsoft|azure|contabo|leaseweb|choopa|vultr|m247|alibaba|tencent/i;
const RESIDENTIAL_RDNS =
  /(^|[.-])(dyn|dynamic|dsl|adsl|cable|pool|dhcp|ppp|client|cust|customer|residential|broadband|fttx?|home)([.-]|\d|$)|\d+[-.]\d+[-.]\d+[-.]\d+/i;
const HOSTING_RDNS = /(^|[.-])(vps|server|srv|host|cloud|static|dedicated|colo|compute|ec2|vm)([.-]|\d|$)/i;

/** Shannon entropy (bits per character) of a label: DGA names score high. */
export function entropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++) counts.set(s.charCodeAt(i), (counts.get(s.charCodeAt(i)) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function firstLabelEntropy(name: string): number {
  const labels = name.toLowerCase().replace(/\.$/, '').split('.');
  // The registrable part's leftmost label carries DGA randomness: 'x7fk2q.example.com' → 'x7fk2q'.
  const label = labels.length >= 2 ? labels[labels.length - 2] : labels[0];
  const sub = labels.length > 2 ? labels[0] : '';
  return Math.max(entropy(label), sub.length >= 8 ? entropy(sub) : 0);
}

/** Computes the feature vector into `out` (reused by callers on hot paths). */
export function computeFeatures(
  ipText: string,
  flows: readonly CompactFlow[],
  stats: TrafficStats | undefined,
  rdns: string | undefined,
  ctx: FeatureContext,
  out: Float64Array = new Float64Array(FEATURE_COUNT),
  facts: AddressFacts = {},
): Float64Array {
  out.fill(-1);
  trafficFeatures(flows, stats, ctx, out, facts);
  const ip = tryParseIp(ipText);
  if (ip) addressFeatures(ip, ipText, rdns, ctx, out, facts);
  return out;
}

function trafficFeatures(
  flows: readonly CompactFlow[],
  stats: TrafficStats | undefined,
  ctx: FeatureContext,
  out: Float64Array,
  facts: AddressFacts,
): void {
  const n = flows.length;
  const hits = new Set<string>();
  const note = (what: string, h: { sources: string[]; categories: string[] } | undefined): boolean => {
    if (!h) return false;
    if (hits.size < 5)
      hits.add(
        `${what} listed by ${h.sources.join(', ')}${h.categories.length ? ` (${h.categories[0]})` : ''}`,
      );
    return true;
  };
  const peers = new Set<string>();
  const ports = new Set<number>();
  const peerPorts = new Set<number>();
  const ja3 = new Set<string>();
  let bytesOut = 0;
  let bytesIn = 0;
  let pktsOut = 0;
  let pktsIn = 0;
  let failed = 0;
  let dur = 0;
  let durN = 0;
  let udp = 0;
  let low = 0;
  let nonSystem = 0;
  let portFlows = 0;
  let serviceSide = 0;
  let tls = 0;
  let listedTls = 0;
  let entSum = 0;
  let entN = 0;
  let listedDomains = 0;
  let domains = 0;
  const starts: number[] = [];
  for (const f of flows) {
    peers.add(f.peer);
    if (f.port !== undefined) {
      ports.add(f.port);
      if (f.port < 1024) low++;
      else nonSystem++;
      if (f.peer_port !== undefined) {
        portFlows++;
        if (f.port < f.peer_port) serviceSide++;
      }
    }
    if (f.peer_port !== undefined) peerPorts.add(f.peer_port);
    bytesOut += f.bytes_out;
    bytesIn += f.bytes_in;
    pktsOut += f.pkts_out;
    pktsIn += f.pkts_in;
    if (f.failed || (f.proto === 'tcp' && (f.pkts_in === 0 || f.pkts_out === 0))) failed++;
    if (f.duration !== undefined) {
      dur += f.duration;
      durN++;
    }
    if (f.proto === 'udp') udp++;
    if (f.start !== undefined) starts.push(f.start);
    if (f.sni || f.ja3 || f.ja4 || f.cert_sha1) {
      tls++;
      if (f.ja3) ja3.add(f.ja3.toLowerCase());
      const ja3Hit = f.ja3
        ? note(`JA3 ${f.ja3.toLowerCase()}`, ctx.intel?.ja3.get(f.ja3.toLowerCase()))
        : false;
      const certHit = f.cert_sha1
        ? note(`certificate ${f.cert_sha1.toLowerCase()}`, ctx.intel?.sha1.get(f.cert_sha1.toLowerCase()))
        : false;
      if (ja3Hit || certHit) listedTls++;
    }
    const names = f.sni ? [f.sni, ...(f.dns ?? [])] : (f.dns ?? []);
    for (const d of names) {
      entSum += firstLabelEntropy(d);
      entN++;
      domains++;
      if (ctx.intel && note(`domain ${d}`, ctx.intel.domainHit(d))) listedDomains++;
    }
  }
  if (hits.size) facts.trafficHits = [...hits];
  const s = stats ?? {};
  const flowsN = s.flows ?? n;
  const bo = s.bytes_out ?? bytesOut;
  const bi = s.bytes_in ?? bytesIn;
  const po = s.pkts_out ?? pktsOut;
  const pi = s.pkts_in ?? pktsIn;
  const peersN = s.peers ?? peers.size;
  out[F.flows] = flowsN;
  if (flowsN === 0) return;
  out[F.peers] = peersN;
  out[F.peers_per_flow] = peersN / flowsN;
  const portsN = s.ports ?? ports.size;
  out[F.service_ports] = portsN;
  out[F.peer_ports] = s.peer_ports ?? peerPorts.size;
  out[F.service_port_diversity] = portsN / flowsN;
  out[F.bytes_per_flow] = (bo + bi) / flowsN;
  out[F.out_byte_ratio] = bo + bi > 0 ? bo / (bo + bi) : -1;
  out[F.out_pkt_ratio] = po + pi > 0 ? po / (po + pi) : -1;
  out[F.pkts_per_flow] = (po + pi) / flowsN;
  out[F.failure_ratio] = (s.failed_flows ?? failed) / flowsN;
  out[F.mean_duration] = s.mean_duration ?? (durN > 0 ? dur / durN : -1);
  out[F.udp_ratio] = n > 0 ? udp / n : -1;
  out[F.low_port_ratio] = ports.size > 0 ? low / n : -1;
  // ICMP and other portless flows count as neither: -1 would sort them with the high ports in a split.
  out[F.nonsystem_port_ratio] = n > 0 ? nonSystem / n : -1;
  out[F.service_side_ratio] = portFlows > 0 ? serviceSide / portFlows : -1;
  const tlsN = s.tls_flows ?? tls;
  out[F.tls_ratio] = tlsN / flowsN;
  for (const j of s.ja3 ?? []) ja3.add(j.toLowerCase());
  out[F.distinct_ja3] = ja3.size;
  out[F.listed_tls_ratio] = tls > 0 ? listedTls / tls : -1;
  for (const d of s.dns ?? []) {
    entSum += firstLabelEntropy(d);
    entN++;
    domains++;
    if (ctx.intel?.domainHit(d)) listedDomains++;
  }
  out[F.dns_entropy] = entN > 0 ? entSum / entN : -1;
  out[F.listed_domain_ratio] = domains > 0 ? listedDomains / domains : -1;
  out[F.bytes_per_pkt] = po + pi > 0 ? (bo + bi) / (po + pi) : -1;
  if (starts.length >= 3) {
    starts.sort((a, b) => a - b);
    const gaps: number[] = [];
    for (let i = 1; i < starts.length; i++) gaps.push(starts[i] - starts[i - 1]);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
    out[F.beacon_cv] = mean > 0 ? sd / mean : 0;
    const sorted = [...gaps].sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1];
    const tol = Math.max(median * 0.1, 0.05);
    out[F.periodicity] = gaps.filter((g) => Math.abs(g - median) <= tol).length / gaps.length;
    out[F.span] = starts[starts.length - 1] - starts[0];
  } else if (starts.length > 0) out[F.span] = starts[starts.length - 1] - starts[0];
  if (s.beacon_cv !== undefined) out[F.beacon_cv] = s.beacon_cv;
}

function addressFeatures(
  ip: Ip,
  ipText: string,
  rdns: string | undefined,
  ctx: FeatureContext,
  out: Float64Array,
  facts: AddressFacts,
): void {
  out[F.ipv6] = ip.version === 6 ? 1 : 0;
  const intel = ctx.intel;
  if (intel) {
    out[F.listed_neighbours_24] = intel.neighbourhoodDensity(ip.words);
    out[F.listed_neighbours_16] = intel.wideDensity(ip.words);
    out[F.network_listed] = intel.lookupNetwork(ip.words) ? 1 : 0;
    const own = intel.lookupIp(ip.words);
    if (own) facts.listedBy = own.sources;
  }
  if (ctx.geo?.enabled) {
    const g = ctx.geo.lookup(ipText);
    if (g.asn !== undefined) facts.asn = g.asn;
    if (g.org) facts.org = g.org;
    if (g.country) facts.country = g.country;
    out[F.hosting_hint] = g.org ? (HOSTING.test(g.org) ? 1 : 0) : -1;
    if (intel) {
      out[F.listed_in_asn] = intel.asnDensity(g.asn, ip.words);
      out[F.asn_listed] = g.asn !== undefined && intel.asns.has(g.asn) ? 1 : 0;
      // The country as a number a tree can split on: how many listed hosts share it (needs a country DB).
      if (g.country !== undefined) out[F.listed_in_country] = intel.countryDensity(g.country, ip.words);
    }
  }
  if (rdns) out[F.rdns_hint] = HOSTING_RDNS.test(rdns) ? 2 : RESIDENTIAL_RDNS.test(rdns) ? 1 : 0;
}
