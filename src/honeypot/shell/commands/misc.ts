/** Small applets with fixed answers: the ones loaders call for probing rather than for effect. */
import type { ShellCommand } from '../command.js';

export const nproc: ShellCommand = {
  names: ['nproc'],
  run(ctx) {
    ctx.out('1\n');
    return 0;
  },
};

export const kill: ShellCommand = { names: ['kill', 'killall', 'pkill'], run: () => 0 };
export const trueCmd: ShellCommand = {
  names: ['true', ':', 'sleep', 'sync', 'export', 'ulimit'],
  run: () => 0,
};
export const falseCmd: ShellCommand = { names: ['false'], run: () => 1 };

export const whoami: ShellCommand = {
  names: ['whoami', 'id'],
  run(ctx) {
    ctx.out(ctx.argv[0].endsWith('id') ? 'uid=0(root) gid=0(root)\n' : 'root\n');
    return 0;
  },
};

export const ifconfig: ShellCommand = {
  names: ['ifconfig'],
  run(ctx) {
    ctx.out(
      'eth0      Link encap:Ethernet  HWaddr 00:12:16:3A:5C:21\n' +
        '          inet addr:192.168.1.108  Bcast:192.168.1.255  Mask:255.255.255.0\n' +
        '          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1\n\n',
    );
    return 0;
  },
};

export const mkdir: ShellCommand = {
  names: ['mkdir'],
  run(ctx) {
    for (const d of ctx.argv.slice(1).filter((a) => !a.startsWith('-'))) {
      const path = ctx.resolve(d);
      if (!ctx.fs.get(ctx.fs.parent(path))) {
        ctx.err(`mkdir: can't create directory '${d}': No such file or directory\n`);
        return 1;
      }
      if (!ctx.fs.get(path)) ctx.fs.mkdir(path);
    }
    return 0;
  },
};

export const touch: ShellCommand = {
  names: ['touch'],
  run(ctx) {
    for (const f of ctx.argv.slice(1).filter((a) => !a.startsWith('-'))) {
      const path = ctx.resolve(f);
      if (!ctx.fs.get(path)) ctx.fs.put(path, Buffer.alloc(0));
    }
    return 0;
  },
};
