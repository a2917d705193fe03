/**
 * `moat <command>`: every command lives in its own file under `cli/commands/` and is listed in its table
 * with one line; only the command being run is loaded. Exit codes: 0 ok, 1 findings (when asked with --fail-on-alert), 2 usage or input errors.
 */
import { Command, CommanderError } from 'commander';
import { commandsFor } from './commands/index.js';
import { UsageError } from './errors.js';

export async function runCli(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('moat')
    .description(
      'moat — network security engine: capture, flows, TLS, EVE JSON, scoring, identification, honeypot',
    )
    .version('0.1.0')
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
    if (err instanceof UsageError) {
      process.stderr.write(`moat: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`moat: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 2;
  }
}
