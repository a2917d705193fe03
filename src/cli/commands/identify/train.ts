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
import {
  benignReference,
  benignSamples,
  corpusBenignSplit,
  BENIGN_FLOWS_HELP,
  BENIGN_HELP,
} from './benign.js';
import { UsageError } from '../../errors.js';
import { StoreSet } from '../../stores.js';
import { ModelRegistry, SKIP_OOD_GATE, evaluate } from '../../../identify/index.js';

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
    .option('--benign-flows <paths>', BENIGN_FLOWS_HELP)
    .option(
      '--no-ood-gate',
      'publish without the out-of-distribution gate (experiments only: the model is marked oodGate: skipped)',
    )
    .action(
      async (
        flags: DataCli & {
          db: string;
          minPrecision: string;
          minCoverage: string;
          activate: boolean;
          benign?: string;
          benignFlows?: string;
          oodGate: boolean;
        },
      ) => {
        const gates = {
          minPrecision: num('min-precision', flags.minPrecision, 0, 1),
          minCoverage: num('min-coverage', flags.minCoverage, 0, 1),
        };
        // Real benign traffic trains beside the seeds, and other benign captures make the gate's reference —
        // both from the corpus's benign captures unless named.
        const split = !flags.benign || !flags.benignFlows ? corpusBenignSplit() : undefined;
        const flowList = flags.benignFlows ?? split?.training;
        if (!flowList)
          throw new UsageError(
            "identify train: no benign traffic to train on: give --benign-flows CAPTURES ('none' for none) or run beside ../shared/corpus (or set MOAT_CORPUS)",
          );
        const benignRows = flowList === 'none' ? undefined : await benignSamples(flowList);
        const refList = flags.benign ?? split?.reference;
        // Without any reference the registry refuses the model (the gate is on by default).
        const benign = !flags.oodGate
          ? SKIP_OOD_GATE
          : refList
            ? await benignReference(refList, new Set(benignRows?.samples.map((x) => x.ip)))
            : undefined;
        const sources = loadSources(flags, fileList('feeds', flags.feeds), geoFrom(flags));
        if (benignRows) sources.benign = benignRows.samples;
        const d = combinedDataset(sources);
        const stores = new StoreSet();
        const registry = new ModelRegistry(localStore(stores, flags.db));
        const loop = loopFrom(flags);
        const run = registry.startRun({ dataset: d.name, loop, gates });
        // Production: no label is hidden (the unlabelled pool is unlabelled traffic only), and the published
        // model is fit on every labelled row outside the test split.
        const report = evaluate(
          d.name,
          d.set,
          { ...evalOptions(d), labelledShare: 1, loop, finalFit: true },
          (it) => registry.logIteration(run, it),
        );
        const m = report.withFinal ?? report.withSelfTraining;
        const model = report.final ?? report.best;
        const result = registry.submit(
          model,
          {
            precision: m.precision,
            coverage: m.coverage,
            prAuc: m.prAuc,
            dataset: d.name,
            run,
            ...(benignRows ? { benignTrainingAddresses: benignRows.samples.length } : {}),
          },
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
          benignReference:
            benign && benign !== SKIP_OOD_GATE ? { name: benign.name, addresses: benign.n } : null,
          benignTraining: benignRows
            ? { captures: benignRows.captures, addresses: benignRows.samples.length }
            : null,
        };
        process.stdout.write(
          flags.json
            ? `${JSON.stringify({ ...summary, report: { ...report, best: undefined, final: undefined } }, null, 2)}\n`
            : `model v${result.version}: ${result.published ? 'published' : `REFUSED — ${result.reasons.join('; ')}`}${summary.activated ? ', active' : ''}\n`,
        );
        if (!result.published) setExit(1);
      },
    );
}
