/**
 * suricata-verify's checks on the output directory rather than on eve.json events: `shell` (a bash command whose
 * stdout is compared with `expect`, or whose exit status is the verdict) and `file-compare` (a file the run wrote
 * against one in the test). The runner writes moat's EVE to `eve.json` and the dataset files rules save there; a
 * check that reads a file only Suricata writes is named by that file and left out.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Files and streams only Suricata produces, each with what it is. A check that reads one cannot be run against
 * moat: it is left out and the test names it.
 */
const SURICATA_ONLY: Array<[RegExp, string]> = [
  [/\bsuricata\.log\b/, "suricata.log (Suricata's log text)"],
  [/\bsuricata\.json\b/, "suricata.json (Suricata's log messages as JSON)"],
  [/\bstats\.log\b/, "stats.log (Suricata's counters)"],
  [/(^|[\s'"<])(stdout|stderr)\b/, "Suricata's console messages (stdout/stderr)"],
  [
    /\brules\.json\b|\brules_analysis\.txt\b/,
    "Suricata's engine analysis output (rules.json, rules_analysis.txt)",
  ],
  [/\bfilestore\b/, 'the file-store directory (moat does not extract files)'],
  [/\.pem\b|\.meta\b/, 'tls-store certificate files (moat does not store certificates)'],
  [/\blog\.pcap\b|\bpcap-stats\.log\b/, 'pcap-log files (moat does not write captures)'],
  [/\bfirewall\.json\b/, "Suricata's firewall analysis (firewall.json)"],
  [/\$\{?TEST_DIR\}?\/[\w.-]+\.pcap/, "the capture file's fate (pcap-file delete-when-done)"],
];

/** The Suricata-only output a check reads (`shell` command text or a filter's/compare's filename), if any. */
export function suricataOnlyOutput(text: string): string | undefined {
  for (const [re, what] of SURICATA_ONLY) if (re.test(text)) return what;
  return undefined;
}

export interface ShellCheck {
  args: string;
  expect?: unknown;
}

export interface ShellEnv {
  /** The test directory (suricata-verify's TEST_DIR). */
  testDir: string;
  /** Where the run wrote its output; the command's working directory. */
  outputDir: string;
}

/** Bounds a check: suricata-verify's commands are greps and counts, seconds at most. */
const SHELL_TIMEOUT_MS = 30_000;
const SHELL_MAX_OUTPUT = 1 << 20;

/**
 * Runs one `shell` check as suricata-verify does: `bash -c` in the output directory with TEST_DIR, OUTPUT_DIR and
 * SRCDIR set. With `expect`, the trimmed stdout must equal it; without, the exit status must be 0.
 * undefined when the check holds, else what differed.
 */
export function runShellCheck(check: ShellCheck, env: ShellEnv): string | undefined {
  const testDir = resolve(env.testDir);
  const r = spawnSync('bash', ['-c', check.args], {
    cwd: env.outputDir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LANG: 'C',
      TEST_DIR: testDir,
      OUTPUT_DIR: resolve(env.outputDir),
      // There is no Suricata source tree: SRCDIR points at the test so `${SRCDIR}` paths name nothing real.
      SRCDIR: testDir,
    },
    encoding: 'utf8',
    timeout: SHELL_TIMEOUT_MS,
    maxBuffer: SHELL_MAX_OUTPUT,
  });
  const cmd = check.args.trim().split('\n')[0];
  if (r.error) return `shell check \`${cmd}\`: ${r.error.message}`;
  if (check.expect === undefined || check.expect === null)
    return r.status === 0 ? undefined : `shell check \`${cmd}\` exited ${String(r.status ?? r.signal)}`;
  const got = r.stdout.trim();
  const want = String(check.expect).trim();
  return got === want
    ? undefined
    : `shell check \`${cmd}\`: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`;
}

export interface FileCompareCheck {
  filename: string;
  expected: string;
}

/** A `file-compare` check: the file the run wrote must equal, byte for byte, the expected one in the test. */
export function runFileCompare(check: FileCompareCheck, env: ShellEnv): string | undefined {
  const got = join(env.outputDir, check.filename);
  const want = resolve(env.testDir, check.expected);
  if (!existsSync(want)) return `file-compare: ${check.expected} is not in the test`;
  if (!existsSync(got)) return `file-compare: the run wrote no ${check.filename}`;
  const a = readFileSync(got);
  const b = readFileSync(want);
  if (a.equals(b)) return undefined;
  const la = a.toString('latin1').split('\n');
  const lb = b.toString('latin1').split('\n');
  const at = lb.findIndex((l, i) => l !== la[i]);
  return `file-compare ${check.filename}: differs from ${check.expected} at line ${at < 0 ? la.length : at + 1}`;
}
