/**
 * The store flags, one convention for every command (README, Commands → Conventions):
 *
 *   --db FILE|URL     the store: a SQLite file (the default), or a postgres:// URL. One store holds every component's
 *                     tables; each component migrates its own on open.
 *   --fleet-db URL    (identify) the tables a fleet of services shares — API keys, request log — in their own store,
 *                     usually PostgreSQL; without it they stay in --db.
 *   --redis URL       state shared live between moat processes: heat counters, the security event cache table.
 *
 * The flags of before (--history, --security-db, --model-db, --identify-db, --cache-redis, --pg) still work, hidden
 * from --help, with a one-line note on stderr; each keeps naming the store of the one component it named then.
 * Commands open the stores with `StoreSet` (./stores.ts) and hand the handles to the components. This file loads no
 * store code, so a command that opens no store does not pay for the SQLite, PostgreSQL and Redis clients.
 */
import { Option } from 'commander';

/**
 * A flag of before, kept working but hidden from --help (add it with `.addOption`); using it prints one line on
 * stderr saying what replaces it. Only for flags that take a value (the note is printed as the value is read).
 */
export function deprecated(flags: string, use: string): Option {
  const opt = new Option(flags).hideHelp();
  return opt.argParser((value: string) => {
    process.stderr.write(`moat: ${opt.long ?? flags} is deprecated: ${use}\n`);
    return value;
  });
}
