/**
 * The request log (B-9 audit of who asked what): buffered and written in batches so logging costs the
 * request path one array push. SQLite by default; PostgreSQL when a connection string is configured.
 */
import type { Db } from '../store/database.js';

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

abstract class BufferedLog implements RequestLog {
  protected buf: RequestLogEntry[] = [];
  private timer: NodeJS.Timeout;

  constructor(intervalMs: number) {
    this.timer = setInterval(() => void this.flush().catch(() => {}), intervalMs);
    this.timer.unref();
  }

  record(e: RequestLogEntry): void {
    this.buf.push(e);
    if (this.buf.length >= 5000) void this.flush().catch(() => {});
  }

  async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const batch = this.buf;
    this.buf = [];
    await this.write(batch);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  protected abstract write(batch: RequestLogEntry[]): Promise<void>;
}

export class SqliteRequestLog extends BufferedLog {
  constructor(
    private readonly db: Db,
    intervalMs = 250,
  ) {
    super(intervalMs);
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

/** PostgreSQL log (a fleet shares one): creates its table on first use. */
export class PgRequestLog extends BufferedLog {
  private ready: Promise<void> | undefined;

  constructor(
    private readonly pool: {
      query: (sql: string, args?: unknown[]) => Promise<unknown>;
      end: () => Promise<void>;
    },
    intervalMs = 500,
  ) {
    super(intervalMs);
  }

  protected async write(batch: RequestLogEntry[]): Promise<void> {
    this.ready ??= this.pool
      .query(
        `CREATE TABLE IF NOT EXISTS identify_requests (id BIGSERIAL PRIMARY KEY, at TIMESTAMPTZ NOT NULL, terminal TEXT,
           route TEXT NOT NULL, status INTEGER NOT NULL, items INTEGER NOT NULL, ms DOUBLE PRECISION NOT NULL, client TEXT)`,
      )
      .then(() => undefined);
    await this.ready;
    const args: unknown[] = [];
    const rows = batch.map((r, i) => {
      args.push(r.at, r.terminal, r.route, r.status, r.items, r.ms, r.client);
      const b = i * 7;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7})`;
    });
    await this.pool.query(
      `INSERT INTO identify_requests (at, terminal, route, status, items, ms, client) VALUES ${rows.join(', ')}`,
      args,
    );
  }

  override async close(): Promise<void> {
    await super.close();
    await this.pool.end();
  }
}
