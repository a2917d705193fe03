import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerSynth } from '../../src/cli/commands/synth.js';
import { encodePcap, synthesize } from '../../src/synth/index.js';
import { UsageError } from '../../src/cli/errors.js';

async function run(args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerSynth(program, () => {});
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => {
    chunks.push(String(s));
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(['node', 'moat', 'synth', ...args]);
  } finally {
    process.stdout.write = write;
  }
  return chunks.join('');
}

test('moat synth writes the pcap synthesize() produces, a manifest, and a JSON summary', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-synth-cli-'));
  try {
    const out = join(dir, 'nested', 'x.pcap');
    const manifest = join(dir, 'm.json');
    const text = await run([
      '--out',
      out,
      '--seed',
      '12',
      '--scenario',
      'dns,scan',
      '--flows',
      '1',
      '--manifest',
      manifest,
      '--json',
    ]);
    const summary = JSON.parse(text) as { packets: number; flowsByScenario: Record<string, number> };
    const expected = await synthesize({ seed: 12, flows: 1, scenarios: ['dns', 'scan'] });
    assert.ok(readFileSync(out).equals(encodePcap(expected.frames)));
    assert.equal(summary.packets, expected.frames.length);
    assert.deepEqual(Object.keys(summary.flowsByScenario).sort(), ['dns', 'scan']);
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as { seed: number; flows: unknown[] };
    assert.equal(m.seed, 12);
    assert.equal(m.flows.length, expected.flows.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('moat synth refuses bad arguments with usage errors that name them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-synth-cli-'));
  try {
    const out = join(dir, 'y.pcap');
    await assert.rejects(
      () => run(['--out', out, '--scenario', 'smtp']),
      (e: Error) => e instanceof UsageError && /smtp/.test(e.message),
    );
    await assert.rejects(
      () => run(['--out', out, '--seed', 'abc']),
      (e: Error) => e instanceof UsageError && /--seed/.test(e.message),
    );
    await assert.rejects(
      () => run(['--out', out, '--flows', '-3']),
      (e: Error) => e instanceof UsageError && /--flows/.test(e.message),
    );
    assert.equal(existsSync(out), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
