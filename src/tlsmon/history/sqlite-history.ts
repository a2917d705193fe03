/**
 * Heat history that survives restarts (T-25, acceptance 3): the in-memory buckets are the working set; every
 * `flush()` writes the increments since the last one in a single transaction (the monitor flushes every few
 * seconds and on shutdown), and opening the store loads the buckets still inside the retention.
 */
import type { Db, Schema, SqliteStore } from '../../store/index.js';
import { MemoryHeatHistory } from './memory-history.js';

export const HEAT_SCHEMA: Schema = {
  component: 'tlsmon-heat',
  migrations: [
    {
      version: 1,
      name: 'heat buckets',
      legacyId: 'tlsmon-001-heat',
      sqlite: `CREATE TABLE tlsmon_heat (
      ck TEXT NOT NULL,
      bucket INTEGER NOT NULL,
      count INTEGER NOT NULL,
      PRIMARY KEY (ck, bucket)
    ) WITHOUT ROWID;
    CREATE INDEX tlsmon_heat_bucket ON tlsmon_heat (bucket);`,
    },
  ],
};

export class SqliteHeatHistory extends MemoryHeatHistory {
  private readonly db: Db;
  private readonly upsert;
  private readonly deleteOld;

  constructor(store: SqliteStore, bucketS = 60, retainS = 30 * 86400) {
    super(bucketS, retainS, true);
    store.migrate(HEAT_SCHEMA);
    const db = (this.db = store.db);
    this.upsert = db.prepare(
      'INSERT INTO tlsmon_heat (ck, bucket, count) VALUES (?, ?, ?) ON CONFLICT (ck, bucket) DO UPDATE SET count = count + excluded.count',
    );
    this.deleteOld = db.prepare('DELETE FROM tlsmon_heat WHERE bucket < ?');
    const newest = (db.prepare('SELECT MAX(bucket) AS m FROM tlsmon_heat').get() as { m: number | null }).m;
    if (newest !== null) {
      const from = newest - Math.ceil(retainS / bucketS);
      const rows = db
        .prepare('SELECT ck, bucket, count FROM tlsmon_heat WHERE bucket >= ? ORDER BY bucket')
        .iterate(from);
      for (const r of rows as Iterable<{ ck: string; bucket: number; count: number }>)
        this.add(r.ck, r.bucket, r.count, false);
      this.latestS = newest * bucketS;
    }
  }

  /** Writes pending increments; returns how many bucket rows were touched. */
  flush(): number {
    if (this.dirty.size === 0) return 0;
    let rows = 0;
    const write = this.db.transaction(() => {
      for (const [ck, buckets] of this.dirty) {
        for (const [bucket, n] of buckets) {
          this.upsert.run(ck, bucket, n);
          rows++;
        }
      }
      this.deleteOld.run(Math.floor((this.latestS - this.retainS) / this.bucketS));
    });
    write();
    this.dirty.clear();
    return rows;
  }
}
