/** `moat identify serve`: the Spec B HTTP API (B-1), one API key per terminal. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { listenFailure } from '../../../framework/errors.js';
import { untilStopped } from '../../signals.js';
import { DEFAULT_DB, ASN_RANGES_HELP, geoFrom, loadIntel, num } from './shared.js';
import { openDatabase } from '../../../store/index.js';
import { IntelStore } from '../../../intel/index.js';
import { ApiKeyStore, type KeyVerifier } from '../../../api/api-keys.js';
import { PgApiKeyStore } from '../../../api/pg-api-keys.js';
import { buildIdentifyServer } from '../../../api/identify-server.js';
import { PgRequestLog, SqliteRequestLog, type RequestLog } from '../../../api/request-log.js';
import { ModelRegistry, IdentificationService } from '../../../identify/index.js';

export function registerServe(id: Command, setExit: (code: number) => void): void {
  id.command('serve')
    .description('HTTP API: POST /v1/identify, /v1/identify/batch (API key per terminal)')
    .option('--db <path>', 'SQLite store (models, keys, intel, request log)', DEFAULT_DB)
    .option('--host <addr>', 'listen address', '127.0.0.1')
    .option('--port <n>', 'listen port (0 = any free)', '8443')
    .option('--asn-db <mmdb>', 'MaxMind ASN database for ASN/organisation features')
    .option('--country-db <mmdb>', 'MaxMind Country/City database')
    .option('--asn-ranges [files]', ASN_RANGES_HELP)
    .option(
      '--pg <url>',
      'write the request log to PostgreSQL (postgres://user@host:port/db) instead of SQLite',
    )
    .option('--reload-ms <n>', 'poll for newly activated model versions every n ms', '1000')
    .option('--no-auth', 'no API keys (loopback development only)')
    .action(
      async (flags: {
        db: string;
        host: string;
        port: string;
        asnDb?: string;
        countryDb?: string;
        pg?: string;
        reloadMs: string;
        auth: boolean;
      }) => {
        if (!flags.auth && flags.host !== '127.0.0.1' && flags.host !== '::1')
          throw new UsageError('identify serve: --no-auth is only allowed on loopback');
        const db = openDatabase(flags.db);
        const registry = new ModelRegistry(db);
        const geo = geoFrom(flags);
        const service = new IdentificationService({
          registry,
          intelSource: { stamp: () => new IntelStore(db).stamp(), load: () => loadIntel(db, geo) },
          ...(geo ? { geo } : {}),
        });
        if (service.modelVersion === null)
          process.stderr.write(
            'identify serve: no active model yet — verdicts come from intel only until `moat identify train` publishes one\n',
          );
        service.watch(num('reload-ms', flags.reloadMs, 50, 3_600_000));
        // With --pg the request log and the API keys live in PostgreSQL (shared by a fleet of services).
        let keys: KeyVerifier | undefined;
        let pgKeys: PgApiKeyStore | undefined;
        let log: RequestLog;
        if (flags.pg) {
          try {
            log = await PgRequestLog.connect(flags.pg);
            if (flags.auth) keys = pgKeys = await PgApiKeyStore.connect(flags.pg);
          } catch (e) {
            service.stop();
            db.close();
            throw new UsageError(`identify serve --pg: ${e instanceof Error ? e.message : String(e)}`);
          }
        } else {
          const sqliteKeys = new ApiKeyStore(db); // also creates the request log table
          if (flags.auth) keys = sqliteKeys;
          log = new SqliteRequestLog(db);
        }
        const app = buildIdentifyServer({ service, ...(keys ? { keys } : {}), log });
        const port = num('port', flags.port, 0, 65535);
        let address: string;
        try {
          address = await app.listen({ host: flags.host, port });
        } catch (err) {
          // Everything opened so far is closed again, so the process ends with the one-line reason.
          service.stop();
          await app.close();
          await log.close().catch(() => undefined);
          await pgKeys?.close();
          db.close();
          throw listenFailure('identify serve', flags.host, port, err);
        }
        const stopped = untilStopped();
        process.stdout.write(
          `identify: listening on ${address}, model version ${service.modelVersion ?? 'none'}\n`,
        );
        await stopped;
        service.stop();
        await app.close();
        // A log that cannot be written at exit was already reported by its error handler.
        await log.close().catch(() => setExit(1));
        await pgKeys?.close();
        db.close();
      },
    );
}
