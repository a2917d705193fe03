/** `moat ml eval --ustc DIR --db STORE`: the active model on another folder: per-class precision/recall, macro-F1. */
import type { Command } from 'commander';
import { DB_HELP, DEFAULT_DB, openRegistry } from './shared.js';
import { withStores } from '../../stores.js';
import { Classifier, formatScores, maskSet, readUstcFolder, score, tfReady } from '../../../ml/index.js';
import { ConfigError } from '../../../framework/errors.js';

export function registerMlEval(ml: Command): void {
  ml.command('eval')
    .description(
      'evaluate the active model on a folder in the USTC layout: per-class precision and recall, macro-F1',
    )
    .requiredOption('--ustc <dir>', 'folder with images-idx3-ubyte.gz + labels-idx1-ubyte.gz')
    .option('--db <file>', DB_HELP, DEFAULT_DB)
    .option('--json', 'print the scores as JSON')
    .action(async (f: { ustc: string; db: string; json?: boolean }) => {
      const set = readUstcFolder(f.ustc);
      const tf = await tfReady();
      await withStores(async (stores) => {
        const reg = await openRegistry(stores, f.db);
        const v = reg.active();
        if (!v) throw new ConfigError(`${f.db}: no active model (moat ml train first)`);
        const c = new Classifier(tf, v.file.manifest, v.params);
        const m = maskSet(set).set;
        const t0 = process.cpuUsage();
        const p = c.predict(m.bytes, m.n, m.width);
        const cpu = process.cpuUsage(t0);
        const s = score(set.labels, p.cls, v.file.manifest.arch.classes);
        if (f.json) {
          process.stdout.write(
            `${JSON.stringify({ model: v.file.sha256, version: v.file.manifest.version, ...s, confusion: undefined }, null, 2)}\n`,
          );
          return;
        }
        process.stdout.write(
          `model ${v.file.manifest.version} (${v.file.sha256.slice(0, 16)}) on ${f.ustc}: ${m.n} sessions, ` +
            `${Math.round(m.n / ((cpu.user + cpu.system) / 1e6))} sessions per CPU-second\n`,
        );
        process.stdout.write(formatScores(s, v.file.manifest.classNames));
      });
    });
}
