/**
 * What an emulated command sees: its arguments, stdin, the instance's fake filesystem and persona,
 * and the host hooks through which the outside world is touched (downloads within scope, execution
 * of captured files → sandbox). Commands never touch the real network or filesystem themselves.
 */
import type { FakeFs } from '../fs.js';
import type { Persona } from '../persona.js';
import type { ReplyTiming } from './timing.js';

export interface ShellHost {
  /** Fetches a URL if it lies in the allowed scope; null when refused or failed. */
  fetch(url: string, tool: string): Promise<Buffer | null>;
  /** TFTP read request within scope. */
  tftp(host: string, port: number, file: string): Promise<Buffer | null>;
  /** An attacker tried to run a file of the fake filesystem: a captured sample. */
  executed(path: string, data: Buffer, argv: string[]): void;
  /** Runs a line in the same shell (sh -c, sh script). */
  runLine(line: string, depth: number): Promise<number>;
  /** The device's reply timing (connect and transfer delays, progress pacing). */
  readonly timing: ReplyTiming;
  /** Output reaches a terminal as it is produced (progress bars are redrawn only then). */
  readonly live: boolean;
}

export interface CommandContext {
  argv: string[];
  stdin: Buffer;
  out(s: string | Buffer): void;
  err(s: string): void;
  fs: FakeFs;
  persona: Persona;
  cwd: string;
  setCwd(path: string): void;
  resolve(path: string): string;
  host: ShellHost;
  depth: number;
}

export interface ShellCommand {
  /** Names the attacker may type; /bin/ and /usr/bin/ prefixes are resolved by the registry. */
  names: string[];
  run(ctx: CommandContext): number | Promise<number>;
}

/** Small option splitter: leading `-abc` flags and the remaining operands (Cowrie lesson: no flag chains). */
export function splitOptions(args: string[], withValue = ''): { flags: Map<string, string>; rest: string[] } {
  const flags = new Map<string, string>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      rest.push(...args.slice(i + 1));
      break;
    }
    if (a.length > 1 && a.startsWith('-') && !a.startsWith('--') && !/^-\d+$/.test(a)) {
      for (let j = 1; j < a.length; j++) {
        const f = a[j];
        if (withValue.includes(f)) {
          const v = j + 1 < a.length ? a.slice(j + 1) : (args[++i] ?? '');
          flags.set(f, v);
          break;
        }
        flags.set(f, '');
      }
    } else if (a.startsWith('--') && a.length > 2) flags.set(a, '');
    else rest.push(a);
  }
  return { flags, rest };
}
