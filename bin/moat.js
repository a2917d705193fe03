#!/usr/bin/env node
// Entry point for `npx moat`: the CLI lives in the compiled dist/ tree (npm run build).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
// The bundle (scripts/bundle.mjs) starts faster; the plain compiled tree works too.
const bundled = join(root, 'dist', 'bundle', 'main.js');
const main = existsSync(bundled) ? bundled : join(root, 'dist', 'src', 'cli', 'main.js');
if (!existsSync(main)) {
  console.error('moat: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
const { runCli } = await import(main);
process.exitCode = await runCli(process.argv);
