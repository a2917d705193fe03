/**
 * A real redis-server for the bus tests: on a free loopback port, in a temporary directory, nothing saved; stopped
 * by its PID. `restart()` brings a server back on the same port (empty), as after a crash without persistence.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/free-port.js';

export function haveRedisServer(): boolean {
  return spawnSync('sh', ['-c', 'command -v redis-server']).status === 0;
}

export interface RedisServer {
  url: string;
  port: number;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
  /** A new (empty) server on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Resolves once the server answers PING on the port (at most 10 s). */
async function waitReady(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('error', () => resolve(false));
      s.once('connect', () => s.write('PING\r\n'));
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within 10 s`);
}

function exited(p: ChildProcess): Promise<void> {
  return p.exitCode !== null || p.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => p.once('exit', () => r()));
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'moat-bus-'));
  let proc: ChildProcess;
  const launch = async (): Promise<void> => {
    proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore' },
    );
    await waitReady(port);
  };
  await launch();
  const kill = async (): Promise<void> => {
    if (proc.pid !== undefined && proc.exitCode === null && proc.signalCode === null)
      process.kill(proc.pid, 'SIGKILL');
    await exited(proc);
  };
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    kill,
    restart: launch,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
