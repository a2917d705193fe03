/** `ls [-la] [PATH]`: the listing an attacker uses to learn where it can write. */
import type { ShellCommand } from '../command.js';
import { splitOptions } from '../command.js';

function modeString(kind: 'file' | 'dir', mode: number): string {
  const r = (m: number): string => (m & 4 ? 'r' : '-') + (m & 2 ? 'w' : '-') + (m & 1 ? 'x' : '-');
  return (kind === 'dir' ? 'd' : '-') + r(mode >> 6) + r(mode >> 3) + r(mode);
}

export const ls: ShellCommand = {
  names: ['ls'],
  run(ctx) {
    const { flags, rest } = splitOptions(ctx.argv.slice(1));
    const long = flags.has('l');
    const targets = rest.length > 0 ? rest : ['.'];
    let rc = 0;
    for (const t of targets) {
      const path = ctx.resolve(t);
      const n = ctx.fs.get(path);
      if (!n) {
        ctx.err(`ls: ${t}: No such file or directory\n`);
        rc = 1;
        continue;
      }
      const names = n.kind === 'dir' ? ctx.fs.list(path) : [t];
      if (!long) {
        if (names.length > 0) ctx.out(names.join('  ') + '\n');
        continue;
      }
      for (const name of names) {
        const c = n.kind === 'dir' ? ctx.fs.get(path === '/' ? `/${name}` : `${path}/${name}`) : n;
        if (!c) continue;
        const d = new Date(c.mtime);
        const date =
          d.toUTCString().slice(8, 11) +
          ' ' +
          String(d.getUTCDate()).padStart(2) +
          ' ' +
          d.toISOString().slice(11, 16);
        ctx.out(
          `${modeString(c.kind, c.mode)}    1 root     root     ${String(c.data.length).padStart(8)} ${date} ${name}\n`,
        );
      }
    }
    return rc;
  },
};
