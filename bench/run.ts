/**
 * `npm run bench -- FILE.pcap [--runs N]`: moat against its peers on the same capture in one run.
 * Measures wall time and peak RSS of each whole process with GNU time, then prints Gbit/s, packets/s and
 * ratios to ndpiReader. moat runs with certificates parsed and EVE written (to a temp file), one worker
 * and two. Peers that are not installed are reported as such, not skipped silently.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

interface Measure {
  name: string;
  seconds: number;
  peakRssMb: number;
  note?: string;
}

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Runs `argv` under /usr/bin/time; returns the median wall time of `runs` and the largest peak RSS. */
function measure(name: string, argv: string[], runs: number): Measure {
  const times: number[] = [];
  let rss = 0;
  for (let i = 0; i < runs; i++) {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %M', ...argv], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const lines = (r.stderr ?? '').trim().split('\n');
    const last = lines[lines.length - 1] ?? '';
    const m = /^([\d.]+) (\d+)$/.exec(last);
    if (r.status !== 0 || !m) {
      return { name, seconds: NaN, peakRssMb: NaN, note: `failed (exit ${r.status}): ${lines.slice(-3).join(' | ')}` };
    }
    times.push(Number(m[1]));
    rss = Math.max(rss, Number(m[2]) / 1024);
  }
  times.sort((a, b) => a - b);
  return { name, seconds: times[Math.floor(times.length / 2)], peakRssMb: rss };
}

function countPackets(file: string): number {
  const r = spawnSync(process.execPath, ['bin/moat.js', 'analyze', file, '--eve', '/dev/null', '--types', 'tls', '--json', '--no-progress'], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const stats = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { packets?: number; bytes?: number };
  return stats.packets ?? 0;
}

function main(): void {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--'));
  const runsFlag = args.indexOf('--runs');
  const runs = runsFlag >= 0 ? Number(args[runsFlag + 1]) : 1;
  if (!file || !existsSync(file)) {
    console.error('usage: npm run bench -- FILE.pcap [--runs N]   (e.g. the bench-corpus big.pcap)');
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
  try {
    const moat = (workers: number): string[] => [
      process.execPath,
      'bin/moat.js',
      'analyze',
      abs,
      '--eve',
      join(dir, `eve-${workers}.json`),
      '--workers',
      String(workers),
      '--no-progress',
      '--json',
    ];
    results.push(measure('moat (1 worker)', moat(1), runs));
    results.push(measure('moat (2 workers)', moat(2), runs));
    if (which('ndpiReader')) results.push(measure('ndpiReader', ['ndpiReader', '-i', abs, '-q'], runs));
    else results.push({ name: 'ndpiReader', seconds: NaN, peakRssMb: NaN, note: 'not installed (libndpi-bin)' });
    if (which('tcpdump')) results.push(measure('tcpdump -w /dev/null', ['tcpdump', '-r', abs, '-w', '/dev/null'], runs));
    else results.push({ name: 'tcpdump', seconds: NaN, peakRssMb: NaN, note: 'not installed' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const ndpi = results.find((r) => r.name === 'ndpiReader');
  const moat1 = results[0];
  console.log(`file: ${abs}  (${(bytes / 1e9).toFixed(2)} GB, ${packets.toLocaleString('en-US')} packets, median of ${runs})`);
  console.log('tool                    wall s   Gbit/s   Mpkt/s   peak RSS MB   × ndpiReader');
  for (const r of results) {
    if (Number.isNaN(r.seconds)) {
      console.log(`${r.name.padEnd(22)}  ${r.note}`);
      continue;
    }
    const gbps = (bytes * 8) / r.seconds / 1e9;
    const mpps = packets / r.seconds / 1e6;
    const ratio = ndpi && !Number.isNaN(ndpi.seconds) ? (ndpi.seconds / r.seconds).toFixed(2) : 'n/a';
    console.log(
      `${r.name.padEnd(22)}  ${r.seconds.toFixed(2).padStart(6)}   ${gbps.toFixed(2).padStart(6)}   ${mpps.toFixed(2).padStart(6)}   ${r.peakRssMb.toFixed(0).padStart(11)}   ${ratio.padStart(12)}`,
    );
  }
  const moat2 = results[1];
  if (!Number.isNaN(moat1.seconds) && !Number.isNaN(moat2.seconds)) {
    console.log(`moat 2 workers vs 1: ${(moat1.seconds / moat2.seconds).toFixed(2)}×`);
  }
}

main();
