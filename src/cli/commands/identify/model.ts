/** `moat identify model list | rules | activate | rollback`: the model versions in the store. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { DEFAULT_DB, DB_HELP, fmt, localStore, num } from './shared.js';
import { withStores } from '../../stores.js';
import { ModelRegistry } from '../../../identify/index.js';

export function registerModel(id: Command): void {
  const model = id.command('model').description('model versions: list, rules, activate, rollback');
  model
    .command('list')
    .option('--db <file>', DB_HELP, DEFAULT_DB)
    .action(async (flags: { db: string }) => {
      const list = await withStores((s) => new ModelRegistry(localStore(s, flags.db)).list());
      for (const m of list)
        process.stdout.write(
          `v${m.version}\t${m.status}${m.active ? '\tACTIVE' : ''}\t${m.created_at}\tP=${fmt(m.metrics.precision)} C=${fmt(m.metrics.coverage)}${m.reason ? `\t${m.reason}` : ''}\n`,
        );
    });
  model
    .command('rules')
    .argument('[version]', 'model version (default: the active one)')
    .option('--db <file>', DB_HELP, DEFAULT_DB)
    .action(async (version: string | undefined, flags: { db: string }) => {
      const lines = await withStores((s) => {
        const reg = new ModelRegistry(localStore(s, flags.db));
        const v = version ? num('version', version, 1, Number.MAX_SAFE_INTEGER) : reg.activeVersion();
        if (v === null) throw new UsageError('no active model; give a version');
        return reg.load(v).describe();
      });
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  model
    .command('activate')
    .argument('<version>')
    .option('--db <file>', DB_HELP, DEFAULT_DB)
    .action(async (version: string, flags: { db: string }) => {
      await withStores((s) => {
        const reg = new ModelRegistry(localStore(s, flags.db));
        try {
          reg.activate(num('version', version, 1, Number.MAX_SAFE_INTEGER));
        } catch (e) {
          throw new UsageError(e instanceof Error ? e.message : String(e));
        }
      });
      process.stdout.write(
        `model v${version} active (running services pick it up within their reload interval)\n`,
      );
    });
  model
    .command('rollback')
    .option('--db <file>', DB_HELP, DEFAULT_DB)
    .action(async (flags: { db: string }) => {
      const v = await withStores((s) => {
        const reg = new ModelRegistry(localStore(s, flags.db));
        try {
          return reg.rollback();
        } catch (e) {
          throw new UsageError(e instanceof Error ? e.message : String(e));
        }
      });
      process.stdout.write(`rolled back: model v${v} active\n`);
    });
}
