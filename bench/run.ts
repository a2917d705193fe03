/**
 * `npm run bench -- FILE.pcap [--runs N] [--moat-b DIR]`: moat against its peers on the same capture in one run.
 * Measures wall time and peak RSS of each whole process with GNU time, then prints Gbit/s, packets/s and
 * ratios to ndpiReader. moat runs with certificates parsed and EVE written (to a temp file), one worker
 * and two. Peers that are not installed are reported as such, not skipped silently. `--moat-b DIR` also runs
 * another moat build (a checkout with its own `npm run build`, e.g. the commit before a change) in the same
 * rounds, so the two builds meet the same machine load. `--moat-args '…'` adds options to every moat run (both
 * builds), e.g. `--moat-args '--policy config/policies.yaml'` to measure the inspection stage.
 */
import { spawnSync } from 'node:child_process';
import { moatSummary, timed } from './timed.js';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

interface Measure {
  name: string;
  seconds: number;
  peakRssMb: number;
  /** CPU seconds (user + system, all threads), median. */
  cpuSeconds?: number;
  /** moat only: its own analysis wall time (start-up and module loading excluded), median. */
  analysisSeconds?: number;
  note?: string;
}

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** One run of `argv`: wall seconds, peak RSS and moat's own analysis time, or why it failed. */
function once(
  argv: string[],
): { seconds: number; cpuS: number; rssMb: number; analysisSeconds?: number } | string {
  const r = timed(argv);
  if (r.status !== 0 || Number.isNaN(r.wallS)) {
    return `failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`;
  }
  const wallMs = moatSummary<{ wallMs?: number }>(r.stdout)?.wallMs;
  return {
    seconds: r.wallS,
    cpuS: r.cpuS,
    rssMb: r.rssMb,
    analysisSeconds: typeof wallMs === 'number' ? wallMs / 1000 : undefined,
  };
}

/**
 * Runs every tool `runs` times, round-robin (tool A, B, C, then again), so that a change in machine load
 * during the benchmark hits all tools alike; reports each tool's median wall time and largest peak RSS.
 */
function measureAll(tools: { name: string; argv: string[]; output?: string }[], runs: number): Measure[] {
  const times = tools.map(() => [] as number[]);
  const analysis = tools.map(() => [] as number[]);
  const cpu = tools.map(() => [] as number[]);
  const rss = tools.map(() => 0);
  const failed = tools.map(() => undefined as string | undefined);
  for (let i = 0; i < runs; i++) {
    tools.forEach((t, k) => {
      if (failed[k]) return;
      // Every run writes a new file, as the first one did: overwriting the last run's output would add the
      // file system's truncate-and-flush work to some runs and not others.
      if (t.output) rmSync(t.output, { force: true });
      const r = once(t.argv);
      if (typeof r === 'string') failed[k] = r;
      else {
        times[k].push(r.seconds);
        cpu[k].push(r.cpuS);
        if (r.analysisSeconds !== undefined) analysis[k].push(r.analysisSeconds);
        rss[k] = Math.max(rss[k], r.rssMb);
      }
    });
  }
  return tools.map((t, k) => {
    if (failed[k]) return { name: t.name, seconds: NaN, peakRssMb: NaN, note: failed[k] };
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const a = analysis[k].length > 0 ? median(analysis[k]) : undefined;
    return {
      name: t.name,
      seconds: median(times[k]),
      cpuSeconds: median(cpu[k]),
      peakRssMb: rss[k],
      analysisSeconds: a,
    };
  });
}

function countPackets(file: string): number {
  const r = spawnSync(
    process.execPath,
    ['bin/moat.js', 'analyze', file, '--eve', '/dev/null', '--types', 'tls', '--json', '--no-progress'],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    },
  );
  const stats = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { packets?: number; bytes?: number };
  return stats.packets ?? 0;
}

function main(): void {
  const args = process.argv.slice(2);
  const flag = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const runs = Number(flag('--runs') ?? 1);
  const moatB = flag('--moat-b');
  const extra = (flag('--moat-args') ?? '').split(/\s+/).filter((a) => a !== '');
  const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  if (!file || !existsSync(file)) {
    console.error(
      "usage: npm run bench -- FILE.pcap [--runs N] [--moat-b DIR] [--moat-args '…']   (e.g. the bench-corpus big.pcap)",
    );
    process.exit(2);
  }
  if (moatB !== undefined && !existsSync(join(moatB, 'bin', 'moat.js'))) {
    console.error(`bench: --moat-b ${moatB}: no bin/moat.js there (a moat checkout, built)`);
    process.exit(2);
  }
  if (!existsSync('/usr/bin/time')) {
    console.error('bench: /usr/bin/time (Debian package "time") is needed to measure peak RSS');
    process.exit(2);
  }
  const abs = resolve(file);
  const bytes = statSync(abs).size;
  const packets = countPackets(abs);
  const dir = mkdtempSync(join(tmpdir(), 'moat-bench-'));
  const results: Measure[] = [];
  let loadBefore: number;
  let loadAfter: number;
  try {
    const moat = (workers: number, root = '.', tag = ''): string[] => [
      process.execPath,
      join(root, 'bin', 'moat.js'),
      'analyze',
      abs,
      '--eve',
      join(dir, `eve${tag}-${workers}.json`),
      '--workers',
      String(workers),
      '--no-progress',
      '--json',
      ...extra,
    ];
    const tools: { name: string; argv: string[]; output?: string }[] = [
      { name: 'moat (1 worker)', argv: moat(1), output: join(dir, 'eve-1.json') },
      { name: 'moat (2 workers)', argv: moat(2), output: join(dir, 'eve-2.json') },
    ];
    if (moatB !== undefined)
      tools.push(
        { name: 'moat B (1 worker)', argv: moat(1, moatB, '-b'), output: join(dir, 'eve-b-1.json') },
        { name: 'moat B (2 workers)', argv: moat(2, moatB, '-b'), output: join(dir, 'eve-b-2.json') },
      );
    if (which('ndpiReader')) tools.push({ name: 'ndpiReader', argv: ['ndpiReader', '-i', abs, '-q'] });
    if (which('tcpdump'))
      tools.push({ name: 'tcpdump -w /dev/null', argv: ['tcpdump', '-r', abs, '-w', '/dev/null'] });
    loadBefore = loadavg()[0];
    results.push(...measureAll(tools, runs));
    loadAfter = loadavg()[0];
    if (!which('ndpiReader'))
      results.push({ name: 'ndpiReader', seconds: NaN, peakRssMb: NaN, note: 'not installed (libndpi-bin)' });
    if (!which('tcpdump'))
      results.push({ name: 'tcpdump', seconds: NaN, peakRssMb: NaN, note: 'not installed' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const ndpi = results.find((r) => r.name === 'ndpiReader');
  const moat1 = results[0];
  console.log(
    `file: ${abs}  (${(bytes / 1e9).toFixed(2)} GB, ${packets.toLocaleString('en-US')} packets, median of ${runs})`,
  );
  if (moatB !== undefined) console.log(`moat: ${process.cwd()}   moat B: ${resolve(moatB)}`);
  // Timings on a shared machine mean little without the load they were taken under.
  console.log(
    `load average (1 min): ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after; runs round-robin`,
  );
  console.log(
    'tool                    wall s   Gbit/s   Mpkt/s   peak RSS MB   × ndpiReader   CPU s   cores busy',
  );
  for (const r of results) {
    if (Number.isNaN(r.seconds)) {
      console.log(`${r.name.padEnd(22)}  ${r.note}`);
      continue;
    }
    const gbps = (bytes * 8) / r.seconds / 1e9;
    const mpps = packets / r.seconds / 1e6;
    const ratio = ndpi && !Number.isNaN(ndpi.seconds) ? (ndpi.seconds / r.seconds).toFixed(2) : 'n/a';
    console.log(
      `${r.name.padEnd(22)}  ${r.seconds.toFixed(2).padStart(6)}   ${gbps.toFixed(2).padStart(6)}   ${mpps.toFixed(2).padStart(6)}   ${r.peakRssMb.toFixed(0).padStart(11)}   ${ratio.padStart(12)}   ${(r.cpuSeconds ?? NaN).toFixed(2).padStart(5)}   ${((r.cpuSeconds ?? NaN) / r.seconds).toFixed(2).padStart(10)}`,
    );
  }
  const moat2 = results[1];
  if (!Number.isNaN(moat1.seconds) && !Number.isNaN(moat2.seconds)) {
    console.log(`moat 2 workers vs 1, whole process: ${(moat1.seconds / moat2.seconds).toFixed(2)}×`);
    // One analysis thread already keeps more than one core busy (capture read-ahead and EVE writes run on
    // I/O threads): a second analysis thread can at best fill the cores that are left.
    const cores = availableParallelism();
    const busy = (moat1.cpuSeconds ?? NaN) / moat1.seconds;
    console.log(
      `ceiling for 2 workers vs 1 on this machine: ${cores} cores / ${busy.toFixed(2)} busy with 1 worker = ${Math.min(2, cores / busy).toFixed(2)}×`,
    );
  }
  // Process start-up (~0.3 s: Node, module loading) is the same for any input size; the analysis itself is
  // what scales with traffic and with workers.
  for (const r of [moat1, moat2]) {
    if (r.analysisSeconds !== undefined && ndpi && !Number.isNaN(ndpi.seconds)) {
      console.log(
        `${r.name} analysis alone: ${r.analysisSeconds.toFixed(2)} s, ${((bytes * 8) / r.analysisSeconds / 1e9).toFixed(2)} Gbit/s, ${(ndpi.seconds / r.analysisSeconds).toFixed(2)}× ndpiReader (whole process)`,
      );
    }
  }
  if (moat1.analysisSeconds !== undefined && moat2.analysisSeconds !== undefined) {
    console.log(
      `moat 2 workers vs 1, analysis alone: ${(moat1.analysisSeconds / moat2.analysisSeconds).toFixed(2)}×`,
    );
  }
  // The other build, measured in the same rounds: its ratios, and how much faster this build is than it.
  for (const [a, b] of [
    [moat1, results.find((r) => r.name === 'moat B (1 worker)')],
    [moat2, results.find((r) => r.name === 'moat B (2 workers)')],
  ] as const) {
    if (!b || Number.isNaN(a.seconds) || Number.isNaN(b.seconds)) continue;
    const alone =
      a.analysisSeconds !== undefined && b.analysisSeconds !== undefined
        ? `, analysis alone ${(b.analysisSeconds / a.analysisSeconds).toFixed(3)}×`
        : '';
    const nd =
      ndpi && !Number.isNaN(ndpi.seconds)
        ? ` (× ndpiReader: ${(ndpi.seconds / a.seconds).toFixed(2)} vs B ${(ndpi.seconds / b.seconds).toFixed(2)})`
        : '';
    console.log(`${a.name} vs ${b.name}: whole process ${(b.seconds / a.seconds).toFixed(3)}×${alone}${nd}`);
    // On a loaded machine a process waits for a core much of its wall time: CPU time says more about the work.
    const cpu = (r: Measure): number => r.cpuSeconds ?? NaN;
    const ndCpu =
      ndpi && !Number.isNaN(cpu(ndpi))
        ? ` (× ndpiReader by CPU time: ${(cpu(ndpi) / cpu(a)).toFixed(2)} vs B ${(cpu(ndpi) / cpu(b)).toFixed(2)})`
        : '';
    console.log(`${a.name} vs ${b.name}: CPU time ${(cpu(b) / cpu(a)).toFixed(3)}×${ndCpu}`);
  }
}

main();
