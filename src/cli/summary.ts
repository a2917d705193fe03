/** The end-of-run table `moat analyze` prints: what was read, what was found, how fast. */
import type { AnalysisStats } from '../pipeline/index.js';

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

export function summaryRows(s: AnalysisStats): Array<[string, string]> {
  const secs = s.wallMs / 1000;
  const input: Array<[string, string]> = [];
  if (s.damagedRecords > 0) input.push(['damaged records skipped', fmt(s.damagedRecords)]);
  // A capture cut in the middle of a record: what came before it was analysed, the rest is missing.
  if (s.inputEndedEarly !== undefined) input.push(['input ends early', s.inputEndedEarly]);
  const rows: Array<[string, string]> = [
    ['packets', fmt(s.packets)],
    ['bytes', fmt(s.bytes)],
    ['non-IP packets', fmt(s.nonIp)],
    ['decode errors', fmt(s.decodeErrors)],
    ['truncated packets', fmt(s.truncated)],
    ...input,
    ['flows', fmt(s.flows)],
    ['flows evicted (memory cap)', fmt(s.evictedFlows)],
    ['TCP gaps', fmt(s.tcpGaps)],
    ['TLS handshakes', fmt(s.tlsHandshakes)],
  ];
  for (const [v, n] of Object.entries(s.tlsVersions).sort()) rows.push([`  ${v}`, fmt(n)]);
  rows.push(
    ['HTTP transactions', fmt(s.httpTransactions)],
    ['DNS messages', fmt(s.dnsMessages)],
    ['anomalies', fmt(s.anomalies)],
    [
      'alerts',
      s.alertsNotWritten > 0
        ? `${fmt(s.alerts)} (${fmt(s.alertsNotWritten)} more raised, not written: --types leaves out alert)`
        : fmt(s.alerts),
    ],
    ['EVE events', fmt(s.events)],
    ['wall time', `${secs.toFixed(2)} s`],
  );

  if (secs > 0) {
    rows.push([
      'throughput',
      `${((s.bytes * 8) / secs / 1e9).toFixed(2)} Gbit/s, ${fmt(Math.round(s.packets / secs))} packets/s`,
    ]);
  }
  return rows;
}

export function formatSummary(s: AnalysisStats): string {
  const rows = summaryRows(s);
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}
