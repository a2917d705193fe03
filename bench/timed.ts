/**
 * One command under GNU time (`/usr/bin/time`, Debian package "time") for the benchmarks: the process's wall
 * time, CPU time and peak RSS as the kernel accounts them, plus its output; and moat's `--json` summary line.
 */
import { spawnSync } from 'node:child_process';

export interface Timed {
  status: number | null;
  /** Wall seconds, CPU seconds (user + system), peak RSS in MiB; NaN when GNU time printed nothing. */
  wallS: number;
  cpuS: number;
  rssMb: number;
  stdout: string;
  /** The command's own stderr, without GNU time's line. */
  stderr: string;
}

export function timed(argv: string[]): Timed {
  const r = spawnSync('/usr/bin/time', ['-f', 'MOAT-TIME %e %U %S %M', ...argv], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const err = r.stderr ?? '';
  const m = /MOAT-TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(err);
  return {
    status: r.status,
    wallS: m ? Number(m[1]) : NaN,
    cpuS: m ? Number(m[2]) + Number(m[3]) : NaN,
    rssMb: m ? Number(m[4]) / 1024 : NaN,
    stdout: r.stdout ?? '',
    stderr: m ? err.slice(0, m.index) : err,
  };
}

/** The last line of moat's stdout parsed as its `--json` summary, or undefined. */
export function moatSummary<T>(stdout: string): T | undefined {
  try {
    return JSON.parse(stdout.trim().split('\n').pop() ?? '') as T;
  } catch {
    return undefined;
  }
}
