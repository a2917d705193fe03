/** `moat identify model list | rules | activate | rollback`: the model versions in the store. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { DEFAULT_DB, fmt, num } from './shared.js';
import { openDatabase } from '../../../store/index.js';
import { ModelRegistry } from '../../../identify/index.js';

export function registerModel(id: Command): void {
  const model = id.command('model').description('model versions: list, rules, activate, rollback');
  model
    .command('list')
    .option('--db <path>', 'SQLite store', DEFAULT_DB)
    .action((flags: { db: string }) => {
      const db = openDatabase(flags.db);
      for (const m of new ModelRegistry(db).list())
        process.stdout.write(
          `v${m.version}\t${m.status}${m.active ? '\tACTIVE' : ''}\t${m.created_at}\tP=${fmt(m.metrics.precision)} C=${fmt(m.metrics.coverage)}${m.reason ? `\t${m.reason}` : ''}\n`,
        );
      db.close();
    });
  model
    .command('rules')
    .argument('[version]', 'model version (default: the active one)')
    .option('--db <path>', 'SQLite store', DEFAULT_DB)
    .action((version: string | undefined, flags: { db: string }) => {
      const db = openDatabase(flags.db);
      const reg = new ModelRegistry(db);
      const v = version ? num('version', version, 1, Number.MAX_SAFE_INTEGER) : reg.activeVersion();
      if (v === null) throw new UsageError('no active model; give a version');
      process.stdout.write(`${reg.load(v).describe().join('\n')}\n`);
      db.close();
    });
  model
    .command('activate')
    .argument('<version>')
    .option('--db <path>', 'SQLite store', DEFAULT_DB)
    .action((version: string, flags: { db: string }) => {
      const db = openDatabase(flags.db);
      try {
        new ModelRegistry(db).activate(num('version', version, 1, Number.MAX_SAFE_INTEGER));
      } catch (e) {
        throw new UsageError(e instanceof Error ? e.message : String(e));
      } finally {
        db.close();
      }
      process.stdout.write(
        `model v${version} active (running services pick it up within their reload interval)\n`,
      );
    });
  model
    .command('rollback')
    .option('--db <path>', 'SQLite store', DEFAULT_DB)
    .action((flags: { db: string }) => {
      const db = openDatabase(flags.db);
      let v: number;
      try {
        v = new ModelRegistry(db).rollback();
      } catch (e) {
        throw new UsageError(e instanceof Error ? e.message : String(e));
      } finally {
        db.close();
      }
      process.stdout.write(`rolled back: model v${v} active\n`);
    });
}
