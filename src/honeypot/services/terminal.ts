/**
 * The line discipline shared by telnet and the SSH shell: login prompt, password without echo, then
 * the shell prompt; lines run one at a time in order. Input arrives in arbitrary chunks; the driver
 * keeps at most MAX_LINE bytes of a partial line (a hostile peer cannot grow it without bound).
 */
import type { Session } from '../session.js';

const MAX_LINE = 64 * 1024;

export interface TerminalOptions {
  /** Ask for user/password first (telnet); SSH has authenticated already. */
  login: boolean;
  /** Echo typed characters (telnet after WILL ECHO, SSH with a PTY). */
  echo: boolean;
  write(data: Buffer | string): void;
  end(): void;
  banner?: string;
}

export class TerminalDriver {
  private partial = '';
  private state: 'user' | 'password' | 'shell' | 'closed';
  private user = '';
  private failures = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly session: Session,
    private readonly o: TerminalOptions,
  ) {
    this.state = o.login ? 'user' : 'shell';
    if (o.login) this.out(`\r\n${session.shell.persona.hostname} login: `);
    else this.out((o.banner ?? '') + session.shell.prompt());
  }

  private out(s: string | Buffer): void {
    if (this.state === 'closed') return;
    const b = typeof s === 'string' ? Buffer.from(s) : s;
    this.session.account(0, b.length);
    this.o.write(b);
  }

  feed(chunk: Buffer): void {
    if (!this.session.account(chunk.length, 0)) return this.close('bytes-limit');
    const text = chunk.toString('latin1');
    for (const ch of text) {
      if (ch === '\r' || ch === '\n') {
        if (ch === '\n' && this.justCr) {
          this.justCr = false;
          continue;
        }
        this.justCr = ch === '\r';
        const line = this.partial;
        this.partial = '';
        if (this.o.echo && this.state !== 'password') this.o.write('\r\n');
        this.queue = this.queue.then(() => this.onLine(line));
        continue;
      }
      this.justCr = false;
      if (ch === '\0') continue;
      if (ch === '\x7f' || ch === '\b') {
        this.partial = this.partial.slice(0, -1);
        continue;
      }
      if (ch === '\x03' || ch === '\x04') {
        if (ch === '\x04' && this.partial === '') return this.close('eof');
        this.partial = '';
        continue;
      }
      if (this.partial.length >= MAX_LINE) continue;
      this.partial += ch;
      if (this.o.echo && this.state !== 'password') this.o.write(ch);
    }
  }

  private justCr = false;

  private async onLine(line: string): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state === 'user') {
      this.user = line.trim();
      this.state = 'password';
      this.out('Password: ');
      return;
    }
    if (this.state === 'password') {
      if (this.o.echo) this.o.write('\r\n');
      const accepted = this.session.login(this.user, line);
      await this.session.loginDelay(accepted);
      if (accepted) {
        this.state = 'shell';
        this.out(
          '\r\n\r\nBusyBox ' +
            this.session.shell.persona.busyboxVersion +
            " built-in shell (ash)\r\nEnter 'help' for a list of built-in commands.\r\n\r\n" +
            this.session.shell.prompt(),
        );
      } else if (++this.failures >= 3) {
        this.out('Login incorrect\r\n');
        this.close('login-failed');
      } else {
        this.state = 'user';
        this.out(`Login incorrect\r\n${this.session.shell.persona.hostname} login: `);
      }
      return;
    }
    const trimmed = line.trim();
    if (trimmed === 'exit' || trimmed === 'logout') return this.close('exit');
    const crlf = (b: Buffer): Buffer => Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
    const output = await this.session.command(line, (b) => this.out(crlf(b)));
    this.out(crlf(output));
    this.out(this.session.shell.prompt());
  }

  close(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.session.close(reason);
    this.o.end();
  }
}
