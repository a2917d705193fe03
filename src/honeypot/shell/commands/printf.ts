/** `printf FORMAT [ARGS]`: the other way droppers push bytes; %s/%d/%b and escapes. */
import type { ShellCommand } from '../command.js';
import { unescape } from './echo.js';

export const printf: ShellCommand = {
  names: ['printf'],
  run(ctx) {
    const [fmt, ...args] = ctx.argv.slice(1);
    if (fmt === undefined) {
      ctx.err('printf: usage: printf FORMAT [ARGUMENT...]\n');
      return 1;
    }
    let k = 0;
    const text = fmt.replace(/%([sdbc%])/g, (_m, f: string) => {
      if (f === '%') return '%';
      const a = args[k++] ?? '';
      return f === 'd' ? String(parseInt(a, 10) || 0) : a;
    });
    ctx.out(unescape(text));
    return 0;
  },
};
