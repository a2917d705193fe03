/** `moat identify check IP`: one verdict from the CLI, with the active model and the stored intel. */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { ConfigError } from '../../../framework/errors.js';
import { DEFAULT_DB, DB_HELP, ASN_RANGES_HELP, geoFrom, loadIntel, localStore } from './shared.js';
import { readTrafficFile } from './traffic-file.js';
import { StoreSet } from '../../stores.js';
import { IntelStore } from '../../../intel/index.js';
import { identifyRequestSchema, ModelRegistry, IdentificationService } from '../../../identify/index.js';

export function registerCheck(id: Command, setExit: (code: number) => void): void {
  id.command('check')
    .description('identify one address from the CLI')
    .argument('<ip>', 'IPv4 or IPv6 address')
    .option('--traffic <file>', 'flows: JSON ({flows, stats} or an array) or EVE NDJSON from `moat analyze`')
    .option('--rdns <name>', 'reverse-DNS name of the address')
    .option('--db <file>', DB_HELP, DEFAULT_DB)
    .option('--asn-db <mmdb>', 'MaxMind ASN database')
    .option('--country-db <mmdb>', 'MaxMind Country/City database')
    .option('--asn-ranges [files]', ASN_RANGES_HELP)
    .action(
      (
        ip: string,
        flags: { traffic?: string; rdns?: string; db: string; asnDb?: string; countryDb?: string },
      ) => {
        if (flags.traffic && !existsSync(flags.traffic))
          throw new UsageError(`identify check: no such file: ${flags.traffic}`);
        const body: Record<string, unknown> = { ip };
        if (flags.traffic) body.traffic = readTrafficFile(flags.traffic);
        if (flags.rdns) body.rdns = flags.rdns;
        const parsed = identifyRequestSchema.safeParse(body);
        if (!parsed.success) {
          const i = parsed.error.issues[0];
          throw new UsageError(`identify check: ${i.path.join('.') || 'request'}: ${i.message}`);
        }
        const stores = new StoreSet();
        const db = localStore(stores, flags.db);
        const geo = geoFrom(flags);
        const service = new IdentificationService({
          registry: new ModelRegistry(db),
          intel: loadIntel(new IntelStore(db), geo),
          ...(geo ? { geo } : {}),
        });
        if (service.modelVersion === null) {
          // Without a model every address would come back "clean" with score 0: an answer that means nothing.
          service.stop();
          void stores.close();
          throw new ConfigError(
            `identify check: no model is active in ${flags.db}; train one with \`moat identify train\` or activate one with \`moat identify model activate N\``,
          );
        }
        const r = service.identify(parsed.data);
        void stores.close();
        process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        if (r.verdict === 'black') setExit(1);
      },
    );
}
