/**
 * The inter-component communication mapping table: which internal hosts (user LAN, IoT, DMZ) talk to
 * each other through the gateway, by protocol and service port, from the kernel's conntrack table. An entry lives
 * while conntrack tracks one of its connections, then `ageMinutes` (t) longer: it ages out after the protocol's
 * own timeout (conntrack's, which runs from the last packet) plus t minutes.
 */
import type { GatewayPlan } from './config-rules.js';
import type { ConntrackEntry } from './conntrack.js';
import type { Component, Health } from '../framework/index.js';
import { natKind, zoneClassifier, type ZoneOf } from './tables.js';

export interface PeerRow {
  protocol: string;
  from: { ip: string; zone: ZoneOf };
  to: { ip: string; zone: ZoneOf; port?: number };
  firstSeen: string;
  lastSeen: string;
  /** Distinct connections seen (by conntrack id). */
  connections: number;
  /** live: conntrack holds a connection now; ageing: none left, kept for t more minutes. */
  state: 'live' | 'ageing';
  /** When the entry leaves the table unless seen again (ISO). */
  expiresAt: string;
}

const INTERNAL = new Set<ZoneOf>(['lan', 'iot', 'dmz']);

interface Peer {
  row: PeerRow;
  ids: Set<number>;
  expiresMs: number;
}

export class PeerTable {
  private readonly peers = new Map<string, Peer>();

  constructor(
    private plan: GatewayPlan,
    /** t, minutes. */
    private readonly ageMinutes: number,
  ) {}

  setPlan(plan: GatewayPlan): void {
    this.plan = plan;
  }

  /** One look at conntrack at `nowMs`: entries seen are refreshed; those past their time leave. */
  update(entries: readonly ConntrackEntry[], nowMs = Date.now()): void {
    const zoneOf = zoneClassifier(this.plan);
    const seen = new Set<string>();
    const ageMs = this.ageMinutes * 60_000;
    for (const e of entries) {
      // The real responder of a DNAT (a port-forward to a device) is the reply's source.
      const dnat = natKind(e) === 'dnat';
      const to = dnat ? e.reply.src : e.original.dst;
      const port = dnat ? e.reply.sport : e.original.dport;
      const fz = zoneOf(e.original.src);
      const tz = zoneOf(to);
      if (!INTERNAL.has(fz) || !INTERNAL.has(tz)) continue;
      const key = `${e.proto} ${e.original.src} ${to} ${port ?? ''}`;
      const expiresMs = nowMs + e.timeout * 1000 + ageMs;
      const now = new Date(nowMs).toISOString();
      let p = this.peers.get(key);
      if (!p) {
        p = {
          row: {
            protocol: e.proto,
            from: { ip: e.original.src, zone: fz },
            to: { ip: to, zone: tz, port },
            firstSeen: now,
            lastSeen: now,
            connections: 0,
            state: 'live',
            expiresAt: '',
          },
          ids: new Set(),
          expiresMs,
        };
        this.peers.set(key, p);
      }
      const id = e.id ?? -1;
      if (!p.ids.has(id)) {
        p.ids.add(id);
        p.row.connections++;
        // Ids only count connections; a long-lived pair keeps a bounded set.
        if (p.ids.size > 1024) p.ids.clear();
      }
      p.row.lastSeen = now;
      p.row.state = 'live';
      p.expiresMs = Math.max(p.expiresMs, expiresMs);
      seen.add(key);
    }
    for (const [key, p] of this.peers) {
      if (!seen.has(key)) p.row.state = 'ageing';
      if (p.expiresMs <= nowMs) this.peers.delete(key);
      else p.row.expiresAt = new Date(p.expiresMs).toISOString();
    }
  }

  rows(): PeerRow[] {
    return [...this.peers.values()]
      .map((p) => ({ ...p.row }))
      .sort((a, b) => a.from.ip.localeCompare(b.from.ip) || a.to.ip.localeCompare(b.to.ip));
  }
}

export interface PeersConfig {
  table: PeerTable;
  pollSeconds: number;
  list: () => Promise<ConntrackEntry[]>;
  log: (line: string) => void;
}

/** Polls conntrack into the table (A-1 component). */
export class PeersComponent implements Component<PeersConfig> {
  readonly name = 'peers';
  readonly dependsOn = ['router'];
  private timer?: NodeJS.Timeout;
  private lastError?: string;
  private busy = false;

  constructor(readonly config: PeersConfig) {}

  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      this.config.table.update(await this.config.list());
      if (this.lastError) this.config.log('peers: conntrack readable again');
      this.lastError = undefined;
    } catch (e) {
      if (!this.lastError) this.config.log(`peers: ${(e as Error).message}`);
      this.lastError = (e as Error).message;
    } finally {
      this.busy = false;
    }
  }

  async start(): Promise<void> {
    // The first look runs in the background: a slow conntrack dump does not hold up the gateway's start.
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.config.pollSeconds * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
  }

  health(): Health {
    return this.lastError
      ? { ok: false, detail: this.lastError }
      : { ok: true, detail: `${this.config.table.rows().length} pair(s)` };
  }
}
