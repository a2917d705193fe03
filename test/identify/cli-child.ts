/**
 * Runs moat's intel/identify commands in a child process (the registrars alone, so other components'
 * state cannot interfere) — the test runner reports over this process's stdout, which a test must not
 * borrow.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const SCRIPT = `
import { Command } from 'commander';
const { registerIdentify } = await import(${JSON.stringify(pathToFileURL(join(process.cwd(), 'dist', 'src', 'identify', 'cli.js')).href)});
const { registerIntel } = await import(${JSON.stringify(pathToFileURL(join(process.cwd(), 'dist', 'src', 'intel', 'cli.js')).href)});
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
