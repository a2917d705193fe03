/** `cd` and `pwd`: droppers hunt for a writable directory with `cd /tmp || cd /var/run || …`. */
import type { ShellCommand } from '../command.js';

export const cd: ShellCommand = {
  names: ['cd'],
  run(ctx) {
    const target = ctx.argv[1] ?? '/root';
    const path = ctx.resolve(target);
    const n = ctx.fs.get(path);
    if (!n || n.kind !== 'dir') {
      ctx.err(`sh: cd: can't cd to ${target}\n`);
      return 2;
    }
    ctx.setCwd(path);
    return 0;
  },
};

export const pwd: ShellCommand = {
  names: ['pwd'],
  run(ctx) {
    ctx.out(ctx.cwd + '\n');
    return 0;
  },
};
