/**
 * Default Telnet credentials: logs in with each pair of a list, as Mirai does, and calls a pair accepted
 * when the device shows a shell prompt after it. Telnet option negotiation is refused (WONT/DONT) except the
 * server echoing and suppressing go-ahead, which every BusyBox telnetd asks for. Each attempt and the whole run
 * have deadlines; a device that drops the connection after a few failures is reconnected.
 */
import { connect, type Socket } from 'node:net';

const IAC = 255;
const DONT = 254;
const DO = 253;
const WONT = 252;
const WILL = 251;
const SB = 250;
const SE = 240;
const ECHO = 1;
const SGA = 3;

const LOGIN_PROMPT = /(login|user ?name|user)\s*:\s*$/i;
const PASSWORD_PROMPT = /pass(word)?\s*:\s*$/i;
const FAILED = /(incorrect|invalid|fail|denied|wrong|bad password|login\s*:\s*$)/i;
const SHELL_PROMPT = /([#$>%]|~\s?[#$])\s*$/;

export interface TelnetLoginResult {
  /** The pair the device accepted. */
  accepted?: { user: string; password: string };
  tried: number;
  /** The deadline ran out before the list did. */
  incomplete: boolean;
  error?: string;
}

/** A Telnet session that strips negotiation from what the device says and answers it. */
class TelnetLine {
  private text = '';
  private waiter?: {
    re: RegExp[];
    resolve: (m: { index: number; text: string }) => void;
    reject: (e: Error) => void;
    t: NodeJS.Timeout;
  };
  closed = false;

  constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => this.onData(d));
    const end = () => {
      this.closed = true;
      this.waiter?.reject(new Error('connection closed'));
    };
    socket.on('close', end);
    socket.on('error', end);
  }

  private onData(d: Buffer): void {
    const out: number[] = [];
    for (let i = 0; i < d.length; i++) {
      const b = d[i];
      if (b !== IAC) {
        if (b !== 0) out.push(b);
        continue;
      }
      const cmd = d[i + 1];
      const opt = d[i + 2];
      if (cmd === DO || cmd === DONT || cmd === WILL || cmd === WONT) {
        if (opt !== undefined) {
          if (cmd === DO) this.socket.write(Buffer.from([IAC, WONT, opt]));
          else if (cmd === WILL)
            this.socket.write(Buffer.from([IAC, opt === ECHO || opt === SGA ? DO : DONT, opt]));
        }
        i += 2;
      } else if (cmd === SB) {
        const end = d.indexOf(SE, i);
        i = end < 0 ? d.length : end;
      } else i += 1;
    }
    // Keep only the tail: prompts are at the end, and a chatty device must not grow memory.
    this.text = (this.text + Buffer.from(out).toString('latin1')).slice(-4096);
    this.check();
  }

  private check(): void {
    const w = this.waiter;
    if (!w) return;
    const i = w.re.findIndex((r) => r.test(this.text));
    if (i >= 0) {
      clearTimeout(w.t);
      this.waiter = undefined;
      const text = this.text;
      this.text = '';
      w.resolve({ index: i, text });
    }
  }

  /** Resolves with the first pattern (index) the device's output matches, and that output. */
  expect(re: RegExp[], ms: number): Promise<{ index: number; text: string }> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no prompt within ${ms} ms`));
      }, ms);
      this.waiter = { re, resolve, reject, t };
      this.check();
    });
  }

  send(line: string): void {
    this.socket.write(`${line}\r\n`);
  }
}

function open(host: string, port: number, ms: number): Promise<TelnetLine> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`no connection within ${ms} ms`));
    }, ms);
    s.once('connect', () => {
      clearTimeout(t);
      resolve(new TelnetLine(s));
    });
    s.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

export async function telnetDefaultLogin(o: {
  host: string;
  port: number;
  credentials: ReadonlyArray<readonly [string, string]>;
  deadline: number;
  stepMs?: number;
}): Promise<TelnetLoginResult> {
  const step = o.stepMs ?? 4000;
  const left = () => o.deadline - Date.now();
  let line: TelnetLine | undefined;
  let tried = 0;
  /** The device's last words already ended with a login prompt (it came with "Login incorrect"). */
  let atLogin = false;
  const ms = () => Math.max(1, Math.min(step, left()));
  /** One pair on the current connection: true = a shell prompt followed. */
  const attempt = async (l: TelnetLine, user: string, password: string): Promise<boolean> => {
    const prompt = atLogin ? 0 : (await l.expect([LOGIN_PROMPT, PASSWORD_PROMPT], ms())).index;
    atLogin = false;
    if (prompt === 0) {
      l.send(user);
      await l.expect([PASSWORD_PROMPT], ms());
    }
    l.send(password);
    // Failure first: "Login incorrect\r\nlogin: " must not be read as a prompt of a shell.
    const outcome = await l.expect([FAILED, SHELL_PROMPT], ms());
    if (outcome.index === 1) return true;
    atLogin = LOGIN_PROMPT.test(outcome.text);
    return false;
  };
  try {
    for (const [user, password] of o.credentials) {
      if (left() <= 0) return { tried, incomplete: true };
      let ok: boolean;
      try {
        if (!line || line.closed) {
          line?.socket.destroy();
          line = await open(o.host, o.port, ms());
          atLogin = false;
        }
        ok = await attempt(line, user, password);
      } catch (e) {
        // Devices hang up after a few failures (BusyBox after 3): the same pair again on a new connection.
        if (!line?.closed) throw e;
        line = await open(o.host, o.port, ms());
        atLogin = false;
        ok = await attempt(line, user, password);
      }
      tried++;
      if (ok) return { accepted: { user, password }, tried, incomplete: false };
    }
    return { tried, incomplete: false };
  } catch (e) {
    return { tried, incomplete: true, error: (e as Error).message };
  } finally {
    line?.socket.destroy();
  }
}
