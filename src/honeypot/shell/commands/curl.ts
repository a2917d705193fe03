/** `curl [-o FILE|-O] URL`: as wget, with curl's output conventions (stdout by default). */
import type { ShellCommand } from '../command.js';
import { splitOptions } from '../command.js';
import { fileNameOf, paceTransfer } from './wget.js';

export const curl: ShellCommand = {
  names: ['curl'],
  async run(ctx) {
    const { flags, rest } = splitOptions(ctx.argv.slice(1), 'oAHXdu');
    const url = rest[0];
    if (!url) {
      ctx.err("curl: try 'curl --help' for more information\n");
      return 2;
    }
    const full = /^[a-z]+:\/\//i.test(url) ? url : `http://${url}`;
    const started = Date.now();
    const data = await ctx.host.fetch(full, 'curl');
    if (!data) {
      await ctx.host.timing.pause('connect');
      ctx.err(
        `curl: (7) Failed to connect to ${full.replace(/^[a-z]+:\/\//i, '').split('/')[0]}: Connection refused\n`,
      );
      return 7;
    }
    const target = flags.get('o') ?? (flags.has('O') ? fileNameOf(full) : undefined);
    await paceTransfer(ctx, fileNameOf(full), data.length, Date.now() - started, false);
    if (target === undefined) ctx.out(data);
    else ctx.fs.put(ctx.resolve(target), data, 0o644);
    return 0;
  },
};
