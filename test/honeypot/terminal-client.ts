/**
 * Drives a real interactive client (telnet under `script`, which gives it a pseudo-terminal; ssh under
 * `sshpass`, which does the same) like expect: wait for text, type a line. Ended by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export class TerminalClient {
  private buf = '';
  private all = '';
  private waiters: Array<() => void> = [];
  exited = false;

  private constructor(readonly child: ChildProcess) {
    const take = (d: Buffer): void => {
      const s = d.toString('latin1');
      this.buf += s;
      this.all += s;
      for (const w of this.waiters.splice(0)) w();
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    child.on('exit', () => {
      this.exited = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static start(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): TerminalClient {
    return new TerminalClient(spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env, detached: true }));
  }

  /** Everything the client printed so far. */
  get transcript(): string {
    return this.all;
  }

  async until(text: string | RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = typeof text === 'string' ? this.buf.indexOf(text) : (text.exec(this.buf)?.index ?? -1);
      if (m >= 0) {
        const len = typeof text === 'string' ? text.length : text.exec(this.buf)![0].length;
        const got = this.buf.slice(0, m + len);
        this.buf = this.buf.slice(m + len);
        return got;
      }
      if (this.exited || Date.now() > deadline)
        throw new Error(
          `${this.exited ? 'client exited' : 'timeout'} waiting for ${String(text)}; got: ${JSON.stringify(this.buf.slice(-400))}`,
        );
      await new Promise<void>((r) => {
        const t = setTimeout(r, 100);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Types a line and presses Enter (a terminal sends CR). */
  type(line: string): void {
    this.child.stdin!.write(line + '\r');
  }

  waitExit(timeoutMs = 10_000): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.kill();
        resolve();
      }, timeoutMs);
      this.child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  kill(): void {
    if (this.child.pid && !this.exited) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}
