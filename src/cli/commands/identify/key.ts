/** `moat identify key add | revoke | list`: API keys per terminal, stored hashed (SQLite or PostgreSQL). */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { deprecated } from '../../store-flags.js';
import { withStores } from '../../stores.js';
import { DEFAULT_DB, FLEET_HELP, PG_NOTE, fleetStore, num, openKeys } from './shared.js';
import type { ApiKeyStore } from '../../../api/index.js';
import type { PgApiKeyStore } from '../../../api/index.js';

type KeyFlags = { db: string; fleetDb?: string; pg?: string };

/** Runs `fn` on the key store: --fleet-db when given (as `identify serve` uses it), else --db. */
function withKeys<T>(flags: KeyFlags, fn: (k: ApiKeyStore | PgApiKeyStore) => T | Promise<T>): Promise<T> {
  return withStores(async (stores) => fn(await openKeys(await fleetStore(stores, flags))));
}

/** The key commands' store flags: keys live where `identify serve` keeps them. */
function keyStoreOptions(c: Command): Command {
  return c
    .option('--db <file|url>', 'the store (SQLite file, or postgres:// URL): API keys', DEFAULT_DB)
    .option('--fleet-db <file|url>', FLEET_HELP)
    .addOption(deprecated('--pg <url>', PG_NOTE));
}

export function registerKey(id: Command): void {
  const key = id.command('key').description('API keys per terminal (stored hashed)');
  keyStoreOptions(key.command('add').argument('<terminal>'))
    .option('--rate <n>', 'verdicts per second', '50000')
    .action(async (terminal: string, flags: KeyFlags & { rate: string }) => {
      const ratePerS = num('rate', flags.rate, 0.001, 1e9);
      const k = await withKeys(flags, (s) => s.issue(terminal, { ratePerS }));
      process.stdout.write(`${k}\n`);
    });
  keyStoreOptions(key.command('revoke').argument('<terminal>')).action(
    async (terminal: string, flags: KeyFlags) => {
      const ok = await withKeys(flags, (s) => s.revoke(terminal));
      if (!ok) throw new UsageError(`no active key for terminal '${terminal}'`);
    },
  );
  keyStoreOptions(key.command('list')).action(async (flags: KeyFlags) => {
    for (const k of await withKeys(flags, (s) => s.list()))
      process.stdout.write(
        `${k.terminal}\t${k.revoked_at ? 'revoked' : 'active'}\t${k.rate_per_s}/s\t${k.created_at}\n`,
      );
  });
}
