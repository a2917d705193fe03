/** Counters every stage keeps; `moat analyze` prints them at the end and workers merge theirs. */
export interface AnalysisStats {
  packets: number;
  bytes: number;
  /** Packets that were not IP (ARP, LLDP …) or on a link type moat does not decode. */
  nonIp: number;
  decodeErrors: number;
  truncated: number;
  flows: number;
  evictedFlows: number;
  tcpGaps: number;
  tlsHandshakes: number;
  /** Handshakes by negotiated version name ("TLS 1.2" …). */
  tlsVersions: Record<string, number>;
  httpTransactions: number;
  dnsMessages: number;
  anomalies: number;
  alerts: number;
  events: number;
  /** First and last packet time, µs. */
  firstUs: number;
  lastUs: number;
  /** Wall-clock processing time, ms (set by the runner). */
  wallMs: number;
}

export function emptyStats(): AnalysisStats {
  return {
    packets: 0,
    bytes: 0,
    nonIp: 0,
    decodeErrors: 0,
    truncated: 0,
    flows: 0,
    evictedFlows: 0,
    tcpGaps: 0,
    tlsHandshakes: 0,
    tlsVersions: {},
    httpTransactions: 0,
    dnsMessages: 0,
    anomalies: 0,
    alerts: 0,
    events: 0,
    firstUs: 0,
    lastUs: 0,
    wallMs: 0,
  };
}

/**
 * Adds a shard's counters into `into`. Packet-level problems (non-IP, decode errors, truncation) are counted by
 * one thread each, so they add up; packet and byte totals come from the reading thread (every worker also sees
 * the broadcast packets), so the caller sets them.
 */
export function mergeShardStats(into: AnalysisStats, s: AnalysisStats): void {
  into.nonIp += s.nonIp;
  into.decodeErrors += s.decodeErrors;
  into.truncated += s.truncated;
  into.flows += s.flows;
  into.evictedFlows += s.evictedFlows;
  into.tcpGaps += s.tcpGaps;
  into.tlsHandshakes += s.tlsHandshakes;
  for (const [k, v] of Object.entries(s.tlsVersions)) into.tlsVersions[k] = (into.tlsVersions[k] ?? 0) + v;
  into.httpTransactions += s.httpTransactions;
  into.dnsMessages += s.dnsMessages;
  into.anomalies += s.anomalies;
  into.alerts += s.alerts;
  into.events += s.events;
}
