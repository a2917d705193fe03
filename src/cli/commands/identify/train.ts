/** `moat identify train`: the B-5 loop, gated on held-out data, published and activated. */
import type { Command } from 'commander';
import { DEFAULT_DB, DB_HELP, geoFrom, localStore, num } from './shared.js';
import {
  combinedDataset,
  dataOptions,
  evalOptions,
  fileList,
  loadSources,
  loopFrom,
  type DataCli,
} from './data.js';
import { printReport } from './report.js';
import { benignReference, BENIGN_HELP } from './benign.js';
import { StoreSet } from '../../stores.js';
import { ModelRegistry, evaluate } from '../../../identify/index.js';

export function registerTrain(id: Command, setExit: (code: number) => void): void {
  dataOptions(
    id
      .command('train')
      .description('run the B-5 loop, gate the result on held-out data, publish and activate'),
  )
    .option('--db <file>', DB_HELP, DEFAULT_DB)
    .option('--min-precision <p>', 'gate: held-out precision at the black threshold', '0.95')
    .option('--min-coverage <c>', 'gate: held-out coverage at the black threshold', '0.8')
    .option('--no-activate', 'publish without activating')
    .option('--benign <paths>', BENIGN_HELP)
    .action(
      async (
        flags: DataCli & {
          db: string;
          minPrecision: string;
          minCoverage: string;
          activate: boolean;
          benign?: string;
        },
      ) => {
        const gates = {
          minPrecision: num('min-precision', flags.minPrecision, 0, 1),
          minCoverage: num('min-coverage', flags.minCoverage, 0, 1),
        };
        const benign = flags.benign ? await benignReference(flags.benign) : undefined;
        const d = combinedDataset(loadSources(flags, fileList('feeds', flags.feeds), geoFrom(flags)));
        const stores = new StoreSet();
        const registry = new ModelRegistry(localStore(stores, flags.db));
        const loop = loopFrom(flags);
        const run = registry.startRun({ dataset: d.name, loop, gates });
        const report = evaluate(d.name, d.set, { ...evalOptions(d), loop }, (it) =>
          registry.logIteration(run, it),
        );
        const m = report.withSelfTraining;
        const result = registry.submit(
          report.best,
          { precision: m.precision, coverage: m.coverage, prAuc: m.prAuc, dataset: d.name, run },
          gates,
          benign,
        );
        registry.finishRun(run, report.stoppedBy, report.bestIteration, result.version);
        if (result.published && flags.activate) registry.activate(result.version);
        void stores.close();
        if (!flags.json) printReport(report);
        const summary = {
          run,
          version: result.version,
          published: result.published,
          activated: result.published && flags.activate,
          reasons: result.reasons,
        };
        process.stdout.write(
          flags.json
            ? `${JSON.stringify({ ...summary, report: { ...report, best: undefined } }, null, 2)}\n`
            : `model v${result.version}: ${result.published ? 'published' : `REFUSED — ${result.reasons.join('; ')}`}${summary.activated ? ', active' : ''}\n`,
        );
        if (!result.published) setExit(1);
      },
    );
}
