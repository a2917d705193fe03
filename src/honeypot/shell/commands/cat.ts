/** `cat`: files of the fake filesystem, or stdin; the errors read like BusyBox's. */
import type { ShellCommand } from '../command.js';

export const cat: ShellCommand = {
  names: ['cat'],
  run(ctx) {
    const files = ctx.argv.slice(1).filter((a) => a !== '-');
    if (files.length === 0) {
      ctx.out(ctx.stdin);
      return 0;
    }
    let rc = 0;
    for (const f of files) {
      const n = ctx.fs.get(ctx.resolve(f));
      if (!n) {
        ctx.err(`cat: can't open '${f}': No such file or directory\n`);
        rc = 1;
      } else if (n.kind === 'dir') {
        ctx.err(`cat: read error: Is a directory\n`);
        rc = 1;
      } else ctx.out(n.data);
    }
    return rc;
  },
};
