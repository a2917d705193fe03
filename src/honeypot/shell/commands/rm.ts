/** `rm [-rf] FILE…`: Mirai loaders delete their own tracks. */
import type { ShellCommand } from '../command.js';
import { splitOptions } from '../command.js';

export const rm: ShellCommand = {
  names: ['rm'],
  run(ctx) {
    const { flags, rest } = splitOptions(ctx.argv.slice(1));
    let rc = 0;
    for (const f of rest) {
      const path = ctx.resolve(f);
      const n = ctx.fs.get(path);
      if (!n) {
        if (!flags.has('f')) {
          ctx.err(`rm: can't remove '${f}': No such file or directory\n`);
          rc = 1;
        }
      } else if (n.kind === 'dir' && !flags.has('r')) {
        ctx.err(`rm: '${f}' is a directory\n`);
        rc = 1;
      } else ctx.fs.remove(path);
    }
    return rc;
  },
};
