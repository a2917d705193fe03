/**
 * The inter-component communication map: every connection between the user-device component (user devices)
 * and the IoT gateway component (grouped devices), keyed by the two groups and the endpoints, fed by the connection
 * starts discovery sees on the zone interfaces. An entry ages out `protocol timeout + t minutes` after it was last
 * seen. Bounded: past `max` entries the oldest goes (counted).
 *
 * (The gateway's conntrack-based inter-component table, branch h-gw-live, can feed this map later; the keys here are
 * groups, which only the registry knows.)
 */
export interface MapEntry {
  /** 'user' for a user device, else the group. */
  fromGroup: string;
  toGroup: string;
  from: string;
  to: string;
  protocol: 'tcp' | 'udp';
  port: number;
  firstSeen: number;
  lastSeen: number;
  /** ms since the epoch when it ages out. */
  expires: number;
  count: number;
}

export interface MapTimeouts {
  tcpS: number;
  udpS: number;
  /** t, minutes. */
  tMinutes: number;
}

export class InterComponentMap {
  private readonly entries = new Map<string, MapEntry>();
  evicted = 0;
  aged = 0;

  constructor(
    private readonly t: MapTimeouts,
    private readonly max = 10_000,
  ) {}

  record(e: Omit<MapEntry, 'firstSeen' | 'lastSeen' | 'expires' | 'count'>, nowMs: number): void {
    const key = `${e.from}|${e.to}|${e.protocol}|${e.port}`;
    const life = ((e.protocol === 'tcp' ? this.t.tcpS : this.t.udpS) + this.t.tMinutes * 60) * 1000;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      Object.assign(old, {
        fromGroup: e.fromGroup,
        toGroup: e.toGroup,
        lastSeen: nowMs,
        expires: nowMs + life,
      });
      old.count++;
      this.entries.set(key, old);
      return;
    }
    if (this.entries.size >= this.max) {
      const first = this.entries.keys().next().value as string;
      this.entries.delete(first);
      this.evicted++;
    }
    this.entries.set(key, { ...e, firstSeen: nowMs, lastSeen: nowMs, expires: nowMs + life, count: 1 });
  }

  /** The live entries; those past their time are dropped first. */
  list(nowMs = Date.now()): MapEntry[] {
    for (const [k, e] of this.entries)
      if (e.expires <= nowMs) {
        this.entries.delete(k);
        this.aged++;
      }
    return [...this.entries.values()];
  }
}
