/**
 * `moat console --db STORE [--listen ADDR:PORT]`: the web console (issue 14) over HTTPS against a store — the
 * appliance's recorded tables plus the console's own. The certificate is made at first boot in --state-dir and its
 * SHA-256 fingerprint printed, so the first browser visit can be checked. `--eve FILE` loads alerts and flows.
 * `moat console import --db STORE FILE…` loads EVE files without serving.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { RegisterCommand } from './index.js';
import { ConfigError, listenFailure } from '../../framework/errors.js';
import { StoreSet } from '../stores.js';
import { collect } from '../options.js';
import { UsageError } from '../errors.js';

interface ConsoleFlags {
  db: string;
  listen: string;
  stateDir: string;
  key: string[];
  eve: string[];
  policy?: string;
  reports?: string;
  follow: string[];
  bus?: string;
}

function parseListen(s: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--listen ${s}: expected ADDRESS:PORT, e.g. 192.168.1.1:8443`);
  return { host: m[1] ?? m[2], port };
}

export const registerConsole: RegisterCommand = (program: Command) => {
  const cmd = program
    .command('console')
    .description('the web console over HTTPS against a store: first deployment and the daily view')
    .option('--db <file>', 'the store (SQLite)', 'moat.db')
    .option('--listen <addr:port>', 'where to serve HTTPS', '127.0.0.1:8443')
    .option('--state-dir <dir>', 'gateway configuration, console certificate and kept bundles', 'var/console')
    .option(
      '--key <file>',
      "the vendor's public key: bundles and models it signed can be installed (repeatable)",
      collect,
      [],
    )
    .option('--eve <file>', 'load the alerts and flows of this EVE file first (repeatable)', collect, [])
    .option('--policy <file>', 'TLS policy set shown while the store holds none', 'config/policies.yaml')
    .option(
      '--bus <url>',
      'announce restrictions on this Redis Streams bus (redis://host:port), as the gateway reads it',
    )
    .option('--reports <dir>', 'sandbox reports (<sha256>.report.json) for honeypot downloads')
    .option(
      '--follow <file>',
      'follow this EVE file: new alerts go live (console, channels) (repeatable)',
      collect,
      [],
    )
    .action(async (f: ConsoleFlags) => {
      const { startConsole, importEve, followEve, zoneFunction } = await import('../../console/index.js');
      const { host, port } = parseListen(f.listen);
      const store = new StoreSet().sqliteStore('--db', f.db, 'the console', { create: true });
      const vendorKeys = f.key.map((k) => {
        try {
          return readFileSync(k, 'utf8');
        } catch (e) {
          throw new ConfigError(`--key ${k}: ${(e as Error).message}`);
        }
      });
      const { RedisStreamsBus } = await import('../../framework/index.js');
      const { createRedisClient } = await import('../../store/index.js');
      const bus = f.bus ? new RedisStreamsBus({ redis: createRedisClient, url: f.bus }) : undefined;
      let c;
      try {
        c = await startConsole({
          bus,
          store,
          stateDir: f.stateDir,
          vendorKeys,
          host,
          port,
          defaultPolicyFile: f.policy,
          reportDir: f.reports,
        });
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        if (typeof code === 'string' && code.startsWith('E')) throw listenFailure('console', host, port, e);
        throw e;
      }
      for (const file of f.eve) {
        const r = await importEve(c, file);
        process.stderr.write(`${file}: ${r.alerts} alerts, ${r.flows} flows loaded\n`);
      }
      const followers = f.follow.map((file) => {
        try {
          return followEve(c, file, zoneFunction(f.stateDir));
        } catch (e) {
          throw new ConfigError(`--follow ${file}: ${(e as Error).message}`);
        }
      });
      process.stdout.write(
        `console ${c.url}/ (certificate ${c.certificate.created ? 'made now' : 'kept'} in ${f.stateDir})\n` +
          `certificate SHA-256 fingerprint ${c.certificate.fingerprint256}\n`,
      );
      const stop = () => {
        for (const fl of followers) fl.close();
        void c
          .close()
          .then(() => bus?.close())
          .then(() => store.db.close());
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  cmd
    .command('import')
    .description('load EVE files (alerts, flows) into the store without serving')
    .argument('<files...>', 'EVE JSON files')
    .option('--db <file>', 'the store (SQLite)', 'moat.db')
    .option('--state-dir <dir>', 'gateway configuration (zones of addresses)', 'var/console')
    .action(async (files: string[], o: { db: string; stateDir: string }) => {
      const { default: Fastify } = await import('fastify');
      const { mountConsole, importEve } = await import('../../console/index.js');
      const store = new StoreSet().sqliteStore('--db', o.db, 'the console', { create: true });
      const app = Fastify();
      const c = await mountConsole(app, { store, stateDir: o.stateDir, webDir: '' });
      for (const file of files) {
        const r = await importEve(c, file);
        process.stdout.write(`${file}: ${r.alerts} alerts, ${r.flows} flows, ${r.skipped} lines skipped\n`);
      }
      await app.close();
    });
};
