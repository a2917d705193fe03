/** `moat identify key add | revoke | list`: API keys per terminal, stored hashed (SQLite or PostgreSQL). */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { DEFAULT_DB, num } from './shared.js';
import { openDatabase } from '../../../store/index.js';
import { ApiKeyStore } from '../../../api/api-keys.js';
import { PgApiKeyStore } from '../../../api/pg-api-keys.js';

export function registerKey(id: Command): void {
  const key = id.command('key').description('API keys per terminal (stored hashed)');
  const PG_KEYS = 'keys in PostgreSQL (as `identify serve --pg` uses them) instead of SQLite';
  /** Runs `fn` on the key store the flags name: PostgreSQL with --pg, else the SQLite file. */
  const withKeys = async <T>(
    flags: { db: string; pg?: string },
    fn: (k: ApiKeyStore | PgApiKeyStore) => T | Promise<T>,
  ): Promise<T> => {
    if (flags.pg) {
      let store: PgApiKeyStore;
      try {
        store = await PgApiKeyStore.connect(flags.pg);
      } catch (e) {
        throw new UsageError(`identify key --pg: ${e instanceof Error ? e.message : String(e)}`);
      }
      try {
        return await fn(store);
      } finally {
        await store.close();
      }
    }
    const db = openDatabase(flags.db);
    try {
      return await fn(new ApiKeyStore(db));
    } finally {
      db.close();
    }
  };
  key
    .command('add')
    .argument('<terminal>')
    .option('--db <path>', 'SQLite store', DEFAULT_DB)
    .option('--pg <url>', PG_KEYS)
    .option('--rate <n>', 'verdicts per second', '50000')
    .action(async (terminal: string, flags: { db: string; pg?: string; rate: string }) => {
      const ratePerS = num('rate', flags.rate, 0.001, 1e9);
      const k = await withKeys(flags, (s) => s.issue(terminal, { ratePerS }));
      process.stdout.write(`${k}\n`);
    });
  key
    .command('revoke')
    .argument('<terminal>')
    .option('--db <path>', 'SQLite store', DEFAULT_DB)
    .option('--pg <url>', PG_KEYS)
    .action(async (terminal: string, flags: { db: string; pg?: string }) => {
      const ok = await withKeys(flags, (s) => s.revoke(terminal));
      if (!ok) throw new UsageError(`no active key for terminal '${terminal}'`);
    });
  key
    .command('list')
    .option('--db <path>', 'SQLite store', DEFAULT_DB)
    .option('--pg <url>', PG_KEYS)
    .action(async (flags: { db: string; pg?: string }) => {
      for (const k of await withKeys(flags, (s) => s.list()))
        process.stdout.write(
          `${k.terminal}\t${k.revoked_at ? 'revoked' : 'active'}\t${k.rate_per_s}/s\t${k.created_at}\n`,
        );
    });
}
