/** BusyBox `tftp -g -r FILE [-l LOCAL] HOST [PORT]`: the fallback Mirai loaders use when wget is missing. */
import type { ShellCommand } from '../command.js';
import { splitOptions } from '../command.js';

export const tftp: ShellCommand = {
  names: ['tftp'],
  async run(ctx) {
    const { flags, rest } = splitOptions(ctx.argv.slice(1), 'rl');
    const remote = flags.get('r');
    const host = rest[0];
    if (!remote || !host || !flags.has('g')) {
      ctx.err('BusyBox v1.24.2 multi-call binary.\n\nUsage: tftp [OPTIONS] HOST [PORT]\n');
      return 1;
    }
    const port = Number(rest[1] ?? 69) || 69;
    const data = await ctx.host.tftp(host, port, remote);
    if (!data) {
      ctx.err('tftp: timeout\n');
      return 1;
    }
    ctx.fs.put(ctx.resolve(flags.get('l') ?? remote.split('/').pop() ?? remote), data, 0o644);
    return 0;
  },
};
