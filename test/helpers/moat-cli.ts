/** The built CLI as a user runs it: `bin/moat.js` in a child process, for tests under test/cli/. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const MOAT = join(process.cwd(), 'bin', 'moat.js');

export interface MoatResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `moat ARGS` to its end. */
/** `timeoutMs` (default 2 min): training commands need longer on a machine shared by many test runs. */
export function moat(
  args: string[],
  opts: { cwd?: string; input?: string; timeoutMs?: number } = {},
): MoatResult {
  const r = spawnSync(process.execPath, [MOAT, ...args], {
    cwd: opts.cwd ?? process.cwd(),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    input: opts.input,
    timeout: opts.timeoutMs ?? 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A long-running moat (a server): its output so far, and a wait for a line on stderr or stdout. */
export interface MoatChild {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once `pattern` appears in stdout or stderr; rejects when the process ends first or after `ms`. */
  waitFor: (pattern: RegExp, ms?: number) => Promise<void>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Sends SIGTERM to this child (by its PID) and waits for it to end. */
  stop: () => Promise<number | null>;
}

export function startMoat(args: string[], opts: { cwd?: string } = {}): MoatChild {
  const child = spawn(process.execPath, [MOAT, ...args], {
    cwd: opts.cwd ?? process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = (pattern: RegExp, ms = 30_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (pattern.test(out) || pattern.test(err)) {
          cleanup();
          resolve();
          return true;
        }
        return false;
      };
      const onData = (): void => void check();
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no ${String(pattern)} within ${ms} ms; stdout: ${out}\nstderr: ${err}`));
      }, ms);
      const onExit = (code: number | null): void => {
        if (check()) return;
        cleanup();
        reject(
          new Error(`moat ended (exit ${code}) before ${String(pattern)}; stdout: ${out}\nstderr: ${err}`),
        );
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stderr.off('data', onData);
        child.off('exit', onExit);
      };
      if (check()) return;
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', onExit);
    });
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined)
      process.kill(child.pid, 'SIGTERM');
    return exited;
  };
  return { child, stdout: () => out, stderr: () => err, waitFor, exited, stop };
}
