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
  /** Alerts written to the EVE output. */
  alerts: number;
  /** Alerts raised but not written: `alert` was left out of the event types (--types). */
  alertsNotWritten: number;
  events: number;
  /** First and last packet time, µs. */
  firstUs: number;
  lastUs: number;
  /** Wall-clock processing time, ms (set by the runner). */
  wallMs: number;
  /** Damaged capture records the reader skipped (it went on after them). */
  damagedRecords: number;
  /**
   * Why reading stopped before the end of the input — a record cut in the middle, a damaged record, a cut
   * gzip stream — with the byte offset; absent when the whole input was read. Everything before it was analysed.
   */
  inputEndedEarly?: string;
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
    alertsNotWritten: 0,
    events: 0,
    firstUs: 0,
    lastUs: 0,
    wallMs: 0,
    damagedRecords: 0,
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
  into.alertsNotWritten += s.alertsNotWritten;
  into.events += s.events;
}
