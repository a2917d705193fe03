/**
 * `wget URL [-O FILE]`: really fetched only inside the allowed scope by the host; the file lands
 * in the fake filesystem so the following `chmod +x; ./file` finds it.
 */
import type { ShellCommand } from '../command.js';
import { splitOptions } from '../command.js';

export function fileNameOf(url: string): string {
  const p = url.replace(/^[a-z]+:\/\/[^/]*/i, '').split('?')[0];
  const last = p.split('/').filter(Boolean).pop();
  return last ?? 'index.html';
}

export const wget: ShellCommand = {
  names: ['wget'],
  async run(ctx) {
    const { flags, rest } = splitOptions(ctx.argv.slice(1), 'OPTU');
    const url = rest[0];
    if (!url) {
      ctx.err(
        'BusyBox v1.24.2 multi-call binary.\n\nUsage: wget [-c|--continue] [-s|--spider] [-q|--quiet] [-O|--output-document FILE]\n',
      );
      return 1;
    }
    const full = /^[a-z]+:\/\//i.test(url) ? url : `http://${url}`;
    const host = full.replace(/^[a-z]+:\/\//i, '').split('/')[0];
    const quiet = flags.has('q');
    if (!quiet) ctx.err(`Connecting to ${host}\n`);
    const data = await ctx.host.fetch(full, 'wget');
    if (!data) {
      ctx.err(`wget: can't connect to remote host: Connection refused\n`);
      return 1;
    }
    const target = flags.get('O') ?? fileNameOf(full);
    if (target === '-') ctx.out(data);
    else if (!ctx.fs.put(ctx.resolve(target), data, 0o644)) {
      ctx.err(`wget: can't open '${target}': Permission denied\n`);
      return 1;
    }
    if (!quiet)
      ctx.err(
        `${fileNameOf(full).padEnd(20)} 100% |*******************************| ${data.length}  0:00:00 ETA\n`,
      );
    return 0;
  },
};
