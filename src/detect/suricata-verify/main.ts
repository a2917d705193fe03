/**
 * `npm run verify:suricata -- DIR [--only REGEX] [--quiet]`: pass/fail/skip per test and the totals.
 * Exit codes: 0 every selected test passed (skips allowed), 1 any failed, 2 usage (no directory, bad regex).
 */
import { existsSync } from 'node:fs';
import { runAll } from './runner.js';

const USAGE = 'usage: npm run verify:suricata -- DIR [--only REGEX] [--quiet]\n';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const onlyAt = args.indexOf('--only');
  // The directory is the one argument that is neither a flag nor --only's value.
  const dir = args.find((a, i) => !a.startsWith('--') && (onlyAt < 0 || i !== onlyAt + 1));
  if (!dir || (onlyAt >= 0 && args[onlyAt + 1] === undefined)) {
    process.stderr.write(USAGE);
    return 2;
  }
  if (!existsSync(dir)) {
    process.stderr.write(`verify:suricata: no such directory: ${dir}\n`);
    return 2;
  }
  let only: RegExp | undefined;
  try {
    only = onlyAt >= 0 ? new RegExp(args[onlyAt + 1]) : undefined;
  } catch (err) {
    process.stderr.write(`verify:suricata: --only: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
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
  // A run with failures is a failed run, whatever share passed: CI and scripts read the exit code.
  return n.fail > 0 ? 1 : 0;
}

process.exitCode = await main();
