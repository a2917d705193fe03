/**
 * The request log (B-9 audit of who asked what): buffered and written in batches so logging costs the
 * request path one array push. SQLite by default; PostgreSQL when a connection string is configured.
 */
import type { Db, PgPool, PgStore, SqliteStore } from '../store/index.js';
import { IDENTIFY_API_SCHEMA } from './api-keys.js';

export interface RequestLogEntry {
  at: string;
  terminal: string | null;
  route: string;
  status: number;
  items: number;
  ms: number;
  client: string | null;
}

export interface RequestLog {
  record(e: RequestLogEntry): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Entries kept while the database is unreachable; beyond this the oldest are dropped (and counted). */
const MAX_PENDING = 100_000;

abstract class BufferedLog implements RequestLog {
  protected buf: RequestLogEntry[] = [];
  private timer: NodeJS.Timeout;
  private failing = false;
  private inflight: Promise<void> | undefined;
  /** Entries dropped because the database stayed unreachable. */
  dropped = 0;

  constructor(
    intervalMs: number,
    private readonly onError: (e: unknown) => void = (e) =>
      process.stderr.write(
        `identify: request log write failed: ${e instanceof Error ? e.message : String(e)}\n`,
      ),
  ) {
    this.timer = setInterval(() => void this.flush().catch(() => {}), intervalMs);
    this.timer.unref();
  }

  record(e: RequestLogEntry): void {
    this.buf.push(e);
    if (this.buf.length >= 5000 && !this.failing) void this.flush().catch(() => {});
  }

  /**
   * Writes what is buffered, one write at a time (so entries land in order and close() waits for all);
   * on failure the entries go back to the front of the buffer (bounded) and the error is thrown.
   */
  async flush(): Promise<void> {
    while (this.inflight) await this.inflight.catch(() => {});
    if (this.buf.length === 0) return;
    const batch = this.buf;
    this.buf = [];
    this.inflight = this.write(batch);
    try {
      await this.inflight;
      this.failing = false;
    } catch (e) {
      // Keep the entries for the next attempt; report once per outage, not on every tick.
      this.buf = batch.concat(this.buf);
      if (this.buf.length > MAX_PENDING) {
        this.dropped += this.buf.length - MAX_PENDING;
        this.buf.splice(0, this.buf.length - MAX_PENDING);
      }
      if (!this.failing) this.onError(e);
      this.failing = true;
      throw e;
    } finally {
      this.inflight = undefined;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  protected abstract write(batch: RequestLogEntry[]): Promise<void>;
}

export class SqliteRequestLog extends BufferedLog {
  private readonly db: Db;

  constructor(store: SqliteStore, intervalMs = 250) {
    super(intervalMs);
    store.migrate(IDENTIFY_API_SCHEMA);
    this.db = store.db;
  }

  protected async write(batch: RequestLogEntry[]): Promise<void> {
    const ins = this.db.prepare(
      'INSERT INTO identify_requests (at, terminal, route, status, items, ms, client) VALUES (@at, @terminal, @route, @status, @items, @ms, @client)',
    );
    this.db.transaction((rows: RequestLogEntry[]) => {
      for (const r of rows) ins.run(r);
    })(batch);
  }
}

/** Rows per INSERT: 7 parameters each, under PostgreSQL's 65,535-parameter limit. */
const PG_ROWS_PER_INSERT = 5000;

/**
 * PostgreSQL log (a fleet of services shares one). `open` migrates the table before the service starts listening,
 * so a problem with the store fails at start-up rather than on the first flush. The pool belongs to the store.
 */
export class PgRequestLog extends BufferedLog {
  private constructor(
    private readonly pool: PgPool,
    intervalMs: number,
    onError?: (e: unknown) => void,
  ) {
    super(intervalMs, onError);
  }

  static async open(
    store: PgStore,
    opts: { intervalMs?: number; onError?: (e: unknown) => void } = {},
  ): Promise<PgRequestLog> {
    await store.migrate(IDENTIFY_API_SCHEMA);
    return new PgRequestLog(store.pool, opts.intervalMs ?? 500, opts.onError);
  }

  protected async write(batch: RequestLogEntry[]): Promise<void> {
    // One transaction: a batch retried after a failure is never half in the table already.
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      for (let from = 0; from < batch.length; from += PG_ROWS_PER_INSERT) {
        const args: unknown[] = [];
        const rows = batch.slice(from, from + PG_ROWS_PER_INSERT).map((r, i) => {
          args.push(r.at, r.terminal, r.route, r.status, r.items, r.ms, r.client);
          const b = i * 7;
          return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7})`;
        });
        await client.query(
          `INSERT INTO identify_requests (at, terminal, route, status, items, ms, client) VALUES ${rows.join(', ')}`,
          args,
        );
      }
      await client.query('COMMIT');
      client.release();
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      client.release(true); // a broken connection is not returned to the pool
      throw e;
    }
  }
}
