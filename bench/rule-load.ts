/**
 * `node dist/bench/rule-load.js [--et-open DIR] [--rules-file F…] [--baseline ROOT…] [--runs K]` — issue 17 point 9:
 * the rule load time (parse + compile, as `moat rules lint --stats` reports it) of ET Open's enabled rules (every
 * emerging-*.rules of DIR, default ../shared/corpus/rules/et-open), alone, without the capture around it. Each
 * `--baseline ROOT` is another moat build (ROOT/bin/moat.js, e.g. a copy of main's) run in the same rounds,
 * alternating, so machine load hits both alike; the ratio this build / baseline is the number to compare. Every
 * build must load the same rules (the `loaded N of M` line and the refusals), else the bench stops: a faster load
 * that loads other rules is no speed-up.
 */
import { timed } from './timed.js';
import { existsSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';

interface LoadRun {
  parseMs: number;
  compileMs: number;
  /** CPU time of the parse and of the compile (all threads): steadier than wall time on a loaded machine. */
  parseCpuMs: number;
  compileCpuMs: number;
  cpuS: number;
  rssMb: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

function once(root: string, files: readonly string[]): { run: LoadRun; report: string } {
  const r = timed([process.execPath, join(root, 'bin', 'moat.js'), 'rules', 'lint', '--stats', ...files]);
  // lint exits 1 when a rule is refused (ET Open has a few): only other codes are failures.
  if (r.status !== 0 && r.status !== 1)
    throw new Error(`${root}: moat rules lint failed (exit ${r.status}): ${r.stderr.slice(-500)}`);
  const m = /parsed in (\d+) ms, compiled \d+ rules in (\d+) ms.*CPU parse (\d+) ms \+ compile (\d+) ms/.exec(
    r.stderr,
  );
  if (!m) throw new Error(`${root}: moat rules lint --stats printed no times: ${r.stderr.slice(-500)}`);
  const [parseMs, compileMs, parseCpuMs, compileCpuMs] = m.slice(1).map(Number);
  return {
    run: { parseMs, compileMs, parseCpuMs, compileCpuMs, cpuS: r.cpuS, rssMb: r.rssMb },
    report: r.stdout,
  };
}

function main(): void {
  const args = process.argv.slice(2);
  const values = (name: string): string[] => args.flatMap((a, i) => (args[i - 1] === name ? [a] : []));
  const runs = Number(values('--runs')[0] ?? 5);
  const files = values('--rules-file');
  if (files.length === 0 || args.includes('--et-open')) {
    const dir = values('--et-open')[0] ?? join('..', 'shared', 'corpus', 'rules', 'et-open');
    if (!existsSync(dir)) {
      console.error(`bench:rule-load: no ET Open directory: ${dir}`);
      process.exit(2);
    }
    for (const f of readdirSync(dir).sort())
      if (f.startsWith('emerging-') && f.endsWith('.rules')) files.push(join(dir, f));
  }
  const roots = ['.', ...values('--baseline')].map((r) => resolve(r));
  const missing = roots.find((r) => !existsSync(join(r, 'bin', 'moat.js')));
  if (missing || !(runs > 0) || !existsSync('/usr/bin/time')) {
    console.error(
      missing
        ? `bench:rule-load: no moat build at ${missing} (bin/moat.js)`
        : 'usage: node dist/bench/rule-load.js [--et-open DIR] [--rules-file F…] [--baseline ROOT…] [--runs K] (needs GNU time)',
    );
    process.exit(2);
  }
  console.log(
    `${files.length} rule files; builds: ${roots.join(', ')}; ${runs} alternating runs; load ${load()}`,
  );
  const results = roots.map(() => [] as LoadRun[]);
  let report: string | undefined;
  for (let k = 0; k < runs; k++)
    roots.forEach((root, i) => {
      const r = once(root, files);
      if (report === undefined) report = r.report;
      else if (r.report !== report) {
        console.error(
          `bench:rule-load: ${root} loads other rules than ${roots[0]} (rules lint reports differ)`,
        );
        process.exit(1);
      }
      results[i].push(r.run);
      const { parseMs, compileMs, parseCpuMs, compileCpuMs, cpuS, rssMb } = r.run;
      console.log(
        `  ${root}: wall parse ${parseMs} + compile ${compileMs} = ${parseMs + compileMs} ms; CPU ${parseCpuMs} + ${compileCpuMs} = ${parseCpuMs + compileCpuMs} ms; process ${cpuS.toFixed(2)} CPU s, peak RSS ${rssMb.toFixed(0)} MiB; load ${load()}`,
      );
    });
  console.log(report?.trim().split('\n').pop());
  const wall = (rs: LoadRun[]): number => median(rs.map((r) => r.parseMs + r.compileMs));
  const cpu = (rs: LoadRun[]): number => median(rs.map((r) => r.parseCpuMs + r.compileCpuMs));
  roots.forEach((root, i) => {
    const rs = results[i];
    const ratio =
      i === 0
        ? ''
        : `; this build / it: wall ${(wall(results[0]) / wall(rs)).toFixed(3)}, CPU ${(cpu(results[0]) / cpu(rs)).toFixed(3)}`;
    console.log(
      `${root}: rule load median wall ${wall(rs)} ms (parse ${median(rs.map((r) => r.parseMs))}, compile ${median(rs.map((r) => r.compileMs))}), CPU ${cpu(rs)} ms (parse ${median(rs.map((r) => r.parseCpuMs))}, compile ${median(rs.map((r) => r.compileCpuMs))}); process CPU median ${median(rs.map((r) => r.cpuS)).toFixed(2)} s${ratio}`,
    );
  });
  console.log(`load after ${load()}`);
}

main();
