/**
 * `moat intel load FILE… | list | expire`: feeds into the store with provenance; bad lines are reported as
 * file:line and the rest of the file is kept (exit 1 when any line was refused, 2 when nothing was readable).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { RegisterCommand } from './index.js';
import { UsageError } from '../errors.js';
import { withStores, type StoreSet } from '../stores.js';
import { FEED_FORMATS, formatFeedError, parseFeed, type FeedFormat } from '../../intel/index.js';
import { IntelStore, type LoadSummary } from '../../intel/index.js';

export const DEFAULT_DB = 'moat.db';

function openIntel(stores: StoreSet, location: string): IntelStore {
  return new IntelStore(stores.sqliteStore('--db', location, 'the intel indicators'));
}

const DB_HELP = 'the store: threat-intel indicators and their sources';

export const registerIntel: RegisterCommand = (program: Command, setExit) => {
  const intel = program
    .command('intel')
    .description('threat-intel feeds: load, list, expire (B-4 seed data)');
  intel
    .command('load')
    .description(
      'load feed files (IP/CIDR lists, Spamhaus DROP/EDROP/ASN-DROP, IPsum, abuse.ch SSLBL/JA3, MISP, STIX 2.1)',
    )
    .argument('<files...>', 'feed files')
    .option('--db <file>', DB_HELP, DEFAULT_DB)
    .option('--format <name>', `force the format (${FEED_FORMATS.join(', ')})`)
    .option('--source <name>', 'provenance name (default: the file name)')
    .option('--ttl-days <n>', 'expiry for entries without one, days (0 = never)', '30')
    .option('--json', 'print the summary as JSON')
    .action(
      async (
        files: string[],
        flags: { db: string; format?: string; source?: string; ttlDays: string; json?: boolean },
      ) => {
        if (flags.format && !(FEED_FORMATS as readonly string[]).includes(flags.format))
          throw new UsageError(
            `intel load: unknown --format '${flags.format}' (one of ${FEED_FORMATS.join(', ')})`,
          );
        const ttl = Number(flags.ttlDays);
        if (!Number.isFinite(ttl) || ttl < 0)
          throw new UsageError(`intel load: --ttl-days must be ≥ 0, got '${flags.ttlDays}'`);
        for (const f of files) if (!existsSync(f)) throw new UsageError(`intel load: no such file: ${f}`);
        const summaries: Array<{ file: string } & LoadSummary> = [];
        let anyErrors = false;
        let anyAccepted = false;
        await withStores((stores) => {
          const store = openIntel(stores, flags.db);
          for (const f of files) {
            const parsed = parseFeed(f, readFileSync(f, 'utf8'), flags.format as FeedFormat | undefined);
            for (const e of parsed.errors.slice(0, 20)) process.stderr.write(`${formatFeedError(e)}\n`);
            if (parsed.errors.length > 20)
              process.stderr.write(`${f}: … ${parsed.errors.length - 20} more errors\n`);
            const s = store.load(f, parsed, {
              ...(flags.source ? { source: flags.source } : {}),
              ttlDays: ttl,
            });
            summaries.push({ file: f, ...s });
            anyErrors ||= s.errors > 0;
            anyAccepted ||= s.accepted > 0;
          }
        });
        if (flags.json) process.stdout.write(`${JSON.stringify(summaries, null, 2)}\n`);
        else
          for (const s of summaries)
            process.stdout.write(
              `${s.file}: ${s.format}, ${s.accepted} accepted, ${s.errors} refused (source '${s.source}')\n`,
            );
        if (!anyAccepted && anyErrors) setExit(2);
        else if (anyErrors) setExit(1);
      },
    );
  intel
    .command('list')
    .description('list sources (default) or indicators')
    .option('--db <file>', DB_HELP, DEFAULT_DB)
    .option('--type <type>', 'list indicators of this type (ip, cidr, asn, sha1, ja3, domain, url)')
    .option('--source <name>', 'list indicators of this source')
    .option('--value <prefix>', 'indicators whose value starts with this')
    .option('--limit <n>', 'at most this many indicators', '100')
    .option('--json', 'JSON output')
    .action(
      async (flags: {
        db: string;
        type?: string;
        source?: string;
        value?: string;
        limit: string;
        json?: boolean;
      }) => {
        const wantRows = flags.type || flags.source || flags.value;
        const out = await withStores((stores) => {
          const store = openIntel(stores, flags.db);
          return wantRows ? store.list({ ...flags, limit: Number(flags.limit) || 100 }) : store.sources();
        });
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
          return;
        }
        for (const r of out as Record<string, unknown>[])
          process.stdout.write(
            wantRows
              ? `${r.type}\t${r.value}\t${r.source}\t${r.category ?? ''}\t${r.list_count ?? ''}\tfirst=${r.first_seen}\tlast=${r.last_seen}\texpires=${r.expires_at ?? 'never'}\n`
              : `${r.name}\t${r.format}\tlive=${r.live}\tloaded=${r.entries}\trefused=${r.errors}\t${r.loaded_at}\t${r.path}\n`,
          );
      },
    );
  intel
    .command('expire')
    .description('delete indicators past their expiry')
    .option('--db <file>', DB_HELP, DEFAULT_DB)
    .option('--now <iso>', 'pretend it is this time (for audits and tests)')
    .action(async (flags: { db: string; now?: string }) => {
      const now = flags.now ? new Date(flags.now) : new Date();
      if (Number.isNaN(now.getTime()))
        throw new UsageError(`intel expire: --now is not a date: '${flags.now}'`);
      const n = await withStores((stores) => openIntel(stores, flags.db).expire(now));
      process.stdout.write(`${n} expired indicators deleted\n`);
    });
};
