/**
 * `moat synth --out FILE.pcap`: writes a realistic, deterministic Ethernet capture (TLS 1.2/1.3 with
 * certificates it issues, HTTP, DNS, a SYN scan, a telnet brute force) for demos and tests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import type { RegisterCommand } from './index.js';
import { UsageError } from '../errors.js';
import { DEFAULT_FLOWS, SCENARIOS, type ScenarioName } from '../../synth/index.js';
import type { SynthResult } from '../../synth/index.js';

interface SynthFlags {
  out: string;
  seed: string;
  scenario: string;
  flows: string;
  manifest?: string;
  json?: boolean;
}

function wholeNumber(name: string, text: string, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n > max) {
    throw new UsageError(`--${name} must be a whole number 0..${max}, got '${text}'`);
  }
  return n;
}

function scenarios(text: string): ScenarioName[] {
  const names = text.split(',').map((s) => s.trim().toLowerCase());
  if (names.includes('all')) return [...SCENARIOS];
  for (const n of names) {
    if (!(SCENARIOS as readonly string[]).includes(n)) {
      throw new UsageError(`--scenario: unknown scenario '${n}' (known: all, ${SCENARIOS.join(', ')})`);
    }
  }
  return names as ScenarioName[];
}

function summary(r: SynthResult, bytes: number): Record<string, unknown> {
  const byScenario: Record<string, number> = {};
  const tls: Record<string, number> = {};
  for (const f of r.flows) {
    byScenario[f.scenario] = (byScenario[f.scenario] ?? 0) + 1;
    if (f.scenario === 'tls') tls[String(f.facts.version)] = (tls[String(f.facts.version)] ?? 0) + 1;
  }
  return {
    packets: r.frames.length,
    bytes,
    flows: r.flows.length,
    flowsByScenario: byScenario,
    tlsSessions: tls,
  };
}

export const registerSynth: RegisterCommand = (program: Command) => {
  program
    .command('synth')
    .description(
      'write a realistic, deterministic Ethernet pcap: TLS 1.2/1.3 with issued certificates, HTTP, DNS, a SYN scan, a telnet brute force',
    )
    .requiredOption('-o, --out <file>', 'pcap file to write')
    .option('--seed <n>', 'seed: the same seed writes the same bytes', '1')
    .option('--scenario <names>', `what to generate, comma-separated: all, ${SCENARIOS.join(', ')}`, 'all')
    .option('--flows <n>', 'background flows per scenario on top of its fixed cases', String(DEFAULT_FLOWS))
    .option('--manifest <file>', 'also write the generated flows and their expected facts as JSON')
    .option('--json', 'print the summary as JSON on stdout')
    .action(async (flags: SynthFlags) => {
      const seed = wholeNumber('seed', flags.seed, 0xffffffff);
      const flows = wholeNumber('flows', flags.flows, 10000);
      // The generator (PKI, TLS stacks) loads only when this command runs: other commands start faster.
      const { encodePcap, synthesize } = await import('../../synth/index.js');
      const result = await synthesize({ seed, flows, scenarios: scenarios(flags.scenario) });
      const pcap = encodePcap(result.frames);
      try {
        mkdirSync(dirname(flags.out), { recursive: true });
        writeFileSync(flags.out, pcap);
        if (flags.manifest) {
          mkdirSync(dirname(flags.manifest), { recursive: true });
          writeFileSync(flags.manifest, JSON.stringify({ seed, flows: result.flows }, null, 2) + '\n');
        }
      } catch (err) {
        throw new UsageError(`synth: cannot write ${flags.out}: ${(err as Error).message}`);
      }
      const s = summary(result, pcap.length);
      if (flags.json) {
        process.stdout.write(JSON.stringify({ out: flags.out, seed, ...s }) + '\n');
        return;
      }
      const lines = [
        `wrote ${flags.out}: ${s.packets} packets, ${s.bytes} bytes, ${s.flows} flows (seed ${seed})`,
        ...Object.entries(s.flowsByScenario as Record<string, number>).map(
          ([k, v]) => `  ${k.padEnd(11)} ${v} flows`,
        ),
        ...Object.entries(s.tlsSessions as Record<string, number>).map(
          ([k, v]) => `  ${k.padEnd(11)} ${v} sessions`,
        ),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
};
