/** BusyBox `ftpget [-u USER] [-p PASS] [-P PORT] HOST LOCAL REMOTE`: fetched as ftp:// within scope. */
import type { ShellCommand } from '../command.js';
import { splitOptions } from '../command.js';

export const ftpget: ShellCommand = {
  names: ['ftpget'],
  async run(ctx) {
    const { flags, rest } = splitOptions(ctx.argv.slice(1), 'upP');
    const [host, local, remote] = rest;
    if (!host || !local) {
      ctx.err(
        'BusyBox v1.24.2 multi-call binary.\n\nUsage: ftpget [OPTIONS] HOST [LOCAL_FILE] REMOTE_FILE\n',
      );
      return 1;
    }
    const port = flags.get('P') ?? '21';
    const data = await ctx.host.fetch(
      `ftp://${host}:${port}/${(remote ?? local).replace(/^\//, '')}`,
      'ftpget',
    );
    if (!data) {
      ctx.err(`ftpget: can't connect to remote host (${host}): Connection refused\n`);
      return 1;
    }
    ctx.fs.put(ctx.resolve(local), data, 0o644);
    return 0;
  },
};
