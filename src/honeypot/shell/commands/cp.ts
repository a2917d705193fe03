/** `cp SRC DST` and `mv SRC DST`: Mirai copies /bin/echo to a writable dir to test it can write there. */
import type { CommandContext, ShellCommand } from '../command.js';

function copy(ctx: CommandContext, name: string, move: boolean): number {
  const args = ctx.argv.slice(1).filter((a) => !a.startsWith('-'));
  if (args.length < 2) {
    ctx.err(`${name}: missing file operand\n`);
    return 1;
  }
  const src = ctx.resolve(args[0]);
  let dst = ctx.resolve(args[1]);
  const n = ctx.fs.get(src);
  if (!n || n.kind !== 'file') {
    ctx.err(`${name}: can't stat '${args[0]}': No such file or directory\n`);
    return 1;
  }
  if (ctx.fs.get(dst)?.kind === 'dir') dst = `${dst === '/' ? '' : dst}/${src.split('/').pop()}`;
  if (!ctx.fs.put(dst, Buffer.from(n.data), n.mode)) {
    ctx.err(`${name}: can't create '${args[1]}': Permission denied\n`);
    return 1;
  }
  const d = ctx.fs.get(dst);
  if (d) d.mode = n.mode;
  if (move) ctx.fs.remove(src);
  return 0;
}

export const cp: ShellCommand = { names: ['cp'], run: (ctx) => copy(ctx, 'cp', false) };
export const mv: ShellCommand = { names: ['mv'], run: (ctx) => copy(ctx, 'mv', true) };
