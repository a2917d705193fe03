import { spawnSync } from 'node:child_process';

let capBuilt: boolean | undefined;

/**
 * Why live capture cannot run here, or undefined when it can: libpcap needs root and the `cap` binding built
 * (npm ci compiles it). Probed in a child once per process, because a failed native require can leave the
 * module cache of this process half-initialised.
 */
export function liveCaptureMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'live capture needs root (libpcap)';
  capBuilt ??= spawnSync(process.execPath, ['-e', "require('cap')"], { cwd: process.cwd() }).status === 0;
  return capBuilt ? undefined : 'the cap package (libpcap binding) is not built';
}
