/**
 * `npm run bench:rules -- FILE.pcap [--rules N | --rules-file F… | --et-open [DIR]] [--runs K]` — Acceptance 2 of
 * issue 4: `moat analyze` throughput on a capture with no rules and with N generated content rules (default 20,000)
 * or with real rule files (`--rules-file`, repeatable), or with Emerging Threats Open's enabled rules (`--et-open`:
 * every emerging-*.rules of DIR, default ../shared/corpus/rules/et-open; issue 17), in the same run, alternating
 * the two so machine load hits both alike. Prints per-run wall time (whole process: load, compile, analyse, EVE
 * written to a temp file), its CPU time (steadier on a shared machine), the analysis-only time moat reports, peak
 * RSS, the rule load (parse + compile) time, packets/s and the ratios; target ≥ 50%.
 *
 * `--workers N` (N > 1) also runs both with `moat analyze --workers N` in each round and prints the ratio for each
 * configuration alike (1 vs 1, N vs N) and the best configuration of each side against the other: with rules moat
 * analyses on one thread (the security stage keeps state across flows), which the bench says when it happens.
 */
import { moatSummary, timed } from './timed.js';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRules } from './rules-gen.js';

interface Run {
  wallS: number;
  /** CPU seconds (user + system) of the process: steadier than wall time on a shared machine. */
  cpuS: number;
  analysisS: number;
  packets: number;
  alerts: number;
  compileMs?: number;
  parseMs?: number;
  rssMb: number;
  /** moat said it analysed on one thread although more workers were asked for. */
  oneThread: boolean;
}

function once(file: string, eve: string, rules: readonly string[] = [], workers = 1): Run {
  const args = ['bin/moat.js', 'analyze', file, '--eve', eve, '--json', '--no-progress'];
  for (const r of rules) args.push('--rules', r);
  if (workers > 1) args.push('--workers', String(workers));
  const r = timed([process.execPath, ...args]);
  if (r.status !== 0) throw new Error(`moat analyze failed (exit ${r.status}): ${r.stderr.slice(-500)}`);
  const s = moatSummary<{ packets: number; alerts: number; wallMs: number }>(r.stdout);
  if (!s) throw new Error('moat analyze printed no --json summary');
  const compile = /compiled in (\d+) ms/.exec(r.stderr);
  const parse = /parsed in (\d+) ms/.exec(r.stderr);
  return {
    wallS: r.wallS,
    cpuS: r.cpuS,
    analysisS: s.wallMs / 1000,
    packets: s.packets,
    alerts: s.alerts,
    compileMs: compile ? Number(compile[1]) : undefined,
    parseMs: parse ? Number(parse[1]) : undefined,
    rssMb: r.rssMb,
    oneThread: workers > 1 && /runs on one thread/.test(r.stderr),
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): void {
  const args = process.argv.slice(2);
  const flag = (name: string, dflt: number): number => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  const etDir = (i: number): boolean =>
    args[i - 1] === '--et-open' && existsSync(args[i]) && statSync(args[i]).isDirectory();
  const file = args.find(
    (a, i) =>
      !a.startsWith('--') && (!args[i - 1]?.startsWith('--') || args[i - 1] === '--et-open') && !etDir(i),
  );
  const n = flag('--rules', 20_000);
  const given = args.flatMap((a, i) => (args[i - 1] === '--rules-file' ? [a] : []));
  const et = args.indexOf('--et-open');
  if (et >= 0) {
    const dir = etDir(et + 1) ? args[et + 1] : join('..', 'shared', 'corpus', 'rules', 'et-open');
    if (!existsSync(dir)) {
      console.error(`bench:rules: no ET Open directory: ${dir}`);
      process.exit(2);
    }
    for (const f of readdirSync(dir).sort())
      if (f.startsWith('emerging-') && f.endsWith('.rules')) given.push(join(dir, f));
  }
  const missing = given.find((f) => !existsSync(f));
  if (missing) {
    console.error(`bench:rules: no such rules file: ${missing}`);
    process.exit(2);
  }
  const runs = flag('--runs', 3);
  const workers = flag('--workers', 1);
  if (!existsSync('/usr/bin/time')) {
    console.error('bench:rules needs GNU time (/usr/bin/time, Debian package "time")');
    process.exit(2);
  }
  if (!file || !existsSync(file) || !(n > 0) || !(runs > 0) || !(workers >= 1)) {
    console.error('usage: npm run bench:rules -- FILE.pcap [--rules N] [--runs K] [--workers N]');
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), 'moat-bench-rules-'));
  try {
    const rulesFiles = given.length > 0 ? given : [join(dir, 'bench.rules')];
    if (given.length === 0) writeFileSync(rulesFiles[0], generateRules(n).join('\n') + '\n');
    const label = given.length > 0 ? `rules of ${given.length} file(s)` : `${n} generated rules`;
    const eve = join(dir, 'eve.json');
    console.log(
      `capture ${file}; ${label}; ${runs} alternating runs; load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    const base: Run[] = [];
    const withRules: Run[] = [];
    for (let i = 0; i < runs; i++) {
      base.push(once(file, eve));
      withRules.push(once(file, eve, rulesFiles));
      const b = base[i];
      const w = withRules[i];
      console.log(
        `run ${i + 1}: no rules ${b.wallS.toFixed(2)} s wall, ${b.cpuS.toFixed(2)} s CPU (analysis ${b.analysisS.toFixed(2)} s) | ` +
          `${label} ${w.wallS.toFixed(2)} s wall, ${w.cpuS.toFixed(2)} s CPU (analysis ${w.analysisS.toFixed(2)} s, parse ${w.parseMs ?? '?'} ms, compile ${w.compileMs ?? '?'} ms, ${w.alerts} alerts) | peak RSS ${b.rssMb.toFixed(0)} / ${w.rssMb.toFixed(0)} MiB`,
      );
    }
    const packets = base[0].packets;
    const bw = median(base.map((r) => r.wallS));
    const rw = median(withRules.map((r) => r.wallS));
    const ba = median(base.map((r) => r.analysisS));
    const ra = median(withRules.map((r) => r.analysisS));
    const bc = median(base.map((r) => r.cpuS));
    const rc = median(withRules.map((r) => r.cpuS));
    const pps = (s: number): string => `${Math.round(packets / s).toLocaleString('en-US')} pkt/s`;
    console.log(`packets ${packets.toLocaleString('en-US')}`);
    console.log(
      `whole process: no rules ${pps(bw)}, with rules ${pps(rw)} → ${((bw / rw) * 100).toFixed(1)}% (target ≥ 50%)`,
    );
    console.log(
      `process CPU time: no rules ${pps(bc)}, with rules ${pps(rc)} → ${((bc / rc) * 100).toFixed(1)}%`,
    );
    console.log(
      `analysis only: no rules ${pps(ba)}, with rules ${pps(ra)} → ${((ba / ra) * 100).toFixed(1)}%`,
    );
    const load = withRules.map((r) => (r.parseMs ?? NaN) + (r.compileMs ?? NaN));
    console.log(
      `rule load (parse + compile): median ${median(load).toFixed(0)} ms; peak RSS median: no rules ${median(base.map((r) => r.rssMb)).toFixed(0)} MiB, with rules ${median(withRules.map((r) => r.rssMb)).toFixed(0)} MiB (targets < 500 ms, ≤ 250 MB)`,
    );
    if (workers > 1) compareWorkers(file, eve, rulesFiles, label, runs, workers, base, withRules);
    console.log(
      `load after ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();

/**
 * The same rounds with --workers N on both sides (run after the 1-worker rounds, alternating again): ratios for
 * each configuration alike and for the best configuration of each side.
 */
function compareWorkers(
  file: string,
  eve: string,
  rulesFiles: readonly string[],
  label: string,
  runs: number,
  workers: number,
  base1: readonly Run[],
  rules1: readonly Run[],
): void {
  const baseN: Run[] = [];
  const rulesN: Run[] = [];
  for (let i = 0; i < runs; i++) {
    baseN.push(once(file, eve, [], workers));
    rulesN.push(once(file, eve, rulesFiles, workers));
    const b = baseN[i];
    const w = rulesN[i];
    console.log(
      `run ${i + 1}, --workers ${workers}: no rules ${b.wallS.toFixed(2)} s wall, ${b.cpuS.toFixed(2)} s CPU | ` +
        `${label} ${w.wallS.toFixed(2)} s wall, ${w.cpuS.toFixed(2)} s CPU${w.oneThread ? ' (moat: on one thread)' : ''} | peak RSS ${b.rssMb.toFixed(0)} / ${w.rssMb.toFixed(0)} MiB`,
    );
  }
  const med = (rs: readonly Run[], k: 'wallS' | 'cpuS' | 'analysisS'): number => median(rs.map((r) => r[k]));
  const pct = (b: number, r: number): string => `${((b / r) * 100).toFixed(1)}%`;
  for (const k of ['wallS', 'cpuS', 'analysisS'] as const) {
    const what = k === 'wallS' ? 'whole process' : k === 'cpuS' ? 'process CPU time' : 'analysis only';
    const [b1, bn, r1, rn] = [med(base1, k), med(baseN, k), med(rules1, k), med(rulesN, k)];
    console.log(
      `${what}: 1 vs 1 worker ${pct(b1, r1)}; ${workers} vs ${workers} workers ${pct(bn, rn)}; best vs best ${pct(Math.min(b1, bn), Math.min(r1, rn))} (no rules best with ${b1 <= bn ? 1 : workers}, rules with ${r1 <= rn ? 1 : workers})`,
    );
  }
  if (rulesN.some((r) => r.oneThread))
    console.log(
      `with rules, --workers ${workers} analysed on one thread (moat's security stage keeps cross-flow state)`,
    );
}
