/**
 * The running gateway's files in its state directory: a PID file that keeps a second `moat gateway` from
 * starting on the same state, and a status file the daemon rewrites so `moat gateway status` (another process)
 * can report on it.
 */
import { readFileSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { OperationalError } from '../framework/errors.js';

export function statePaths(stateDir: string) {
  return { pidFile: join(stateDir, 'gateway.pid'), statusFile: join(stateDir, 'status.json') };
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The PID in `pidFile` if that process is alive and is a moat gateway (a reused PID is not). */
export function runningGatewayPid(pidFile: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 1 || !processAlive(pid)) return undefined;
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmd.includes('gateway')) return undefined;
  } catch {
    return undefined;
  }
  return pid;
}

export class AlreadyRunning extends OperationalError {}

/** Claims the state directory for this process; throws AlreadyRunning naming the other gateway's PID. */
export function claimPidFile(pidFile: string): void {
  const other = runningGatewayPid(pidFile);
  if (other !== undefined && other !== process.pid)
    throw new AlreadyRunning(`another moat gateway (pid ${other}) runs on this state directory (${pidFile})`);
  writeFileSync(pidFile, `${process.pid}\n`);
}

export function releasePidFile(pidFile: string): void {
  if (runningGatewayPid(pidFile) === process.pid) rmSync(pidFile, { force: true });
}

/** Written atomically (temp file + rename): a reader never sees half a file. */
export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(join(file, '..'), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, file);
}

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
