/**
 * The fake filesystem of one instance: every session gets its own copy, so what an attacker
 * writes is consistent within the session and invisible to the next one. Paths are absolute and
 * normalised; content is bytes because droppers push binaries with `echo -ne '\x7f\x45…'`.
 */
import type { Persona } from './persona.js';

export interface FsNode {
  kind: 'file' | 'dir';
  mode: number;
  data: Buffer;
  /** Written by the attacker in this session (a candidate sample, A-64). */
  attacker: boolean;
  mtime: number;
}

const T0 = Date.UTC(2017, 2, 7, 10, 41);

export class FakeFs {
  private readonly nodes = new Map<string, FsNode>();
  /** Bytes written by the attacker, bounded so a session cannot exhaust memory. */
  private written = 0;

  constructor(
    persona: Persona,
    readonly maxBytes = 8 * 1024 * 1024,
  ) {
    for (const d of [
      '/',
      '/bin',
      '/sbin',
      '/etc',
      '/proc',
      '/dev',
      '/tmp',
      '/var',
      '/var/run',
      '/usr',
      '/usr/bin',
      '/mnt',
      '/mnt/mtd',
      '/home',
      '/root',
      '/sys',
      '/lib',
    ])
      this.mkdir(d);
    const files: Record<string, string> = {
      '/etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nadmin:x:1000:1000::/home/admin:/bin/sh\n',
      '/etc/shadow': 'root:$1$yi$0qG1FcVjqWR4oL5fG7dDg.:17232:0:99999:7:::\n',
      '/etc/hostname': `${persona.hostname}\n`,
      '/etc/inittab': '::sysinit:/etc/init.d/rcS\n::respawn:/sbin/getty -L ttyS0 115200 vt100\n',
      '/etc/resolv.conf': 'nameserver 192.168.1.1\n',
      '/proc/cpuinfo': persona.cpuinfo,
      '/proc/mounts': persona.mounts,
      '/proc/version': `${persona.kernel} version ${persona.kernelVersion.split(' ')[0]} (gcc version 4.9.4) ${persona.kernelVersion}\n`,
      '/proc/meminfo':
        'MemTotal:          60368 kB\nMemFree:           11244 kB\nBuffers:            1964 kB\nCached:            19616 kB\n',
      '/proc/uptime': '183452.27 171230.61\n',
      '/dev/null': '',
      '/var/run/dhcpc.pid': '412\n',
    };
    for (const [p, c] of Object.entries(files)) this.put(p, Buffer.from(c), 0o644, false);
    for (const b of [
      'busybox',
      'sh',
      'ls',
      'cat',
      'echo',
      'ps',
      'cp',
      'mv',
      'rm',
      'chmod',
      'mount',
      'wget',
      'tftp',
      'ftpget',
    ])
      this.put(`/bin/${b}`, Buffer.alloc(0), 0o755, false);
  }

  static normalise(cwd: string, path: string): string {
    const parts = (path.startsWith('/') ? path : `${cwd}/${path}`).split('/');
    const out: string[] = [];
    for (const p of parts) {
      if (p === '' || p === '.') continue;
      if (p === '..') out.pop();
      else out.push(p);
    }
    return '/' + out.join('/');
  }

  get(path: string): FsNode | undefined {
    return this.nodes.get(path);
  }

  parent(path: string): string {
    const i = path.lastIndexOf('/');
    return i <= 0 ? '/' : path.slice(0, i);
  }

  mkdir(path: string): void {
    this.nodes.set(path, { kind: 'dir', mode: 0o755, data: Buffer.alloc(0), attacker: false, mtime: T0 });
  }

  /** Writes a file; false when the parent is missing or the byte budget is spent. */
  put(path: string, data: Buffer, mode = 0o644, attacker = true, append = false): boolean {
    const dir = this.nodes.get(this.parent(path));
    if (!dir || dir.kind !== 'dir') return false;
    const old = this.nodes.get(path);
    if (old?.kind === 'dir') return false;
    const next = append && old ? Buffer.concat([old.data, data]) : data;
    if (attacker) {
      this.written += data.length;
      if (this.written > this.maxBytes) return false;
    }
    this.nodes.set(path, {
      kind: 'file',
      mode: old?.mode ?? mode,
      data: next,
      attacker: attacker || (old?.attacker ?? false),
      mtime: Date.now(),
    });
    return true;
  }

  remove(path: string): boolean {
    if (!this.nodes.has(path) || path === '/') return false;
    for (const k of [...this.nodes.keys()]) if (k === path || k.startsWith(path + '/')) this.nodes.delete(k);
    return true;
  }

  list(dir: string): string[] {
    const prefix = dir === '/' ? '/' : dir + '/';
    const out: string[] = [];
    for (const k of this.nodes.keys()) {
      if (k === dir || !k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length);
      if (!rest.includes('/')) out.push(rest);
    }
    return out.sort();
  }

  /** Files the attacker created or changed: the pushed samples. */
  attackerFiles(): Array<{ path: string; data: Buffer }> {
    const out: Array<{ path: string; data: Buffer }> = [];
    for (const [path, n] of this.nodes)
      if (n.attacker && n.kind === 'file' && n.data.length > 0) out.push({ path, data: n.data });
    return out;
  }
}
