/**
 * Every verdict becomes kernel state: the gateway's component that takes the event cache's entries from
 * the bus (`cache-entry`: put, del), keeps the ones in force in the store (A-62: the watch state survives restarts)
 * and holds the verdict table in the kernel equal to them. A restart reads the store and puts the same table in
 * force in one transaction, which leaves conntrack alone: live connections are not dropped. Expired entries are
 * swept from the store and the table; the kernel already ignores them (`meta time`).
 */
import type {
  CacheEntryChange,
  CacheEntryMessage,
  Component,
  Health,
  MessageBus,
  MoatTopics,
  Subscription,
} from '../../framework/index.js';
import { listConntrack } from '../conntrack.js';
import { runNft } from '../nft-exec.js';
import { coveredConnections, openUpstream } from './intervention.js';
import type { VerdictStore } from './verdict-store.js';
import {
  expiresAtS,
  MAX_SET_TIMEOUT_S,
  renderVerdicts,
  verdictKey,
  type RenderedVerdicts,
  type VerdictTableOptions,
} from './verdict-ruleset.js';

export interface VerdictEnforcerConfig {
  /** Changed by `reconfigure` on a reload. */
  table: VerdictTableOptions;
  store: VerdictStore;
  bus: MessageBus<MoatTopics>;
  log: (line: string) => void;
  /** How often expired entries are swept (default 10 s). */
  sweepEveryMs?: number;
}

export class VerdictEnforcer implements Component<VerdictEnforcerConfig> {
  readonly name = 'verdicts';
  readonly dependsOn = ['bus', 'router'];
  private readonly entries = new Map<string, CacheEntryMessage>();
  private sub?: Subscription;
  private timer?: NodeJS.Timeout;
  private applying: Promise<void> = Promise.resolve();
  private dirty = false;
  private lastError?: string;
  /** What the kernel holds now. */
  rendered?: RenderedVerdicts;
  applied = 0;
  private renderedAtS = 0;
  private readonly upstreams = new Set<{ destroy(): void }>();

  constructor(readonly config: VerdictEnforcerConfig) {}

  async start(): Promise<void> {
    const now = Date.now() / 1000;
    for (const e of this.config.store.load(now)) this.entries.set(verdictKey(e), e);
    await this.apply();
    if (this.entries.size)
      this.config.log(`verdicts: ${this.entries.size} entries restored from the store and in force`);
    this.sub = await this.config.bus.subscribe('cache-entry', 'gateway-verdicts', (c) => this.onChange(c));
    this.timer = setInterval(() => this.sweep(), this.config.sweepEveryMs ?? 10_000);
    this.timer.unref();
  }

  /** A reload's new options (honeypot, NFLOG groups, rates): the table is rendered again with them. */
  reconfigure(table: VerdictTableOptions): Promise<void> {
    if (table.table !== this.config.table.table)
      throw new Error('the verdict table cannot be renamed while running');
    this.config.table = table;
    return this.schedule();
  }

  /** The entries in force, for the API and the CLI. */
  list(): CacheEntryMessage[] {
    return [...this.entries.values()];
  }

  onChange(c: CacheEntryChange): Promise<void> {
    const key = verdictKey(c.entry);
    if (c.change === 'hit') return this.applying;
    if (c.change === 'del' || c.entry.status === 'invalid' || expiresAtS(c.entry) <= Date.now() / 1000) {
      if (!this.entries.delete(key)) return this.applying;
      this.config.store.delete(key);
    } else {
      const before = this.entries.get(key);
      this.entries.set(key, c.entry);
      this.config.store.put(c.entry);
      if (
        c.entry.operation === 'intervene' &&
        c.entry.status === 'valid' &&
        before?.operation !== 'intervene'
      )
        void this.intervene(c.entry);
    }
    this.config.log(
      `verdict ${c.change === 'del' ? 'removed' : c.entry.status === 'valid' ? c.entry.operation : c.entry.status}: ${key} (${c.entry.diagnosis} ${c.entry.eventId})`,
    );
    return this.schedule();
  }

  /** Re-renders once for any number of changes that arrive while an apply runs. */
  private schedule(): Promise<void> {
    this.dirty = true;
    this.applying = this.applying.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      await this.apply().catch((err: unknown) => {
        this.lastError = err instanceof Error ? err.message : String(err);
        this.config.log(`verdicts: the kernel refused the table: ${this.lastError}`);
      });
    });
    return this.applying;
  }

  /** Waits for the kernel to hold every change received so far. */
  settled(): Promise<void> {
    return this.applying;
  }

  private async apply(): Promise<void> {
    const r = renderVerdicts(this.entries.values(), this.config.table);
    for (const s of r.skipped) this.config.log(`verdict ${s.key} not enforced: ${s.why}`);
    await runNft(['-f', '-'], r.script);
    this.rendered = r;
    this.renderedAtS = Date.now() / 1000;
    this.applied++;
    this.lastError = undefined;
  }

  private sweep(): void {
    const now = Date.now() / 1000;
    let gone = 0;
    for (const [k, e] of this.entries) {
      const watchEnd =
        e.status === 'watched' && e.watchUntilUs !== undefined ? e.watchUntilUs / 1e6 : Infinity;
      if (expiresAtS(e) <= now || watchEnd <= now) {
        this.entries.delete(k);
        this.config.store.delete(k);
        gone++;
      }
    }
    // A clamped element's kernel timeout is re-armed well before it runs out.
    const rearm = this.rendered?.clamped === true && now - this.renderedAtS > MAX_SET_TIMEOUT_S / 2;
    if (gone || rearm) void this.schedule();
  }

  /** A-67 a2/a3: a new connection to each destination of what was open, and the details to the linkage. */
  private async intervene(e: CacheEntryMessage): Promise<void> {
    const honeypot = this.config.table.honeypot;
    if (!honeypot) return;
    let open: ReturnType<typeof coveredConnections> = [];
    try {
      open = coveredConnections(e, await listConntrack());
    } catch (err) {
      this.config.log(`intervention: conntrack: ${(err as Error).message}`);
    }
    const holdMs = Math.max(1000, expiresAtS(e) * 1000 - Date.now());
    const connections = [];
    for (const c of open) {
      const up = await openUpstream(c.dst, c.dport, Math.min(holdMs, 600_000));
      if (up.socket) {
        const s = up.socket;
        this.upstreams.add(s);
        s.once('close', () => this.upstreams.delete(s));
      }
      connections.push({ ...c, upstream: up.result });
    }
    this.config.bus.publish('intervention', {
      srcIp: e.srcIp,
      dstIp: e.dstIp,
      honeypot,
      eventId: e.eventId,
      at: new Date().toISOString(),
      connections,
    });
    this.config.log(
      `intervention: ${e.srcIp} lured to the honeypot ${honeypot}; ${connections.length} open connection(s) torn down` +
        connections.map((c) => `, ${c.dst}:${c.dport} reopened: ${c.upstream}`).join(''),
    );
  }

  /** The table stays in the kernel (fail-open: the last verdicts hold until their deadlines). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sub?.close();
    await this.applying;
    for (const s of this.upstreams) s.destroy();
  }

  health(): Health {
    const detail = `${this.entries.size} entries, ${this.rendered?.rules ?? 0} rules and ${this.rendered?.elements ?? 0} set elements in table inet ${this.config.table.table}`;
    return this.lastError ? { ok: false, detail: `${detail}; ${this.lastError}` } : { ok: true, detail };
  }
}
