import { spawnSync } from 'node:child_process';

let present: boolean | undefined;

/** Whether tshark runs here (scripts/setup.sh installs it); probed once per process. */
export function hasTshark(): boolean {
  present ??= spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
  return present;
}
