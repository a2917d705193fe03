/**
 * Log review over the sampled flow log: each sampled flow is charged to the device that
 * opened it, per tumbling window of packet time. Rules compare a window with fixed limits and with the device's
 * own persisted baseline — fan-out to many peers, peers never seen before, many destination ports, repeated
 * connections to one service, volume far above the device's usual. A hit restricts the device (a device-level
 * event-cache entry with the rule's A-37 operation, enforced in nftables when live) and reports it (an alert for the
 * outputs, and to `report`). Counts from 1:N sampled flows are scaled by N, so limits are in real flows.
 */
import type { Schema, SqliteStore } from '../store/index.js';
import { formatIp } from '../address/index.js';
import type { FlowView } from '../flow/index.js';
import type { ReviewAlert } from '../finding/index.js';
import {
  ANY_PEER,
  OPERATIONS,
  type CacheEntry,
  type EventCacheTable,
  type Operation,
} from './event-cache.js';

export type ReviewRule = 'fanout' | 'new-peers' | 'port-diversity' | 'repeat' | 'volume';
export const REVIEW_RULES: readonly ReviewRule[] = [
  'fanout',
  'new-peers',
  'port-diversity',
  'repeat',
  'volume',
];

export interface RuleAction {
  operation: Operation;
  /** Operation parameter (suppress: "N/second"). */
  arg?: string;
  /** How long the restriction lasts, seconds. */
  lifetimeS: number;
}

export interface LogReviewConfig {
  windowS: number;
  /** fanout: distinct peers per window. */
  maxPeers: number;
  /** new-peers: peers the device never talked to before, per window, once it has a baseline. */
  maxNewPeers: number;
  /** Windows of history before the baseline rules (new-peers, volume) judge a device. */
  minBaselineWindows: number;
  /** port-diversity: distinct destination ports per window. */
  maxPorts: number;
  /** repeat: flows to one peer's login service per window (password guessing). */
  maxRepeat: number;
  /** The login services `repeat` watches (web ports are left out: browsers open many connections). */
  repeatPorts: number[];
  /** volume: bytes sent per window above this multiple of the device's mean … */
  volumeFactor: number;
  /** … and above this floor (small devices' spikes from nothing are not worth a restriction). */
  minVolumeBytes: number;
  actions: Record<ReviewRule, RuleAction>;
  /**
   * Counts scaled from 1:N samples judge only once this many samples stand behind them (1: as before): at 1:20 a
   * single sampled telnet SYN would otherwise count as 20 attempts.
   */
  minSamples: number;
}

export const DEFAULT_REVIEW: LogReviewConfig = {
  windowS: 60,
  maxPeers: 64,
  maxNewPeers: 32,
  minBaselineWindows: 3,
  maxPorts: 24,
  maxRepeat: 12,
  repeatPorts: [21, 22, 23, 25, 110, 143, 445, 1433, 2323, 3306, 3389, 5432, 5900, 6379, 8291],
  volumeFactor: 10,
  minVolumeBytes: 5_000_000,
  minSamples: 1,
  actions: {
    fanout: { operation: 'suppress', arg: '20/second', lifetimeS: 3600 },
    'new-peers': { operation: 'monitor', lifetimeS: 3600 },
    'port-diversity': { operation: 'drop', lifetimeS: 3600 },
    repeat: { operation: 'drop', lifetimeS: 3600 },
    volume: { operation: 'track', lifetimeS: 3600 },
  },
};

/** Checks and completes a (partial, e.g. from a JSON file) configuration; errors name the field. */
export function reviewConfig(
  over: Partial<Omit<LogReviewConfig, 'actions'>> & {
    actions?: Partial<Record<string, Partial<RuleAction>>>;
  } = {},
): LogReviewConfig {
  const cfg: LogReviewConfig = { ...DEFAULT_REVIEW, ...over, actions: { ...DEFAULT_REVIEW.actions } };
  for (const k of [
    'windowS',
    'maxPeers',
    'maxNewPeers',
    'maxPorts',
    'maxRepeat',
    'volumeFactor',
    'minVolumeBytes',
  ] as const) {
    const v = cfg[k];
    if (typeof v !== 'number' || !(v > 0))
      throw new Error(`log review: ${k} must be a positive number, got ${String(v)}`);
  }
  if (
    !Array.isArray(cfg.repeatPorts) ||
    cfg.repeatPorts.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)
  )
    throw new Error('log review: repeatPorts must be a list of port numbers');
  if (!Number.isInteger(cfg.minSamples) || cfg.minSamples < 1)
    throw new Error(`log review: minSamples must be a whole number ≥ 1`);
  if (!Number.isInteger(cfg.minBaselineWindows) || cfg.minBaselineWindows < 0)
    throw new Error(`log review: minBaselineWindows must be a whole number ≥ 0`);
  for (const [name, a] of Object.entries(over.actions ?? {})) {
    if (!REVIEW_RULES.includes(name as ReviewRule))
      throw new Error(`log review: unknown rule '${name}' in actions (known: ${REVIEW_RULES.join(', ')})`);
    const merged = { ...DEFAULT_REVIEW.actions[name as ReviewRule], ...a };
    if (!OPERATIONS.includes(merged.operation))
      throw new Error(
        `log review: actions.${name}.operation '${merged.operation}' is not one of ${OPERATIONS.join(', ')}`,
      );
    if (!(merged.lifetimeS > 0)) throw new Error(`log review: actions.${name}.lifetimeS must be positive`);
    cfg.actions[name as ReviewRule] = merged;
  }
  return cfg;
}

export const LOG_REVIEW_SCHEMA: Schema = {
  component: 'security-log-review',
  migrations: [
    {
      version: 1,
      name: 'baselines',
      legacyId: 'security-002-log-review',
      sqlite: `CREATE TABLE log_review_device (
      ip TEXT PRIMARY KEY, windows INTEGER NOT NULL, mean_bytes REAL NOT NULL, mean_flows REAL NOT NULL,
      mean_peers REAL NOT NULL, last_window_us INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE log_review_peer (
      ip TEXT NOT NULL, peer TEXT NOT NULL, first_us INTEGER NOT NULL, PRIMARY KEY (ip, peer)
    ) WITHOUT ROWID;`,
    },
  ],
};

/** A device's history: smoothed per-window means and every peer it has talked to. */
interface Baseline {
  windows: number;
  meanBytes: number;
  meanFlows: number;
  meanPeers: number;
  lastWindowUs: number;
  peers: Set<string>;
}

interface Window {
  startUs: number;
  flows: number;
  bytes: number;
  peers: Set<string>;
  newPeers: Set<string>;
  ports: Set<number>;
  repeat: Map<string, number>;
  /** The sampling rate the counts are scaled by (the largest seen in the window). */
  rate: number;
  fired: Set<ReviewRule>;
}

/** A connection by addresses and ports: the device that opened it and its peer. */
export interface SampledConnection {
  device: string;
  peer: string;
  proto: number;
  dstPort: number;
  /** Bytes the device sent. */
  bytes: number;
  startUs: number;
}

export interface ReviewHit {
  rule: ReviewRule;
  device: string;
  /** Scaled count (or bytes) that crossed the limit, and the limit. */
  value: number;
  limit: number;
  entry: CacheEntry;
  alert: ReviewAlert;
}

export interface LogReviewDeps {
  cache: EventCacheTable;
  /** Where baselines are kept across runs; without one they live in memory only. */
  store?: SqliteStore;
  /** Which initiators are devices to review (default: all); e.g. zone ≠ wan. */
  isDevice?: (ip: string) => boolean;
  /** Zone name written into the cache entry's scope. */
  zoneOf?: (ip: string) => string;
  /** Live: program the restriction into the kernel (nftables). Failures are reported, never thrown. */
  enforce?: (entry: CacheEntry) => Promise<void>;
  /** Told of every hit's alert as it happens. */
  report?: (alert: ReviewAlert) => void;
}

/** EWMA weight of a new window in the baseline. */
const ALPHA = 0.2;
/** Signature ids of the review rules in EVE alerts (gid 1, a moat-local range). */
const SID_BASE = 9_400_001;

export class LogReview {
  private readonly cfg: LogReviewConfig;
  private readonly repeatPorts: ReadonlySet<number>;
  private readonly baselines = new Map<string, Baseline>();
  private readonly windows = new Map<string, Window>();
  private readonly dirtyDevices = new Set<string>();
  private readonly newPeerRows: Array<[string, string, number]> = [];
  private readonly pendingEnforce: Array<Promise<void>> = [];
  readonly hits: ReviewHit[] = [];
  readonly enforceErrors: string[] = [];
  flowsReviewed = 0;

  constructor(
    private readonly deps: LogReviewDeps,
    config: LogReviewConfig = DEFAULT_REVIEW,
  ) {
    this.cfg = config;
    this.repeatPorts = new Set(config.repeatPorts);
    if (!deps.store) return;
    deps.store.migrate(LOG_REVIEW_SCHEMA);
    const db = deps.store.db;
    for (const r of db.prepare('SELECT * FROM log_review_device').all() as Array<
      Record<string, number | string>
    >) {
      this.baselines.set(String(r.ip), {
        windows: Number(r.windows),
        meanBytes: Number(r.mean_bytes),
        meanFlows: Number(r.mean_flows),
        meanPeers: Number(r.mean_peers),
        lastWindowUs: Number(r.last_window_us),
        peers: new Set(),
      });
    }
    for (const r of db.prepare('SELECT ip, peer FROM log_review_peer').all() as Array<{
      ip: string;
      peer: string;
    }>) {
      this.baselines.get(r.ip)?.peers.add(r.peer);
    }
  }

  baseline(device: string): (Readonly<Omit<Baseline, 'peers'>> & { peers: number }) | undefined {
    const b = this.baselines.get(device);
    return b && { ...b, peers: b.peers.size };
  }

  /** One sampled flow (at its end), sampled 1:`rate`. Returns the hits it caused. */
  observe(flow: FlowView, rate: number, tsUs: number): ReviewHit[] {
    const device = formatIp(flow.src, flow.ipVersion);
    if (this.deps.isDevice && !this.deps.isDevice(device)) return [];
    return this.observeConnection(
      {
        device,
        peer: formatIp(flow.dst, flow.ipVersion),
        proto: flow.proto,
        dstPort: flow.dstPort,
        bytes: flow.bytes[0],
        startUs: flow.startUs,
      },
      rate,
      tsUs,
    );
  }

  /**
   * One sampled connection start known only by its addresses (the kernel's packet samples, src/devices/): the same
   * review as a flow's.
   */
  observeConnection(c: SampledConnection, rate: number, tsUs: number): ReviewHit[] {
    const { device, peer } = c;
    if (this.deps.isDevice && !this.deps.isDevice(device)) return [];
    this.flowsReviewed++;
    const flow = c;
    const winUs = this.cfg.windowS * 1e6;
    let w = this.windows.get(device);
    if (w && flow.startUs >= w.startUs + winUs) {
      this.closeWindow(device, w);
      w = undefined;
    }
    if (!w) {
      const start = Math.floor(flow.startUs / winUs) * winUs;
      w = {
        startUs: start,
        flows: 0,
        bytes: 0,
        peers: new Set(),
        newPeers: new Set(),
        ports: new Set(),
        repeat: new Map(),
        rate: 1,
        fired: new Set(),
      };
      this.windows.set(device, w);
    }
    const base = this.baselines.get(device);
    w.flows++;
    w.bytes += flow.bytes;
    w.rate = Math.max(w.rate, rate);
    w.peers.add(peer);
    if (!base?.peers.has(peer)) w.newPeers.add(peer);
    if (flow.proto === 6 || flow.proto === 17) w.ports.add(flow.dstPort);
    if (flow.proto === 6 && this.repeatPorts.has(flow.dstPort)) {
      const svc = `${peer}|${flow.dstPort}`;
      w.repeat.set(svc, (w.repeat.get(svc) ?? 0) + 1);
    }
    return this.judge(device, w, base, tsUs);
  }

  private judge(device: string, w: Window, base: Baseline | undefined, tsUs: number): ReviewHit[] {
    const c = this.cfg;
    const n = w.rate;
    const out: ReviewHit[] = [];
    // `raw`: the samples behind a count; scaled counts of sparse samples need at least minSamples of them.
    const check = (rule: ReviewRule, value: number, limit: number, raw = c.minSamples): void => {
      if (value > limit && raw >= c.minSamples && !w.fired.has(rule)) {
        w.fired.add(rule);
        out.push(this.hit(rule, device, value, limit, tsUs));
      }
    };
    check('fanout', w.peers.size * n, c.maxPeers, w.peers.size);
    check('port-diversity', w.ports.size * n, c.maxPorts, w.ports.size);
    let most = 0;
    for (const v of w.repeat.values()) most = Math.max(most, v);
    check('repeat', most * n, c.maxRepeat, most);
    if (base && base.windows >= c.minBaselineWindows) {
      check('new-peers', w.newPeers.size * n, c.maxNewPeers, w.newPeers.size);
      const limit = Math.max(c.minVolumeBytes, base.meanBytes * c.volumeFactor);
      check('volume', w.bytes * n, limit);
    }
    return out;
  }

  private hit(rule: ReviewRule, device: string, value: number, limit: number, tsUs: number): ReviewHit {
    const a = this.cfg.actions[rule];
    const entry = this.deps.cache.record({
      srcIp: device,
      dstIp: ANY_PEER,
      srcPort: 0,
      dstPort: 0,
      proto: 0,
      createdUs: tsUs,
      maxLifetimeUs: a.lifetimeS * 1e6,
      direction: 'both',
      scope: this.deps.zoneOf?.(device) ?? 'any',
      operation: a.operation,
      operationArg: a.arg,
      eventId: `log-review:${rule}`,
      diagnosis: 'log-review',
    });
    const what: Record<ReviewRule, string> = {
      fanout: 'fan-out to many peers',
      'new-peers': 'many peers never seen before',
      'port-diversity': 'many destination ports (scan)',
      repeat: 'repeated connections to one service (brute force)',
      volume: 'traffic volume far above its baseline',
    };
    const blocks = entry.operationType === 'block';
    const alert: ReviewAlert = {
      kind: 'review-alert',
      signature: {
        gid: 1,
        sid: SID_BASE + REVIEW_RULES.indexOf(rule),
        rev: 1,
        msg: `MOAT log review: ${what[rule]}`,
        category: 'Log review',
        severity: blocks ? 1 : 2,
      },
      action: blocks ? 'blocked' : 'allowed',
      review: {
        rule,
        device,
        value,
        limit,
        windowS: this.cfg.windowS,
        operation: a.operation,
        operationArg: a.arg,
        lifetimeS: a.lifetimeS,
      },
    };
    if (this.deps.enforce) {
      this.pendingEnforce.push(
        this.deps.enforce(entry).catch((err: unknown) => {
          this.enforceErrors.push(`${device} ${rule}: ${err instanceof Error ? err.message : String(err)}`);
        }),
      );
    }
    this.deps.report?.(alert);
    const h = { rule, device, value, limit, entry, alert };
    this.hits.push(h);
    return h;
  }

  /** Folds a finished window into the device's baseline (windows in which the device was restricted are not learnt). */
  private closeWindow(device: string, w: Window): void {
    this.windows.delete(device);
    let b = this.baselines.get(device);
    if (!b) {
      b = { windows: 0, meanBytes: 0, meanFlows: 0, meanPeers: 0, lastWindowUs: 0, peers: new Set() };
      this.baselines.set(device, b);
    }
    if (w.fired.size === 0) {
      const n = w.rate;
      const k = b.windows === 0 ? 1 : ALPHA;
      b.meanBytes += k * (w.bytes * n - b.meanBytes);
      b.meanFlows += k * (w.flows * n - b.meanFlows);
      b.meanPeers += k * (w.peers.size * n - b.meanPeers);
      b.windows++;
      for (const p of w.newPeers) {
        b.peers.add(p);
        this.newPeerRows.push([device, p, w.startUs]);
      }
    }
    b.lastWindowUs = w.startUs;
    this.dirtyDevices.add(device);
  }

  /** End of input: close open windows, persist baselines, wait for enforcement. */
  async close(): Promise<void> {
    for (const [d, w] of [...this.windows]) this.closeWindow(d, w);
    this.flush();
    await Promise.all(this.pendingEnforce);
  }

  flush(): void {
    const db = this.deps.store?.db;
    if (!db) return;
    const up =
      db.prepare(`INSERT INTO log_review_device VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (ip) DO UPDATE SET
      windows = excluded.windows, mean_bytes = excluded.mean_bytes, mean_flows = excluded.mean_flows,
      mean_peers = excluded.mean_peers, last_window_us = excluded.last_window_us`);
    const peer = db.prepare('INSERT OR IGNORE INTO log_review_peer VALUES (?, ?, ?)');
    db.transaction(() => {
      for (const d of this.dirtyDevices) {
        const b = this.baselines.get(d);
        if (b) up.run(d, b.windows, b.meanBytes, b.meanFlows, b.meanPeers, b.lastWindowUs);
      }
      for (const r of this.newPeerRows) peer.run(...r);
    })();
    this.dirtyDevices.clear();
    this.newPeerRows.length = 0;
    this.deps.cache.flush();
  }
}
