/**
 * The command table: each entry names one sub-command and loads the file that registers it. Only the command
 * being run is loaded (the honeypot, identification service and rule store pull in SSH, HTTP, PostgreSQL and
 * SQLite clients that `moat analyze` has no use for); `--help` and unknown names load them all.
 * `setExit` raises the process exit code (findings → 1). Adding a command is one new file and one line here.
 */
import type { Command } from 'commander';

export type RegisterCommand = (program: Command, setExit: (code: number) => void) => void;

export interface CommandEntry {
  name: string;
  load: () => Promise<RegisterCommand>;
}

export const commands: CommandEntry[] = [
  { name: 'analyze', load: async () => (await import('./analyze.js')).registerAnalyze },
  { name: 'synth', load: async () => (await import('./synth.js')).registerSynth },
  { name: 'policy', load: async () => (await import('./policy.js')).registerPolicy },
  { name: 'tlsmon', load: async () => (await import('./tlsmon.js')).registerTlsmon },
  { name: 'rules', load: async () => (await import('./rules.js')).registerRules },
  { name: 'intel', load: async () => (await import('./intel.js')).registerIntel },
  { name: 'identify', load: async () => (await import('./identify/index.js')).registerIdentify },
  { name: 'honeypot', load: async () => (await import('./honeypot.js')).registerHoneypot },
  { name: 'ml', load: async () => (await import('./ml/index.js')).registerMl },
  { name: 'dataset', load: async () => (await import('./dataset.js')).registerDataset },
  { name: 'fl', load: async () => (await import('./fl.js')).registerFl },
  { name: 'gateway', load: async () => (await import('./gateway.js')).registerGateway },
  { name: 'console', load: async () => (await import('./console.js')).registerConsole },
  { name: 'iot', load: async () => (await import('./iot.js')).registerIot },
  { name: 'devices', load: async () => (await import('./devices.js')).registerDevices },
  {
    name: 'relay',
    load: async () => (await import('./relay.js')).registerRelay,
  },
];

/** The entries to load for `argv` (node, script, command …): the named command, or all of them. */
export function commandsFor(argv: readonly string[]): CommandEntry[] {
  const name = argv[2];
  const one = commands.filter((c) => c.name === name);
  return one.length === 1 ? one : commands;
}
