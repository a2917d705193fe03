/**
 * Traffic as the service accepts it (B-1), validated with zod and shared by the API and the CLI:
 *
 * - the compact form (documented in README "Identification API"): one object per flow, counted from the
 *   point of view of the address being identified — `*_out` is what that address sent:
 *   `{ peer, port?, peer_port?, proto, pkts_out, pkts_in, bytes_out, bytes_in, start?, duration?, failed?,
 *      sni?, ja3?, ja4?, cert_sha1?, dns? }`
 * - Suricata EVE `flow` / `netflow` events as written by `moat analyze` (direction worked out from which
 *   side the identified address is on);
 * - aggregate statistics (`stats`) when the terminal has no per-flow records.
 */
import { z } from 'zod';
import { equalIp, tryParseIp } from '../address/index.js';

export const ipString = z
  .string()
  .max(64)
  .refine((s) => tryParseIp(s) !== undefined, { message: 'not a valid IPv4 or IPv6 address' });

const port = z.number().int().min(0).max(65535);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const PROTOS = ['tcp', 'udp', 'icmp', 'other'] as const;

export const compactFlowSchema = z.strictObject({
  peer: ipString,
  port: port.optional(),
  peer_port: port.optional(),
  proto: z.enum(PROTOS),
  pkts_out: count,
  pkts_in: count,
  bytes_out: count,
  bytes_in: count,
  /** Seconds since the epoch (fractions allowed). */
  start: z.number().min(0).max(1e11).optional(),
  duration: z.number().min(0).max(1e9).optional(),
  /** Connection never completed (no answer, RST to SYN, ICMP unreachable). */
  failed: z.boolean().optional(),
  sni: z.string().max(255).optional(),
  ja3: z
    .string()
    .regex(/^[0-9a-fA-F]{32}$/)
    .optional(),
  ja4: z.string().max(64).optional(),
  cert_sha1: z
    .string()
    .regex(/^[0-9a-fA-F]{40}$/)
    .optional(),
  dns: z.array(z.string().max(255)).max(100).optional(),
});
export type CompactFlow = z.infer<typeof compactFlowSchema>;

const eveTime = z.union([z.string().max(64), z.number()]);
export const eveFlowSchema = z.looseObject({
  event_type: z.enum(['flow', 'netflow']),
  src_ip: ipString,
  dest_ip: ipString,
  src_port: port.optional(),
  dest_port: port.optional(),
  proto: z.string().max(16),
  flow: z
    .looseObject({
      pkts_toserver: count,
      pkts_toclient: count,
      bytes_toserver: count,
      bytes_toclient: count,
      start: eveTime.optional(),
      end: eveTime.optional(),
      state: z.string().max(32).optional(),
    })
    .optional(),
  netflow: z
    .looseObject({ pkts: count, bytes: count, start: eveTime.optional(), end: eveTime.optional() })
    .optional(),
  tls: z
    .looseObject({
      sni: z.string().max(255).optional(),
      ja3: z.looseObject({ hash: z.string().max(64).optional() }).optional(),
      ja4: z.string().max(64).optional(),
      fingerprint: z.string().max(128).optional(),
    })
    .optional(),
  dns: z.looseObject({ rrname: z.string().max(255).optional() }).optional(),
});
export type EveFlow = z.infer<typeof eveFlowSchema>;

/** Aggregates for terminals that summarise traffic themselves; each replaces the value computed from flows. */
export const trafficStatsSchema = z.strictObject({
  flows: count.optional(),
  peers: count.optional(),
  ports: count.optional(),
  peer_ports: count.optional(),
  bytes_out: count.optional(),
  bytes_in: count.optional(),
  pkts_out: count.optional(),
  pkts_in: count.optional(),
  failed_flows: count.optional(),
  mean_duration: z.number().min(0).optional(),
  /** Coefficient of variation of the gaps between connection starts (low = periodic beaconing). */
  beacon_cv: z.number().min(0).optional(),
  tls_flows: count.optional(),
  ja3: z
    .array(z.string().regex(/^[0-9a-fA-F]{32}$/))
    .max(1000)
    .optional(),
  dns: z.array(z.string().max(255)).max(1000).optional(),
});
export type TrafficStats = z.infer<typeof trafficStatsSchema>;

export const MAX_FLOWS_PER_ITEM = 10_000;

/**
 * One flow record, compact or EVE: chosen by the presence of `event_type`, so an error names the field of
 * the form the caller meant ('traffic.flows[3].pkts_out: expected number') rather than "no union matched".
 */
export const flowRecordSchema = z.unknown().transform((v, ctx): CompactFlow | EveFlow => {
  const schema = v !== null && typeof v === 'object' && 'event_type' in v ? eveFlowSchema : compactFlowSchema;
  const r = schema.safeParse(v);
  if (r.success) return r.data;
  for (const issue of r.error.issues)
    ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
});

export const trafficSchema = z.strictObject({
  flows: z.array(flowRecordSchema).max(MAX_FLOWS_PER_ITEM).optional(),
  stats: trafficStatsSchema.optional(),
});
export type Traffic = z.infer<typeof trafficSchema>;

export const identifyRequestSchema = z.strictObject({
  ip: ipString,
  traffic: trafficSchema.optional(),
  /** Reverse-DNS name when the terminal knows it (B-4 hints: dynamic pools vs hosting). */
  rdns: z.string().max(255).optional(),
});
export type IdentifyRequest = z.infer<typeof identifyRequestSchema>;

export const MAX_BATCH = 10_000;
export const identifyBatchSchema = z.strictObject({
  items: z.array(identifyRequestSchema).min(1).max(MAX_BATCH),
});

function eveSeconds(t: string | number | undefined): number | undefined {
  if (t === undefined) return undefined;
  if (typeof t === 'number') return t;
  const ms = Date.parse(t.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

/** EVE flow → compact flow seen from `subject`; null when the subject is on neither side. */
export function compactFromEve(e: EveFlow, subject: string): CompactFlow | null {
  const s = tryParseIp(subject);
  const src = tryParseIp(e.src_ip);
  const dst = tryParseIp(e.dest_ip);
  if (!s || !src || !dst) return null;
  // Words compare the nodes: ::ffff:1.2.3.4 is 1.2.3.4.
  const isSrc = equalIp(src.words, s.words);
  const isDst = equalIp(dst.words, s.words);
  if (!isSrc && !isDst) return null;
  const proto = e.proto.toLowerCase();
  const f = e.flow;
  const toServer = f ? [f.pkts_toserver, f.bytes_toserver] : [e.netflow?.pkts ?? 0, e.netflow?.bytes ?? 0];
  const toClient = f ? [f.pkts_toclient, f.bytes_toclient] : [0, 0];
  const [out, inn] = isSrc ? [toServer, toClient] : [toClient, toServer];
  const start = eveSeconds(f?.start ?? e.netflow?.start);
  const end = eveSeconds(f?.end ?? e.netflow?.end);
  const c: CompactFlow = {
    peer: isSrc ? e.dest_ip : e.src_ip,
    proto: proto === 'tcp' || proto === 'udp' ? proto : proto.startsWith('icmp') ? 'icmp' : 'other',
    pkts_out: out[0],
    pkts_in: inn[0],
    bytes_out: out[1],
    bytes_in: inn[1],
  };
  const myPort = isSrc ? e.src_port : e.dest_port;
  const peerPort = isSrc ? e.dest_port : e.src_port;
  if (myPort !== undefined) c.port = myPort;
  if (peerPort !== undefined) c.peer_port = peerPort;
  if (start !== undefined) c.start = start;
  if (start !== undefined && end !== undefined && end >= start) c.duration = end - start;
  if (f?.state === 'new' || (proto === 'tcp' && f && (f.pkts_toclient === 0 || f.pkts_toserver === 0)))
    c.failed = true;
  if (e.tls?.sni) c.sni = e.tls.sni;
  if (e.tls?.ja3?.hash && /^[0-9a-f]{32}$/i.test(e.tls.ja3.hash)) c.ja3 = e.tls.ja3.hash;
  if (e.tls?.ja4) c.ja4 = e.tls.ja4;
  if (e.dns?.rrname) c.dns = [e.dns.rrname];
  return c;
}

export function normaliseFlows(traffic: Traffic | undefined, subject: string): CompactFlow[] {
  const out: CompactFlow[] = [];
  for (const f of traffic?.flows ?? []) {
    if ('event_type' in f) {
      const c = compactFromEve(f as EveFlow, subject);
      if (c) out.push(c);
    } else out.push(f as CompactFlow);
  }
  return out;
}
