/** `npm run verify:suricata -- DIR [--only REGEX] [--quiet]`: pass/fail/skip per test and the totals. */
import { runAll } from './runner.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--'));
  if (!dir) {
    process.stderr.write('usage: npm run verify:suricata -- DIR [--only REGEX] [--quiet]\n');
    process.exit(2);
  }
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? new RegExp(args[onlyAt + 1]) : undefined;
  const quiet = args.includes('--quiet');
  const res = await runAll(dir, only);
  const n = { pass: 0, fail: 0, skip: 0 };
  for (const r of res) {
    n[r.result]++;
    if (r.result !== 'skip' || !quiet)
      process.stdout.write(
        `${r.result.toUpperCase().padEnd(4)} ${r.test}${r.reason ? ` — ${r.reason}` : ''}\n`,
      );
  }
  const ran = n.pass + n.fail;
  process.stdout.write(
    `\n${n.pass} passed, ${n.fail} failed, ${n.skip} skipped of ${res.length} tests (${ran > 0 ? ((100 * n.pass) / ran).toFixed(1) : '0'}% of the ${ran} selected pass)\n`,
  );
}

void main();
