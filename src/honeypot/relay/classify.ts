/**
 * Command pre-analysis: every command line is classified before anything happens. Only lines
 * made entirely of known read-only commands, without output redirection, may reach a real device;
 * writes, executions of scripts/binaries/programs, configuration changes, network fetches and
 * anything unknown are blocked (answered by the emulator instead).
 */
import { parseLine, ShellSyntaxError } from '../shell/parse.js';

export type CommandClass = 'read-only' | 'write' | 'execute' | 'config' | 'network' | 'unknown';

const READ_ONLY = new Set([
  'cat',
  'uname',
  'ps',
  'ls',
  'pwd',
  'id',
  'whoami',
  'uptime',
  'free',
  'df',
  'ifconfig',
  'hostname',
  'date',
  'head',
  'tail',
  'grep',
  'wc',
  'echo',
  'dmesg',
  'netstat',
  'nproc',
  'which',
  'type',
]);
const WRITE = new Set([
  'rm',
  'cp',
  'mv',
  'mkdir',
  'touch',
  'dd',
  'chmod',
  'chown',
  'ln',
  'tee',
  'truncate',
  'rmdir',
]);
const EXECUTE = new Set([
  'sh',
  'bash',
  'ash',
  'busybox',
  'exec',
  'eval',
  'nohup',
  'python',
  'perl',
  'source',
  '.',
  'kill',
  'killall',
  'pkill',
  'reboot',
  'halt',
  'poweroff',
]);
const CONFIG = new Set([
  'iptables',
  'route',
  'ip',
  'mount',
  'umount',
  'passwd',
  'crontab',
  'sysctl',
  'nvram',
  'fw_setenv',
  'insmod',
  'rmmod',
  'modprobe',
  'useradd',
  'adduser',
  'enable',
  'system',
  'shell',
  'linuxshell',
  'config',
  'set',
]);
const NETWORK = new Set(['wget', 'curl', 'tftp', 'ftpget', 'ftpput', 'nc', 'telnet', 'ssh', 'ping']);
/** Reading these leaks secrets even through scrubbing: never tunnelled. */
const SECRET_PATHS = /^\/etc\/(shadow|passwd-|gshadow)|\/(mnt\/mtd|nvram|config)\//;

/** The command names a line runs (basenames), for the device end's device choice. */
export function commandNames(line: string): string[] {
  try {
    return [
      ...new Set(
        parseLine(line).flatMap((s) =>
          s.pipeline.map((c) => (c.argv[0] ?? '').replace(/^\/(usr\/)?s?bin\//, '')),
        ),
      ),
    ];
  } catch {
    return [];
  }
}

export function classifyCommand(line: string): { cls: CommandClass; reason: string } {
  let steps;
  try {
    steps = parseLine(line);
  } catch (e) {
    if (e instanceof ShellSyntaxError) return { cls: 'unknown', reason: e.message };
    throw e;
  }
  if (steps.length === 0) return { cls: 'unknown', reason: 'empty' };
  if (/[`$]\(|`|\$\{?[A-Za-z_]/.test(line))
    return { cls: 'execute', reason: 'command or variable substitution' };
  for (const s of steps) {
    for (const c of s.pipeline) {
      const name = (c.argv[0] ?? '').replace(/^\/(usr\/)?s?bin\//, '');
      if (c.out && c.out.path !== '/dev/null')
        return { cls: 'write', reason: `redirects output to ${c.out.path}` };
      if (c.argv[0]?.includes('/') && !/^\/(usr\/)?s?bin\//.test(c.argv[0]))
        return { cls: 'execute', reason: `runs ${c.argv[0]}` };
      if (WRITE.has(name)) return { cls: 'write', reason: name };
      if (EXECUTE.has(name)) return { cls: 'execute', reason: name };
      if (CONFIG.has(name)) return { cls: 'config', reason: name };
      if (NETWORK.has(name)) return { cls: 'network', reason: name };
      if (!READ_ONLY.has(name)) return { cls: 'unknown', reason: name };
      if (c.argv.slice(1).some((a) => SECRET_PATHS.test(a)))
        return { cls: 'config', reason: 'reads credentials/configuration store' };
      if (name === 'echo' && c.argv.some((a) => a.startsWith('-') && a.includes('e')))
        return { cls: 'write', reason: 'echo -e payload assembly' };
    }
  }
  return { cls: 'read-only', reason: 'all commands read-only' };
}
