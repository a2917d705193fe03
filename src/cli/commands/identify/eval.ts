/** `moat identify eval`: held-out metrics with and without self-training, per dataset. */
import type { Command } from 'commander';
import { geoFrom } from './shared.js';
import { dataOptions, datasets, evalOptions, fileList, loadSources, loopFrom, type DataCli } from './data.js';
import { printReport } from './report.js';
import { evaluate } from '../../../identify/index.js';

export function registerEval(id: Command): void {
  dataOptions(
    id
      .command('eval')
      .description('held-out precision/coverage/PR-AUC with and without self-training (split by /24)'),
  ).action((flags: DataCli) => {
    const src = loadSources(flags, fileList('feeds', flags.feeds), geoFrom(flags));
    const reports = datasets(flags, src).map((d) =>
      evaluate(d.name, d.set, { ...evalOptions(d), loop: loopFrom(flags) }),
    );
    if (flags.json)
      process.stdout.write(
        `${JSON.stringify(
          reports.map(({ best: _b, ...r }) => r),
          null,
          2,
        )}\n`,
      );
    else reports.forEach(printReport);
  });
}
