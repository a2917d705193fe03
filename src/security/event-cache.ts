/**
 * The security event cache table (A-30, A-34, A-36, A-37, A-62): what inspection already decided about a
 * communication, looked up before any other check so a known-bad (or known-cleared) flow costs one hash lookup.
 * The table's columns are exactly A-36's (EVENT_CACHE_COLUMNS); moat's own bookkeeping per entry (operation argument,
 * A-62 watch deadline, hit count) lives in a side table keyed by the same 5-tuple. The table is consulted once per flow and table generation, not per packet: the
 * caller keeps the answer on the flow with `generation` and asks again only when the table changed. Entries expire at
 * their maximum lifetime, and a cleared entry is kept under watch (A-62) so the next high-risk event blocks at once.
 */
import type { Db, Schema, SqliteStore } from '../store/index.js';

/** A-37's eight operations. */
export type Operation =
  'forward' | 'drop' | 'suppress' | 'deceive' | 'intervene' | 'monitor' | 'track' | 'reset';
export const OPERATIONS: readonly Operation[] = [
  'forward',
  'drop',
  'suppress',
  'deceive',
  'intervene',
  'monitor',
  'track',
  'reset',
];

/** Valid: the operation applies. Watched: cleared after analysis but tracked for `watchUntil`. Invalid: kept for the record. */
export type EntryStatus = 'valid' | 'watched' | 'invalid';

/** `dstIp` of a device-level entry: everything the source device sends (log review restricts a device). */
export const ANY_PEER = '*';

export interface CacheEntry {
  srcIp: string;
  /** The peer, or ANY_PEER for a device-level entry (ports and protocol 0). */
  dstIp: string;
  /** 0 when the entry covers every port (an address-level decision). */
  srcPort: number;
  dstPort: number;
  /** Transport protocol number (6, 17 …), 0 = any. */
  proto: number;
  createdUs: number;
  lastHitUs: number;
  /** Maximum lifetime from creation, µs. */
  maxLifetimeUs: number;
  /** 'forward' (this direction only) or 'both'. */
  direction: 'forward' | 'both';
  /** Zone (scope) the entry applies in: 'iot', 'user', 'dmz', 'wan', 'any'. */
  scope: string;
  /** Operation type: block / allow / observe / divert — how the operation acts. */
  operationType: 'block' | 'allow' | 'observe' | 'divert';
  operation: Operation;
  /** Parameters of the operation (suppress rate, honeypot address …). */
  operationArg?: string;
  /** The event that created it: rule sid, TLS verdict id, model detection id. */
  eventId: string;
  /** Which engine diagnosed it: 'rules', 'tlsmon', 'ml', 'log-review', 'operator'. */
  diagnosis: string;
  status: EntryStatus;
  /** Watched entries: until when (µs). */
  watchUntilUs?: number;
  hits: number;
}

/**
 * The table's columns, in order, each with the A-36 column it holds (the wording of ../shared/spec/appliance.md).
 * The primary key is the 5-tuple; "event number" holds the detecting event's id (rule sid, TLS verdict, model
 * detection), "diagnosis method" the engine, "status" valid / watched (cleared but tracked, A-62) / invalid.
 */
export const EVENT_CACHE_COLUMNS: ReadonlyArray<readonly [column: string, a36: string]> = [
  ['src_ip', 'source IP'],
  ['dst_ip', 'destination IP'],
  ['src_port', 'source port'],
  ['dst_port', 'destination port'],
  ['proto', 'transport protocol number'],
  ['created_us', 'creation time'],
  ['last_hit_us', 'last hit time'],
  ['max_lifetime_us', 'maximum lifetime'],
  ['direction', 'direction'],
  ['scope', 'scope (zone)'],
  ['operation_type', 'operation type'],
  ['operation', 'operation'],
  ['event_id', 'event number'],
  ['diagnosis', 'diagnosis method'],
  ['status', 'status'],
];

const KEY_COLUMNS = 'src_ip, dst_ip, src_port, dst_port, proto';

export const EVENT_CACHE_SCHEMA: Schema = {
  component: 'security-event-cache',
  migrations: [
    {
      version: 1,
      name: 'event cache',
      legacyId: 'security-001-event-cache',
      sqlite: `CREATE TABLE security_event_cache (
      src_ip TEXT NOT NULL, dst_ip TEXT NOT NULL, src_port INTEGER NOT NULL, dst_port INTEGER NOT NULL, proto INTEGER NOT NULL,
      created_us INTEGER NOT NULL, last_hit_us INTEGER NOT NULL, max_lifetime_us INTEGER NOT NULL,
      direction TEXT NOT NULL, scope TEXT NOT NULL, operation_type TEXT NOT NULL, operation TEXT NOT NULL,
      operation_arg TEXT, event_id TEXT NOT NULL, diagnosis TEXT NOT NULL, status TEXT NOT NULL,
      watch_until_us INTEGER, hits INTEGER NOT NULL,
      PRIMARY KEY (src_ip, dst_ip, src_port, dst_port, proto)
    ) WITHOUT ROWID;`,
    },
    {
      // The first layout also held moat's bookkeeping; A-36 lists the table's columns exactly, so that moves to a side
      // table (rows copied first, so databases written by the first layout keep every entry).
      version: 2,
      name: 'A-36 columns',
      legacyId: 'security-002-event-cache-a36-columns',
      sqlite: `CREATE TABLE security_event_cache_extra (
      src_ip TEXT NOT NULL, dst_ip TEXT NOT NULL, src_port INTEGER NOT NULL, dst_port INTEGER NOT NULL, proto INTEGER NOT NULL,
      operation_arg TEXT, watch_until_us INTEGER, hits INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (${KEY_COLUMNS})
    ) WITHOUT ROWID;
    INSERT INTO security_event_cache_extra
      SELECT ${KEY_COLUMNS}, operation_arg, watch_until_us, hits FROM security_event_cache;
    ALTER TABLE security_event_cache DROP COLUMN operation_arg;
    ALTER TABLE security_event_cache DROP COLUMN watch_until_us;
    ALTER TABLE security_event_cache DROP COLUMN hits;`,
    },
  ],
};

export const OPERATION_TYPE: Record<Operation, CacheEntry['operationType']> = {
  forward: 'allow',
  drop: 'block',
  reset: 'block',
  suppress: 'block',
  deceive: 'divert',
  intervene: 'divert',
  monitor: 'observe',
  track: 'observe',
};

export function keyOf(src: string, dst: string, sp: number, dp: number, proto: number): string {
  return `${src}|${dst}|${sp}|${dp}|${proto}`;
}

export const entryKey = (e: CacheEntry): string => keyOf(e.srcIp, e.dstIp, e.srcPort, e.dstPort, e.proto);

/**
 * What changed in the table, for sharing (Redis): 'put' a new or changed entry, 'hit' only its last-hit time and
 * hit count, 'del' removed. Not called for changes that came from the share itself.
 */
export type ChangeListener = (
  key: string,
  kind: 'put' | 'hit' | 'del',
  entry: CacheEntry | undefined,
) => void;

export interface Lookup {
  entry: CacheEntry;
  /** The entry matched the packet in its own direction (false: the reverse of a 'both' entry). */
  forward: boolean;
}

export class EventCacheTable {
  private readonly map = new Map<string, CacheEntry>();
  private readonly dirty = new Set<string>();
  /** Bumped on every change, so per-flow cached lookups know when to look again. */
  generation = 0;
  /** Address-level entries (ports 0) are rare; a second probe finds them. */
  private addressEntries = 0;
  /** Device-level entries (peer ANY_PEER): a third probe. */
  private deviceEntries = 0;
  /** Set by a share (RedisCacheShare) to hear about local changes. */
  onChange?: ChangeListener;

  private readonly db?: Db;

  /** Without a store the table lives in memory only. */
  constructor(
    store?: SqliteStore,
    private readonly maxEntries = 500_000,
  ) {
    if (!store) return;
    store.migrate(EVENT_CACHE_SCHEMA);
    const db = (this.db = store.db);
    const rows = db
      .prepare(
        `SELECT c.*, x.operation_arg, x.watch_until_us, x.hits FROM security_event_cache c
         LEFT JOIN security_event_cache_extra x USING (${KEY_COLUMNS})`,
      )
      .all() as Array<Record<string, unknown>>;
    for (const r of rows) {
      const e: CacheEntry = {
        srcIp: String(r.src_ip),
        dstIp: String(r.dst_ip),
        srcPort: Number(r.src_port),
        dstPort: Number(r.dst_port),
        proto: Number(r.proto),
        createdUs: Number(r.created_us),
        lastHitUs: Number(r.last_hit_us),
        maxLifetimeUs: Number(r.max_lifetime_us),
        direction: r.direction as CacheEntry['direction'],
        scope: String(r.scope),
        operationType: r.operation_type as CacheEntry['operationType'],
        operation: r.operation as Operation,
        operationArg:
          r.operation_arg === null || r.operation_arg === undefined ? undefined : String(r.operation_arg),
        eventId: String(r.event_id),
        diagnosis: String(r.diagnosis),
        status: r.status as EntryStatus,
        watchUntilUs:
          r.watch_until_us === null || r.watch_until_us === undefined ? undefined : Number(r.watch_until_us),
        hits: Number(r.hits ?? 0),
      };
      this.put(e, false);
    }
  }

  get size(): number {
    return this.map.size;
  }

  private put(e: CacheEntry, markDirty = true): void {
    const k = keyOf(e.srcIp, e.dstIp, e.srcPort, e.dstPort, e.proto);
    if (!this.map.has(k)) {
      if (this.map.size >= this.maxEntries) this.evictOldest();
      if (e.srcPort === 0 && e.dstPort === 0) this.addressEntries++;
      if (e.dstIp === ANY_PEER) this.deviceEntries++;
    }
    this.map.set(k, e);
    this.generation++;
    if (markDirty) {
      this.dirty.add(k);
      this.onChange?.(k, 'put', e);
    }
  }

  /**
   * A change made by another instance (through the share): applied and persisted locally, not echoed back.
   * `undefined` removes the entry.
   */
  applyRemote(key: string, e: CacheEntry | undefined): void {
    if (e) {
      const old = this.map.get(key);
      // In place: callers (per-flow cached lookups) hold the entry object.
      if (old) {
        Object.assign(old, e);
        if (e.watchUntilUs === undefined) delete old.watchUntilUs;
        if (e.operationArg === undefined) delete old.operationArg;
        this.generation++;
      } else this.put(e, false);
      this.dirty.add(key);
      return;
    }
    const old = this.map.get(key);
    if (old) this.drop(key, old);
  }

  private evictOldest(): void {
    const first = this.map.keys().next().value as string | undefined;
    if (first === undefined) return;
    const e = this.map.get(first);
    if (e && e.srcPort === 0 && e.dstPort === 0) this.addressEntries--;
    if (e && e.dstIp === ANY_PEER) this.deviceEntries--;
    this.map.delete(first);
    this.dirty.add(first);
  }

  /** an engine reports an event; the table records (or refreshes) the decision. */
  record(
    e: Omit<CacheEntry, 'lastHitUs' | 'hits' | 'status' | 'operationType'> &
      Partial<Pick<CacheEntry, 'status' | 'operationType'>>,
  ): CacheEntry {
    const full: CacheEntry = {
      ...e,
      operationType: e.operationType ?? OPERATION_TYPE[e.operation],
      status: e.status ?? 'valid',
      lastHitUs: e.createdUs,
      hits: 0,
    };
    this.put(full);
    return full;
  }

  private probe(src: string, dst: string, sp: number, dp: number, proto: number): CacheEntry | undefined {
    return (
      this.map.get(keyOf(src, dst, sp, dp, proto)) ??
      (this.addressEntries > 0
        ? (this.map.get(keyOf(src, dst, 0, 0, proto)) ??
          this.map.get(keyOf(src, dst, 0, 0, 0)) ??
          (this.deviceEntries > 0 ? this.map.get(keyOf(src, ANY_PEER, 0, 0, 0)) : undefined))
        : undefined)
    );
  }

  /** the first check on a packet. Expired entries are dropped; hits refresh last-hit time. */
  lookup(src: string, dst: string, sp: number, dp: number, proto: number, nowUs: number): Lookup | undefined {
    let entry = this.probe(src, dst, sp, dp, proto);
    let forward = true;
    if (!entry) {
      const rev = this.probe(dst, src, dp, sp, proto);
      if (rev && rev.direction === 'both') {
        entry = rev;
        forward = false;
      }
    }
    if (!entry) return undefined;
    if (nowUs - entry.createdUs > entry.maxLifetimeUs) {
      this.remove(entry);
      return undefined;
    }
    let kind: 'hit' | 'put' = 'hit';
    if (entry.status === 'watched' && entry.watchUntilUs !== undefined && nowUs > entry.watchUntilUs) {
      entry.status = 'invalid';
      kind = 'put';
    }
    entry.lastHitUs = nowUs;
    entry.hits++;
    const k = entryKey(entry);
    this.dirty.add(k);
    this.onChange?.(k, kind, entry);
    return { entry, forward };
  }

  /** analysis cleared it — lift the restriction but watch it for `watchUs`. */
  clear(entry: CacheEntry, nowUs: number, watchUs: number): void {
    entry.status = 'watched';
    entry.operation = 'track';
    entry.operationType = 'observe';
    entry.watchUntilUs = nowUs + watchUs;
    this.changed(entry);
  }

  /** a watched entry sees high-risk traffic again — block at once. */
  escalate(entry: CacheEntry, operation: Operation, eventId: string, diagnosis: string, nowUs: number): void {
    entry.status = 'valid';
    entry.operation = operation;
    entry.operationType = OPERATION_TYPE[operation];
    entry.eventId = eventId;
    entry.diagnosis = diagnosis;
    entry.createdUs = nowUs;
    entry.watchUntilUs = undefined;
    this.changed(entry);
  }

  private changed(entry: CacheEntry): void {
    const k = entryKey(entry);
    this.generation++;
    this.dirty.add(k);
    this.onChange?.(k, 'put', entry);
  }

  private drop(k: string, entry: CacheEntry): void {
    if (this.map.delete(k)) {
      if (entry.srcPort === 0 && entry.dstPort === 0) this.addressEntries--;
      if (entry.dstIp === ANY_PEER) this.deviceEntries--;
    }
    this.generation++;
    this.dirty.add(k);
  }

  remove(entry: CacheEntry): void {
    const k = entryKey(entry);
    this.drop(k, entry);
    this.onChange?.(k, 'del', undefined);
  }

  /** The entry under a key (as `entryKey` makes it), without counting a hit. */
  get(key: string): CacheEntry | undefined {
    return this.map.get(key);
  }

  entries(): IterableIterator<CacheEntry> {
    return this.map.values();
  }

  /** Writes changed rows (upserts and deletions) in one transaction. */
  flush(): number {
    if (!this.db || this.dirty.size === 0) return 0;
    const db = this.db;
    const cols = EVENT_CACHE_COLUMNS.map(([c]) => c);
    const params = EVENT_CACHE_COLUMNS.map(
      ([c]) => '@' + c.replace(/_(\w)/g, (_, ch: string) => ch.toUpperCase()),
    );
    const up = db.prepare(
      `INSERT INTO security_event_cache (${cols.join(', ')}) VALUES (${params.join(', ')})
       ON CONFLICT (${KEY_COLUMNS}) DO UPDATE SET ` +
        cols
          .slice(5)
          .map((c) => `${c} = excluded.${c}`)
          .join(', '),
    );
    const upExtra = db.prepare(
      `INSERT INTO security_event_cache_extra VALUES (@srcIp, @dstIp, @srcPort, @dstPort, @proto, @operationArg,
       @watchUntilUs, @hits) ON CONFLICT (${KEY_COLUMNS}) DO UPDATE SET operation_arg = excluded.operation_arg,
       watch_until_us = excluded.watch_until_us, hits = excluded.hits`,
    );
    const where = 'WHERE src_ip = ? AND dst_ip = ? AND src_port = ? AND dst_port = ? AND proto = ?';
    const del = db.prepare(`DELETE FROM security_event_cache ${where}`);
    const delExtra = db.prepare(`DELETE FROM security_event_cache_extra ${where}`);
    let n = 0;
    db.transaction(() => {
      for (const k of this.dirty) {
        const e = this.map.get(k);
        if (e) {
          up.run({
            srcIp: e.srcIp,
            dstIp: e.dstIp,
            srcPort: e.srcPort,
            dstPort: e.dstPort,
            proto: e.proto,
            createdUs: e.createdUs,
            lastHitUs: e.lastHitUs,
            maxLifetimeUs: e.maxLifetimeUs,
            direction: e.direction,
            scope: e.scope,
            operationType: e.operationType,
            operation: e.operation,
            eventId: e.eventId,
            diagnosis: e.diagnosis,
            status: e.status,
          });
          upExtra.run({
            srcIp: e.srcIp,
            dstIp: e.dstIp,
            srcPort: e.srcPort,
            dstPort: e.dstPort,
            proto: e.proto,
            operationArg: e.operationArg ?? null,
            watchUntilUs: e.watchUntilUs ?? null,
            hits: e.hits,
          });
        } else {
          const [s, d, sp, dp, p] = k.split('|');
          const key = [s, d, Number(sp), Number(dp), Number(p)];
          del.run(...key);
          delExtra.run(...key);
        }
        n++;
      }
    })();
    this.dirty.clear();
    return n;
  }
}
