/** PostgreSQL connections for the stores that move there with `--pg` (request log, API keys). */
import pg from 'pg';

/** The connection string without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+):[^@]*@/, '$1:***@');
}

/** A pool whose table exists; a wrong URL fails here, naming the server (password hidden). */
export async function connectPg(url: string, schema: string): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 10_000 });
  // An idle client losing its server (restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  try {
    await pool.query(schema);
  } catch (e) {
    await pool.end().catch(() => {});
    throw new Error(`PostgreSQL ${redactUrl(url)}: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  return pool;
}
