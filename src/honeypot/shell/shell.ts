/**
 * The instance shell: parses a line, consults the command gate (A-73: pre-analysis decides whether a
 * real device answers), otherwise runs the emulated commands against the instance's fake filesystem.
 * Output is bytes; the services turn "\n" into "\r\n" for terminals.
 */
import { FakeFs } from '../fs.js';
import type { Persona } from '../persona.js';
import { lookupCommand } from './commands/index.js';
import type { CommandContext, ShellHost } from './command.js';
import type { CommandRoute } from '../instance.js';
import { parseLine, ShellSyntaxError, type SimpleCommand } from './parse.js';
import { ReplyTiming } from './timing.js';

/** The outside world as the shell needs it; the session implements it. */
export interface ShellHooks {
  fetch(url: string, tool: string): Promise<Buffer | null>;
  tftp(host: string, port: number, file: string): Promise<Buffer | null>;
  executed(path: string, data: Buffer, argv: string[]): void;
}

/** a line is either answered through the relay (read-only, real device) or left to the emulator. */
export interface CommandGate {
  answer(line: string): Promise<{ route: CommandRoute; output: Buffer | null }>;
}

const MAX_OUTPUT = 1 << 20;

export class Shell implements ShellHost {
  cwd = '/root';
  private output: Buffer[] = [];
  private outBytes = 0;
  /** Where output goes as it is produced (a terminal); unset = collected and returned (SSH exec). */
  private liveSink?: (b: Buffer) => void;

  constructor(
    readonly persona: Persona,
    readonly fs: FakeFs,
    private readonly hooks: ShellHooks,
    private readonly gate?: CommandGate,
    readonly timing: ReplyTiming = new ReplyTiming({ scale: 0, bytesPerSecond: 1 }),
  ) {}

  get live(): boolean {
    return this.liveSink !== undefined;
  }

  prompt(): string {
    return `${this.cwd === '/root' ? '~' : this.cwd} # `;
  }

  /** Runs one line typed by the attacker and returns everything it printed (stdout and stderr). */
  async execute(line: string, live?: (b: Buffer) => void): Promise<{ output: Buffer; route: CommandRoute }> {
    this.output = [];
    this.outBytes = 0;
    const trimmed = line.trim();
    let route: CommandRoute = 'emulator';
    if (trimmed === '') return { output: Buffer.alloc(0), route };
    if (this.gate) {
      const answered = await this.gate.answer(trimmed);
      if (answered.output) return { output: answered.output, route: answered.route };
      route = answered.route;
    }
    this.liveSink = live;
    try {
      await this.runLine(trimmed, 0);
    } finally {
      this.liveSink = undefined;
    }
    return { output: Buffer.concat(this.output), route };
  }

  fetch(url: string, tool: string): Promise<Buffer | null> {
    return this.hooks.fetch(url, tool);
  }

  tftp(host: string, port: number, file: string): Promise<Buffer | null> {
    return this.hooks.tftp(host, port, file);
  }

  executed(path: string, data: Buffer, argv: string[]): void {
    this.hooks.executed(path, data, argv);
  }

  private emit(b: Buffer): void {
    if (this.outBytes + b.length > MAX_OUTPUT) return;
    this.outBytes += b.length;
    if (this.liveSink) this.liveSink(b);
    else this.output.push(b);
  }

  async runLine(line: string, depth: number): Promise<number> {
    let rc = 0;
    for (const raw of line.split('\n')) {
      let steps;
      try {
        steps = parseLine(raw);
      } catch (e) {
        if (!(e instanceof ShellSyntaxError)) throw e;
        this.emit(Buffer.from(`sh: ${e.message}\n`));
        rc = 2;
        continue;
      }
      for (const step of steps) {
        if (step.join === '&&' && rc !== 0) continue;
        if (step.join === '||' && rc === 0) continue;
        let stdin: Buffer = Buffer.alloc(0);
        for (let k = 0; k < step.pipeline.length; k++) {
          const last = k === step.pipeline.length - 1;
          const r = await this.runSimple(step.pipeline[k], stdin, depth, last);
          rc = r.rc;
          stdin = r.out;
        }
      }
    }
    return rc;
  }

  private async runSimple(
    c: SimpleCommand,
    stdin: Buffer,
    depth: number,
    last: boolean,
  ): Promise<{ rc: number; out: Buffer }> {
    const chunks: Buffer[] = [];
    const toPipe = !last || c.out !== undefined;
    const out = (s: string | Buffer): void => {
      const b = typeof s === 'string' ? Buffer.from(s) : s;
      if (toPipe) chunks.push(b);
      else this.emit(b);
    };
    const err = (s: string): void => this.emit(Buffer.from(s));
    if (c.input) {
      const n = this.fs.get(FakeFs.normalise(this.cwd, c.input));
      if (!n) {
        err(`sh: can't open ${c.input}: no such file\n`);
        return { rc: 1, out: Buffer.alloc(0) };
      }
      stdin = n.data;
    }
    const name = c.argv[0];
    const ctx: CommandContext = {
      argv: c.argv,
      stdin,
      out,
      err,
      fs: this.fs,
      persona: this.persona,
      cwd: this.cwd,
      setCwd: (p) => {
        this.cwd = p;
        ctx.cwd = p;
      },
      resolve: (p) => FakeFs.normalise(this.cwd, p),
      host: this,
      depth,
    };
    let rc: number;
    const cmd = lookupCommand(name);
    // The device's time to start the applet (network commands add their own connect/transfer time).
    await this.timing.pause(cmd ? cmd.names[0] : name.includes('/') ? 'other' : 'not-found');
    if (cmd) rc = await cmd.run(ctx);
    else if (name.includes('/')) rc = this.runFile(ctx);
    else {
      err(`sh: ${name}: not found\n`);
      rc = 127;
    }
    const data = Buffer.concat(chunks);
    if (c.out) {
      const path = FakeFs.normalise(this.cwd, c.out.path);
      if (path !== '/dev/null' && !this.fs.put(path, data, 0o644, true, c.out.append)) {
        err(`sh: can't create ${c.out.path}: nonexistent directory\n`);
        return { rc: 1, out: Buffer.alloc(0) };
      }
      return { rc, out: Buffer.alloc(0) };
    }
    return { rc, out: data };
  }

  /** `./payload args`: the moment a captured file becomes a sample. It never runs here. */
  private runFile(ctx: CommandContext): number {
    const path = ctx.resolve(ctx.argv[0]);
    const n = this.fs.get(path);
    if (!n) {
      ctx.err(`sh: ${ctx.argv[0]}: not found\n`);
      return 127;
    }
    if (n.kind === 'dir' || (n.mode & 0o111) === 0) {
      ctx.err(`sh: ${ctx.argv[0]}: Permission denied\n`);
      return 126;
    }
    if (n.attacker) this.hooks.executed(path, n.data, ctx.argv);
    return 0;
  }
}
