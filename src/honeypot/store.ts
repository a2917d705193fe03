/** Instances in SQLite: one row per session, its lists as JSON; queried by peer and time. */
import type { Db, Schema, SqliteStore } from '../store/index.js';
import type { CaptureRef, InstanceRecord } from './instance.js';

export const HONEYPOT_SCHEMA: Schema = {
  component: 'honeypot',
  migrations: [
    {
      version: 1,
      name: 'instances',
      legacyId: 'honeypot-001-instances',
      sqlite: `CREATE TABLE honeypot_instances (
      id TEXT PRIMARY KEY, service TEXT NOT NULL, peer_ip TEXT NOT NULL, peer_port INTEGER NOT NULL,
      local_port INTEGER NOT NULL, start TEXT NOT NULL, end TEXT, end_reason TEXT,
      credentials TEXT NOT NULL, commands TEXT NOT NULL, downloads TEXT NOT NULL, samples TEXT NOT NULL,
      bytes_in INTEGER NOT NULL, bytes_out INTEGER NOT NULL);
    CREATE INDEX honeypot_instances_peer ON honeypot_instances(peer_ip, start);`,
    },
    {
      // The session's own packet capture (capture.ts): file, counts; NULL when the honeypot captured nothing.
      version: 2,
      name: 'capture',
      sqlite: `ALTER TABLE honeypot_instances ADD COLUMN capture TEXT;`,
    },
  ],
};

export class InstanceStore {
  private readonly upsert;

  readonly db: Db;

  constructor(store: SqliteStore) {
    store.migrate(HONEYPOT_SCHEMA);
    const db = (this.db = store.db);
    this.upsert = db.prepare(`INSERT OR REPLACE INTO honeypot_instances
      (id, service, peer_ip, peer_port, local_port, start, end, end_reason, credentials, commands, downloads, samples,
       bytes_in, bytes_out, capture)
      VALUES (@id, @service, @peerIp, @peerPort, @localPort, @start, @end, @endReason, @credentials, @commands,
       @downloads, @samples, @bytesIn, @bytesOut, @capture)`);
  }

  save(r: InstanceRecord): void {
    this.upsert.run({
      ...r,
      end: r.end ?? null,
      endReason: r.endReason ?? null,
      credentials: JSON.stringify(r.credentials),
      commands: JSON.stringify(r.commands),
      downloads: JSON.stringify(r.downloads),
      samples: JSON.stringify(r.samples),
      capture: r.capture ? JSON.stringify(r.capture) : null,
    });
  }

  get(id: string): InstanceRecord | undefined {
    const row = this.db.prepare('SELECT * FROM honeypot_instances WHERE id = ?').get(id) as
      Record<string, unknown> | undefined;
    return row ? fromRow(row) : undefined;
  }

  list(limit = 100): InstanceRecord[] {
    return (
      this.db.prepare('SELECT * FROM honeypot_instances ORDER BY start DESC LIMIT ?').all(limit) as Array<
        Record<string, unknown>
      >
    ).map(fromRow);
  }
}

function fromRow(row: Record<string, unknown>): InstanceRecord {
  return {
    id: String(row.id),
    service: String(row.service),
    peerIp: String(row.peer_ip),
    peerPort: Number(row.peer_port),
    localPort: Number(row.local_port),
    start: String(row.start),
    end: row.end == null ? undefined : String(row.end),
    endReason: row.end_reason == null ? undefined : String(row.end_reason),
    credentials: JSON.parse(String(row.credentials)),
    commands: JSON.parse(String(row.commands)),
    downloads: JSON.parse(String(row.downloads)),
    samples: JSON.parse(String(row.samples)),
    bytesIn: Number(row.bytes_in),
    bytesOut: Number(row.bytes_out),
    ...(row.capture == null ? {} : { capture: JSON.parse(String(row.capture)) as CaptureRef }),
  };
}
