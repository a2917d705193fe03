/**
 * A test's custom `command:` read as the Suricata command line it is: its arguments are handled as `args:` are
 * (`-r`, `-S`, `-c`, `--set`, `-T` …), with `${TEST_DIR}` made the test's directory. A command that is not one
 * Suricata invocation (a script, a pipeline) is named and not run.
 */

/** Words of a shell command line: quotes group, backslash-newline continues, `${VAR}` stays as written. */
function words(cmd: string): string[] | undefined {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | undefined;
  const s = cmd.replace(/\\\r?\n/g, ' ');
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (/\s/.test(ch)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else if (/[;&|<>`]/.test(ch)) return undefined;
    else {
      cur += ch;
      has = true;
    }
  }
  if (quote) return undefined;
  if (has) out.push(cur);
  return out;
}

export interface CommandArgs {
  /** The arguments after the program, `${TEST_DIR}` replaced by `testDir`. */
  args?: string[];
  problem?: string;
}

/** The Suricata arguments of a custom command, or why it is not a single Suricata invocation. */
export function commandArgs(command: unknown, testDir: string): CommandArgs {
  if (typeof command !== 'string') return { problem: 'a command that is not a string' };
  const w = words(command);
  if (!w || w.length === 0) return { problem: 'a shell script (not one Suricata command line)' };
  if (!/(^|\/)suricata$/.test(w[0])) return { problem: `runs ${w[0]}, not Suricata` };
  const args = w.slice(1).map((a) => a.replace(/\$\{TEST_DIR\}|\$TEST_DIR\b/g, testDir));
  return { args };
}

/** A configuration file given with `-c`: the test's own, or Suricata's default one (`${SRCDIR}/suricata.yaml`). */
export function isSuricataDefaultConfig(file: string): boolean {
  return /^\$\{?SRCDIR\}?\//.test(file);
}
