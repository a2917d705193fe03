/**
 * `moat <command>`: every command lives in its own file under `cli/commands/` and is listed in its table
 * with one line; only the command being run is loaded. Exit codes: 0 ok, 1 findings (when asked with
 * --fail-on-alert), 2 usage, input, configuration or operational errors.
 *
 * Domains throw the typed errors of framework/errors.ts; this file alone turns them into what the operator
 * sees: the message without a stack trace, exit 2. Anything else is a bug and keeps its stack.
 */
import { MoatError } from '../framework/errors.js';

export const VERSION = '0.1.0';

export async function runCli(argv: string[]): Promise<number> {
  // Answered before commander and the command table load: `moat --version` costs only node's start.
  if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V')) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const { Command, CommanderError } = await import('commander');
  const { commandsFor } = await import('./commands/index.js');
  const program = new Command();
  program
    .name('moat')
    .description(
      'moat — network security engine: capture, flows, TLS, EVE JSON, scoring, identification, honeypot',
    )
    .version(VERSION)
    // Options after a command name belong to that command: `moat rules sign --version 1.0.0` is the
    // bundle's version, not a request for moat's own.
    .enablePositionalOptions()
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  let exitCode = 0;
  for (const entry of commandsFor(argv)) {
    const register = await entry.load();
    register(program, (code) => {
      exitCode = Math.max(exitCode, code);
    });
  }
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    return reportError(err);
  }
}

/** Prints what went wrong and returns the exit code: typed errors as their message, anything else with its stack. */
export function reportError(err: unknown): number {
  if (err instanceof MoatError) {
    process.stderr.write(`moat: ${err.message}\n`);
    return 2;
  }
  process.stderr.write(`moat: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 2;
}
