/** `chmod MODE FILE…`: octal and +x/u+x forms. */
import type { ShellCommand } from '../command.js';

export const chmod: ShellCommand = {
  names: ['chmod'],
  run(ctx) {
    const [mode, ...files] = ctx.argv.slice(1).filter((a) => a !== '-R');
    if (!mode || files.length === 0) {
      ctx.err('chmod: missing operand\n');
      return 1;
    }
    let rc = 0;
    for (const f of files) {
      const n = ctx.fs.get(ctx.resolve(f));
      if (!n) {
        ctx.err(`chmod: ${f}: No such file or directory\n`);
        rc = 1;
        continue;
      }
      if (/^[0-7]{3,4}$/.test(mode)) n.mode = parseInt(mode, 8) & 0o777;
      else if (/\+[rwx]*x/.test(mode)) n.mode |= 0o111;
      else if (/-[rwx]*x/.test(mode)) n.mode &= ~0o111;
    }
    return rc;
  },
};
