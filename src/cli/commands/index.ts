/**
 * The command table. Each entry adds one sub-command to the program; `setExit` raises the process
 * exit code (findings → 1). Adding a command is one new file and one line here.
 */
import type { Command } from 'commander';
import { registerAnalyze } from './analyze.js';
import { registerSynth } from './synth.js';
import { registerPolicy } from './policy.js';
import { registerTlsmon } from './tlsmon.js';
import { registerRules } from './rules.js';
import { registerIntel } from '../../intel/cli.js';
import { registerIdentify } from '../../identify/cli.js';
import { registerHoneypot } from '../../honeypot/cli.js';
import { registerIotGateway } from '../../honeypot/gateway-cli.js';

export type RegisterCommand = (program: Command, setExit: (code: number) => void) => void;

export const commands: RegisterCommand[] = [
  registerAnalyze,
  registerSynth,
  registerPolicy,
  registerTlsmon,
  registerRules,
  registerIntel,
  registerIdentify,
  registerHoneypot,
  registerIotGateway,
];
