/**
 * A throw-away PostgreSQL server for tests: initdb in a temporary folder, the server on a free loopback
 * port (and a unix socket in that folder), trust authentication for the `moat` role, stopped by its PID.
 * postgres refuses to run as root, so as root the cluster belongs to the `postgres` system user (Debian's
 * package creates it) and the server is spawned with that uid; otherwise it runs as the current user.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';

export interface PgServer {
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  /** Fast shutdown (SIGINT) of the server by PID; resolves when it has exited. */
  stop(): Promise<void>;
  /** stop() then start again on the same data folder and port. */
  restart(): Promise<void>;
  /** stop() and remove the folder. */
  destroy(): Promise<void>;
}

/** The newest installed server's bin folder (Debian: /usr/lib/postgresql/N/bin), or null. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], 'bin') : null;
}

/** Why a real server cannot be started here, or null when it can. */
export function postgresUnavailable(): string | null {
  if (!postgresBinDir())
    return 'PostgreSQL server binaries not installed (scripts/setup.sh installs the Debian postgresql package)';
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0)
    return 'running as root but there is no postgres system user to own the cluster';
  return null;
}

function owner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid, gid };
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}: ${log()}`);
    const c = new pg.Client({ connectionString: url });
    try {
      await c.connect();
      await c.query('SELECT 1');
      await c.end();
      return;
    } catch (e) {
      await c.end().catch(() => {});
      if (Date.now() > deadline)
        throw new Error(`postgres did not accept connections: ${String(e)} ${log()}`, { cause: e });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export async function startPostgres(): Promise<PgServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(postgresUnavailable() ?? 'no PostgreSQL');
  const dir = mkdtempSync(join(tmpdir(), 'moat-pg-'));
  const dataDir = join(dir, 'data');
  const ids = owner();
  if (ids) chownSync(dir, ids.uid, ids.gid);
  const init = spawnSync(
    join(bin, 'initdb'),
    ['-D', dataDir, '-U', 'moat', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C'],
    { encoding: 'utf8', cwd: dir, ...(ids ?? {}) },
  );
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status}): ${init.stderr}`);
  }
  const port = await freePort();
  const url = `postgres://moat@127.0.0.1:${port}/postgres`;
  let child: ChildProcess;
  let output = '';
  const start = async (): Promise<void> => {
    output = '';
    child = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'full_page_writes=off',
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], ...(ids ?? {}) },
    );
    const keep = (d: Buffer): void => {
      output = (output + d.toString()).slice(-4000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    await waitReady(url, child, () => output);
    server.pid = child.pid!;
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    process.kill(child.pid!, 'SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
    const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };
  const server: PgServer = {
    url,
    port,
    pid: 0,
    dataDir,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await start();
  } catch (e) {
    await stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return server;
}
