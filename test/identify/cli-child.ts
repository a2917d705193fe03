/**
 * Runs moat's intel/identify commands in a child process (the registrars alone, so other components'
 * state cannot interfere) — the test runner reports over this process's stdout, which a test must not
 * borrow.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const SCRIPT = `
import { Command } from 'commander';
const { registerIdentify } = await import(${JSON.stringify(pathToFileURL(join(process.cwd(), 'dist', 'src', 'cli', 'commands', 'identify', 'index.js')).href)});
const { registerIntel } = await import(${JSON.stringify(pathToFileURL(join(process.cwd(), 'dist', 'src', 'cli', 'commands', 'intel.js')).href)});
const program = new Command().exitOverride();
let code = 0;
const setExit = (c) => { code = Math.max(code, c); };
registerIdentify(program, setExit);
registerIntel(program, setExit);
try {
  await program.parseAsync(JSON.parse(process.env.MOAT_ARGS), { from: 'user' });
} catch (e) {
  process.stderr.write('moat: ' + (e && e.message) + '\\n');
  code = 2;
}
process.exitCode = code;
`;

export function runMoat(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    cwd: process.cwd(),
    env: { ...process.env, MOAT_ARGS: JSON.stringify(args) },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

export function startMoat(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    cwd: process.cwd(),
    env: { ...process.env, MOAT_ARGS: JSON.stringify(args) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * `moat identify serve --db DB` on a free port without auth, reloading models every 100 ms; resolves with the
 * child and its base URL once it says it listens.
 */
export async function startServe(
  db: string,
  extra: string[] = [],
): Promise<{ child: ChildProcess; base: string; out: () => string }> {
  const child = startMoat([
    'identify',
    'serve',
    '--db',
    db,
    '--port',
    '0',
    '--no-auth',
    '--reload-ms',
    '100',
    ...extra,
  ]);
  let text = '';
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /listening on (https?:\/\/\S+),/.exec(text);
      if (m) resolve(m[1]);
    });
    child.once('exit', (c) => reject(new Error(`serve exited with ${c} before listening`)));
  });
  return { child, base, out: () => text };
}

/** Copies the USTC conversation tables under `to`, each cut to its header and `rows` rows (quick tests). */
export function sliceUstc(from: string, to: string, rows: number): void {
  for (const cls of ['Benign', 'Malware']) {
    mkdirSync(join(to, cls), { recursive: true });
    for (const f of readdirSync(join(from, cls)))
      writeFileSync(
        join(to, cls, f),
        readFileSync(join(from, cls, f), 'utf8')
          .split('\n')
          .slice(0, rows + 1)
          .join('\n'),
      );
  }
}
