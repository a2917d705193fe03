/** `ps`: a plausible camera process list (Mirai kills competitors it finds here). */
import type { ShellCommand } from '../command.js';

const PROCS = [
  [1, 'init'],
  [2, '[kthreadd]'],
  [3, '[ksoftirqd/0]'],
  [412, 'udhcpc -i eth0'],
  [455, 'telnetd'],
  [470, '/mnt/mtd/app/Sofia'],
  [512, 'syslogd'],
  [530, '-sh'],
] as const;

export const ps: ShellCommand = {
  names: ['ps'],
  run(ctx) {
    ctx.out('  PID USER       VSZ STAT COMMAND\n');
    for (const [pid, cmd] of PROCS)
      ctx.out(
        `${String(pid).padStart(5)} root      ${cmd.startsWith('[') ? '    0' : ' 1312'} S    ${cmd}\n`,
      );
    ctx.out(`${String(600 + (ctx.depth % 7)).padStart(5)} root       1312 R    ps\n`);
    return 0;
  },
};
