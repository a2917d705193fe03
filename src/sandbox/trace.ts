/**
 * Reads an `strace -f -o` log into behaviour (A-81 system level): processes started, files written
 * and deleted, network attempts, and a per-syscall count. Split `<unfinished …>` / `<… resumed>`
 * lines are joined per PID. Bounded by the caller (the log is read up to a size cap).
 */
export interface NetworkAttempt {
  syscall: string;
  family: string;
  ip?: string;
  port?: number;
  result: number;
}

export interface TraceFacts {
  processes: Array<{ pid: number; path: string; argv: string[] }>;
  forks: number;
  filesWritten: Array<{ path: string; ok: boolean }>;
  filesDeleted: string[];
  sockets: Array<{ family: string; type: string }>;
  network: NetworkAttempt[];
  syscalls: Record<string, number>;
  lines: number;
}

const LINE = /^(\d+)\s+(?:\d+:\d+:\d+(?:\.\d+)?\s+)?(\w+)\((.*)\)\s+=\s+(-?\d+|\?|0x[0-9a-f]+)/;
const UNFINISHED = /^(\d+)\s+(?:\d+:\d+:\d+(?:\.\d+)?\s+)?(\w+)\((.*) <unfinished \.\.\.>$/;
const RESUMED =
  /^(\d+)\s+(?:\d+:\d+:\d+(?:\.\d+)?\s+)?<\.\.\. (\w+) resumed>(.*)\)\s+=\s+(-?\d+|\?|0x[0-9a-f]+)/;

function firstString(args: string): string | undefined {
  const m = /"((?:[^"\\]|\\.)*)"/.exec(args);
  return m ? m[1] : undefined;
}

function argvOf(args: string): string[] {
  const argvText = /\[(.*?)\]/.exec(args)?.[1] ?? '';
  return [...argvText.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((x) => x[1]).slice(0, 32);
}

export interface TraceOptions {
  /**
   * Behaviour is recorded from the first successful execve whose argv satisfies this (the sample):
   * what the sandbox's own wrappers did before is not the sample's. Without it, from the first line.
   */
  startAt?: (argv: string[]) => boolean;
}

export function parseTrace(text: string, opts: TraceOptions = {}): TraceFacts {
  const f: TraceFacts = {
    processes: [],
    forks: 0,
    filesWritten: [],
    filesDeleted: [],
    sockets: [],
    network: [],
    syscalls: {},
    lines: 0,
  };
  const pending = new Map<string, { name: string; args: string }>();
  const push = <T>(list: T[], v: T): void => {
    if (list.length < 5000) list.push(v);
  };
  let started = !opts.startAt;
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    f.lines++;
    let pid: number, name: string, args: string, ret: number;
    let m = LINE.exec(raw);
    if (m) {
      [pid, name, args, ret] = [Number(m[1]), m[2], m[3], Number(m[4])];
    } else if ((m = UNFINISHED.exec(raw))) {
      pending.set(m[1], { name: m[2], args: m[3] });
      continue;
    } else if ((m = RESUMED.exec(raw))) {
      const p = pending.get(m[1]);
      pending.delete(m[1]);
      [pid, name, args, ret] = [Number(m[1]), m[2], (p?.args ?? '') + m[3], Number(m[4])];
    } else continue;
    if (Number.isNaN(ret)) ret = 0;
    const isExec = (name === 'execve' || name === 'execveat') && ret === 0;
    const argv = isExec ? argvOf(args) : [];
    if (!started) {
      if (!isExec || !opts.startAt!(argv)) continue;
      started = true;
    }
    f.syscalls[name] = (f.syscalls[name] ?? 0) + 1;
    switch (name) {
      case 'execve':
      case 'execveat': {
        if (isExec) push(f.processes, { pid, path: firstString(args) ?? '', argv });
        break;
      }
      case 'fork':
      case 'vfork':
      case 'clone':
      case 'clone3':
        if (ret > 0) f.forks++;
        break;
      case 'open':
      case 'openat':
      case 'creat': {
        const path = firstString(args);
        if (path && (name === 'creat' || /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND/.test(args)))
          push(f.filesWritten, { path, ok: ret >= 0 });
        break;
      }
      case 'unlink':
      case 'unlinkat':
      case 'rmdir': {
        const path = firstString(args);
        if (path && ret === 0) push(f.filesDeleted, path);
        break;
      }
      case 'rename':
      case 'renameat':
      case 'renameat2': {
        const path = firstString(args);
        if (path && ret === 0) push(f.filesDeleted, path);
        break;
      }
      case 'socket': {
        const fam = /AF_\w+/.exec(args)?.[0] ?? '?';
        const type = /SOCK_(STREAM|DGRAM|RAW|SEQPACKET)/.exec(args)?.[0] ?? '?';
        push(f.sockets, { family: fam, type });
        break;
      }
      case 'connect':
      case 'sendto':
      case 'sendmsg': {
        const fam = /sa_family=(AF_\w+)/.exec(args)?.[1];
        if (!fam || fam === 'AF_UNIX' || fam === 'AF_NETLINK') break;
        const port = /sin6?_port=htons\((\d+)\)/.exec(args)?.[1];
        const ip =
          /inet_addr\("([^"]+)"\)/.exec(args)?.[1] ?? /inet_pton\(AF_INET6, "([^"]+)"/.exec(args)?.[1];
        push(f.network, {
          syscall: name,
          family: fam,
          ip,
          port: port ? Number(port) : undefined,
          result: ret,
        });
        break;
      }
    }
  }
  return f;
}
