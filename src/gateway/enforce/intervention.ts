/**
 * A-67 in user space: when a verdict lures a communication to the honeypot, moat finds the connections of it
 * already open (conntrack), opens a new connection to each destination from the gateway (a2: the destination sees
 * a peer again, not a dead flow), and tells the linkage the details on the bus (a3). Tearing down (a1, a2) and the
 * DNAT of what comes next are the kernel's (verdict-ruleset.ts).
 */
import { connect, type Socket } from 'node:net';
import type { CacheEntryMessage, InterventionMessage } from '../../framework/index.js';
import type { ConntrackEntry } from '../conntrack.js';

type Upstream = InterventionMessage['connections'][number]['upstream'];

/** The open TCP connections the entry covers, as (source, destination after DNAT). */
export function coveredConnections(
  e: CacheEntryMessage,
  table: readonly ConntrackEntry[],
): Array<{ src: string; sport: number; dst: string; dport: number }> {
  const out: Array<{ src: string; sport: number; dst: string; dport: number }> = [];
  for (const c of table) {
    if (c.proto !== 'tcp' || c.family !== 'ipv4' || c.state !== 'ESTABLISHED') continue;
    const o = c.original;
    if (o.src !== e.srcIp) continue;
    // The real destination is where the reply comes from (a port-forward's device, not the gateway's WAN address).
    const dst = c.reply.src;
    const dport = c.reply.sport ?? 0;
    if (e.dstIp !== '*' && e.dstIp !== o.dst && e.dstIp !== dst) continue;
    if (e.dstPort !== 0 && e.dstPort !== o.dport && e.dstPort !== dport) continue;
    out.push({ src: o.src, sport: o.sport ?? 0, dst, dport });
  }
  return out;
}

/** Opens a connection to `host:port` and keeps it for `holdMs` (the linkage may take it over meanwhile). */
export function openUpstream(
  host: string,
  port: number,
  holdMs: number,
  timeoutMs = 3000,
): Promise<{ result: Upstream; socket?: Socket }> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const t = setTimeout(() => {
      s.destroy();
      resolve({ result: 'timeout' });
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.setTimeout(holdMs, () => s.destroy());
      s.on('error', () => undefined);
      s.on('data', () => undefined);
      resolve({ result: 'open', socket: s });
    });
    s.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(t);
      resolve({ result: err.code === 'ECONNREFUSED' ? 'refused' : 'error' });
    });
  });
}
