/**
 * A helper daemon (dnsmasq) run as a child and kept running: restarted when it exits, with a back-off that grows
 * while it keeps failing and resets once it has stayed up; stopped by its PID (SIGTERM, then SIGKILL). A daemon
 * that fails right at its first start is an error of the start itself, reported with its last output lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Component, Health } from '../framework/index.js';

export interface SupervisedOptions {
  name: string;
  command: string;
  args: string[];
  /** Each output line of the daemon (stdout and stderr). */
  onLine?: (line: string) => void;
  /** Starts, exits and restarts, for the log and the status file. */
  onEvent?: (e: SupervisorEvent) => void;
  /** How long the first start must survive to count as started (default 400 ms). */
  settleMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Uptime after which the back-off starts again from the minimum (default 30 s). */
  stableMs?: number;
}

export type SupervisorEvent =
  | { event: 'started'; pid: number }
  | { event: 'exited'; pid: number; code: number | null; signal: string | null }
  | { event: 'restarting'; inMs: number };

export interface SupervisorState {
  pid?: number;
  running: boolean;
  restarts: number;
  lastExit?: { code: number | null; signal: string | null; at: string };
}

export class Supervised implements Component<SupervisedOptions> {
  readonly name: string;
  private child?: ChildProcess;
  private stopping = false;
  private timer?: NodeJS.Timeout;
  private backoff: number;
  private startedAt = 0;
  private readonly tail: string[] = [];
  private readonly st: SupervisorState = { running: false, restarts: 0 };

  constructor(readonly config: SupervisedOptions) {
    this.name = config.name;
    this.backoff = config.minBackoffMs ?? 500;
  }

  get state(): Readonly<SupervisorState> {
    return this.st;
  }

  async start(): Promise<void> {
    this.stopping = false;
    const child = this.spawnOnce();
    const settle = this.config.settleMs ?? 400;
    await new Promise<void>((resolve, reject) => {
      const fail = (why: string) => {
        clearTimeout(t);
        // A daemon that cannot start is not restarted: the caller gets the error instead.
        this.stopping = true;
        if (this.timer) clearTimeout(this.timer);
        reject(
          new Error(`${this.name} ${why}${this.tail.length ? `: ${this.tail.slice(-3).join(' | ')}` : ''}`),
        );
      };
      const t = setTimeout(() => {
        child.off('exit', onExit);
        child.off('error', onError);
        resolve();
      }, settle);
      const onExit = (code: number | null, signal: string | null) =>
        fail(`exited at start (${signal ?? `code ${code}`})`);
      const onError = (e: Error) => fail(`could not start: ${e.message}`);
      child.once('exit', onExit);
      child.once('error', onError);
    });
  }

  private spawnOnce(): ChildProcess {
    const child = spawn(this.config.command, this.config.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.startedAt = Date.now();
    const onLine = (line: string) => {
      this.tail.push(line);
      if (this.tail.length > 20) this.tail.shift();
      this.config.onLine?.(line);
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.on('error', (e) => onLine(`(${e.message})`));
    child.once('spawn', () => {
      this.st.pid = child.pid;
      this.st.running = true;
      this.config.onEvent?.({ event: 'started', pid: child.pid! });
    });
    child.once('exit', (code, signal) => {
      this.st.running = false;
      this.st.lastExit = { code, signal, at: new Date().toISOString() };
      if (child.pid) this.config.onEvent?.({ event: 'exited', pid: child.pid, code, signal });
      if (this.child === child) this.child = undefined;
      if (!this.stopping) this.scheduleRestart();
    });
    return child;
  }

  private scheduleRestart(): void {
    const max = this.config.maxBackoffMs ?? 30_000;
    if (Date.now() - this.startedAt > (this.config.stableMs ?? 30_000))
      this.backoff = this.config.minBackoffMs ?? 500;
    const inMs = this.backoff;
    this.backoff = Math.min(max, this.backoff * 2);
    this.config.onEvent?.({ event: 'restarting', inMs });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stopping) return;
      this.st.restarts++;
      this.spawnOnce();
    }, inMs);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    const child = this.child;
    // No PID: the spawn itself failed (no 'exit' will come); an exit code or signal: already gone.
    if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const hard = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(hard);
  }

  health(): Health {
    if (this.st.running) return { ok: true, detail: `pid ${this.st.pid}, ${this.st.restarts} restart(s)` };
    const last = this.st.lastExit;
    return {
      ok: false,
      detail: last
        ? `not running: exited ${last.signal ?? `code ${last.code}`} at ${last.at}`
        : 'not running',
    };
  }
}
