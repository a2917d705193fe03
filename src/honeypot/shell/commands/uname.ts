/** `uname [-asnrvm]` from the persona. */
import type { ShellCommand } from '../command.js';
import { splitOptions } from '../command.js';

export const uname: ShellCommand = {
  names: ['uname'],
  run(ctx) {
    const { flags } = splitOptions(ctx.argv.slice(1));
    const p = ctx.persona;
    const [release, ...version] = p.kernelVersion.split(' ');
    const all = flags.has('a');
    const parts: string[] = [];
    if (all || flags.has('s') || flags.size === 0) parts.push(p.kernel);
    if (all || flags.has('n')) parts.push(p.hostname);
    if (all || flags.has('r')) parts.push(release);
    if (all || flags.has('v')) parts.push(version.join(' '));
    if (all || flags.has('m')) parts.push(p.machine);
    if (all) parts.push('GNU/Linux');
    ctx.out(parts.join(' ') + '\n');
    return 0;
  },
};
