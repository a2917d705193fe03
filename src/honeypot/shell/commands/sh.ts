/** `sh [-c LINE | FILE]`: runs in the same instance shell, depth-bounded so `sh sh sh …` cannot loop. */
import type { ShellCommand } from '../command.js';

export const sh: ShellCommand = {
  names: ['sh', 'bash', 'ash'],
  async run(ctx) {
    const args = ctx.argv.slice(1);
    if (ctx.depth > 4) return 0;
    if (args[0] === '-c') return ctx.host.runLine(args.slice(1).join(' '), ctx.depth + 1);
    if (args.length === 0) {
      if (ctx.stdin.length > 0) return ctx.host.runLine(ctx.stdin.toString('latin1'), ctx.depth + 1);
      return 0;
    }
    const path = ctx.resolve(args[0]);
    const n = ctx.fs.get(path);
    if (!n || n.kind !== 'file') {
      ctx.err(`sh: can't open '${args[0]}': No such file or directory\n`);
      return 2;
    }
    if (n.attacker) ctx.host.executed(path, n.data, ctx.argv);
    return ctx.host.runLine(n.data.toString('latin1'), ctx.depth + 1);
  },
};
