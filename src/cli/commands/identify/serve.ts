/** `moat identify serve`: the Spec B HTTP API (B-1), one API key per terminal. */
import { existsSync, readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { listenFailure, OperationalError } from '../../../framework/errors.js';
import { resolve } from 'node:path';
import { untilStopped } from '../../signals.js';
import {
  DEFAULT_DB,
  DB_HELP,
  FLEET_HELP,
  PG_NOTE,
  ASN_RANGES_HELP,
  asnRangeFiles,
  fleetStore,
  geoFrom,
  loadIntel,
  localStore,
  num,
  openKeys,
  openRequestLog,
  type KeyVerifier,
} from './shared.js';
import { deprecated } from '../../store-flags.js';
import { StoreSet } from '../../stores.js';
import { IntelStore } from '../../../intel/index.js';
import { BatchWorker, buildIdentifyServer } from '../../../api/index.js';
import { selfSignedServerCert } from '../../../api/index.js';
import type { RequestLog } from '../../../api/index.js';
import { ModelRegistry, IdentificationService } from '../../../identify/index.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * The serve command's TLS: the configured certificate, or a generated self-signed one (fingerprint printed so
 * clients can pin it) when asked or when listening off loopback — API keys never cross a network in clear.
 */
function serveTls(flags: {
  host: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsSelfSigned?: boolean;
}): { key: string; cert: string } | undefined {
  if (flags.tlsCert || flags.tlsKey) {
    if (!flags.tlsCert || !flags.tlsKey)
      throw new UsageError('identify serve: --tls-cert and --tls-key go together');
    for (const f of [flags.tlsCert, flags.tlsKey])
      if (!existsSync(f)) throw new UsageError(`identify serve: no such file: ${f}`);
    const pair = { cert: readFileSync(flags.tlsCert, 'utf8'), key: readFileSync(flags.tlsKey, 'utf8') };
    try {
      createSecureContext(pair);
    } catch (e) {
      throw new UsageError(
        `identify serve: ${flags.tlsCert} / ${flags.tlsKey}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    return pair;
  }
  if (!flags.tlsSelfSigned && LOOPBACK.has(flags.host)) return undefined;
  const c = selfSignedServerCert(flags.host);
  process.stdout.write(`identify: self-signed certificate, SHA-256 fingerprint ${c.fingerprint256}\n`);
  return { key: c.key, cert: c.cert };
}

export function registerServe(id: Command, setExit: (code: number) => void): void {
  id.command('serve')
    .description('HTTP API: POST /v1/identify, /v1/identify/batch (API key per terminal)')
    .option('--db <file>', `${DB_HELP}; API keys and request log unless --fleet-db`, DEFAULT_DB)
    .option('--fleet-db <file|url>', FLEET_HELP)
    .addOption(deprecated('--pg <url>', PG_NOTE))
    .option('--host <addr>', 'listen address', '127.0.0.1')
    .option('--port <n>', 'listen port (0 = any free)', '8443')
    .option('--asn-db <mmdb>', 'MaxMind ASN database for ASN/organisation features')
    .option('--country-db <mmdb>', 'MaxMind Country/City database')
    .option('--asn-ranges [files]', ASN_RANGES_HELP)
    .option('--reload-ms <n>', 'poll for newly activated model versions every n ms', '1000')
    .option('--no-auth', 'no API keys (loopback development only)')
    .option(
      '--no-batch-worker',
      'score batches on the service thread in 2 ms slices instead of a worker thread',
    )
    .option('--tls-cert <pem>', 'serve HTTPS with this certificate (chain) file; needs --tls-key')
    .option('--tls-key <pem>', 'the private key of --tls-cert')
    .option(
      '--tls-self-signed',
      'serve HTTPS with a generated self-signed certificate (its SHA-256 fingerprint is printed); the default off loopback',
    )
    .action(
      async (flags: {
        db: string;
        host: string;
        port: string;
        tlsCert?: string;
        tlsKey?: string;
        tlsSelfSigned?: boolean;
        asnDb?: string;
        countryDb?: string;
        fleetDb?: string;
        pg?: string;
        reloadMs: string;
        auth: boolean;
        batchWorker: boolean;
      }) => {
        if (!flags.auth && flags.host !== '127.0.0.1' && flags.host !== '::1')
          throw new UsageError('identify serve: --no-auth is only allowed on loopback');
        const https = serveTls(flags);
        const stores = new StoreSet();
        const db = localStore(stores, flags.db);
        const registry = new ModelRegistry(db);
        const intel = new IntelStore(db);
        const geo = geoFrom(flags);
        const service = new IdentificationService({
          registry,
          intelSource: { stamp: () => intel.stamp(), load: () => loadIntel(intel, geo) },
          ...(geo ? { geo } : {}),
        });
        if (service.modelVersion === null)
          process.stderr.write(
            'identify serve: no active model yet — verdicts come from intel only until `moat identify train` publishes one\n',
          );
        const reloadMs = num('reload-ms', flags.reloadMs, 50, 3_600_000);
        service.watch(reloadMs);
        // Batches are parsed and scored in a worker thread that opens the same store and follows activations.
        let worker: BatchWorker | undefined;
        if (flags.batchWorker && flags.db !== ':memory:') {
          const ranges = asnRangeFiles(flags);
          worker = new BatchWorker({
            db: resolve(flags.db),
            reloadMs,
            geo: {
              ...(flags.asnDb ? { asnDb: flags.asnDb } : {}),
              ...(flags.countryDb ? { countryDb: flags.countryDb } : {}),
              ...(ranges ? { asnRanges: ranges } : {}),
            },
          });
          try {
            await worker.ready();
          } catch (e) {
            service.stop();
            await stores.close();
            throw new OperationalError(
              `identify serve: the batch worker could not start: ${e instanceof Error ? e.message : String(e)}`,
            );
          }
        }
        // With --fleet-db the request log and the API keys live in the store a fleet of services shares.
        let keys: KeyVerifier | undefined;
        let log: RequestLog;
        try {
          const fleet = await fleetStore(stores, flags);
          log = await openRequestLog(fleet);
          if (flags.auth) keys = await openKeys(fleet);
        } catch (e) {
          service.stop();
          await worker?.close();
          await stores.close();
          throw e;
        }
        const app = buildIdentifyServer({
          service,
          ...(keys ? { keys } : {}),
          log,
          ...(https ? { https } : {}),
          ...(worker ? { batchWorker: worker } : {}),
        });
        const port = num('port', flags.port, 0, 65535);
        let address: string;
        try {
          address = await app.listen({ host: flags.host, port });
        } catch (err) {
          // Everything opened so far is closed again, so the process ends with the one-line reason.
          service.stop();
          await app.close();
          await worker?.close();
          await log.close().catch(() => undefined);
          await stores.close();
          throw listenFailure('identify serve', flags.host, port, err);
        }
        const stopped = untilStopped();
        process.stdout.write(
          `identify: listening on ${address}, model version ${service.modelVersion ?? 'none'}\n`,
        );
        await stopped;
        service.stop();
        await app.close();
        await worker?.close();
        // A log that cannot be written at exit was already reported by its error handler.
        await log.close().catch(() => setExit(1));
        await stores.close();
      },
    );
}
