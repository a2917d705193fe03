/** What the `moat ml` subcommands share: the store, number flags, the registry. */
import { UsageError } from '../../errors.js';
import type { StoreSet } from '../../stores.js';
import { MlRegistry, tfReady } from '../../../ml/index.js';

export const DEFAULT_DB = 'moat.db';
export const DB_HELP = 'the store (SQLite file): model registry, reference traffic, incidents';

export function num(flag: string, v: string, min: number, max: number, int = false): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max || (int && !Number.isInteger(n)))
    throw new UsageError(`--${flag} ${v}: expected ${int ? 'an integer' : 'a number'} from ${min} to ${max}`);
  return n;
}

export async function openRegistry(stores: StoreSet, db: string, keep = 3): Promise<MlRegistry> {
  const tf = await tfReady();
  return new MlRegistry(stores.sqliteStore('--db', db, 'the model registry'), tf, keep);
}
