/**
 * What moat loads before it reads a test's capture — the rules, the threshold file, dataset and IP reputation
 * files — and how that start-up is judged against suricata-verify's `exit-code` for tests that stop there: `-T`
 * (configuration test), `--engine-analysis`, and runs expected to fail at start-up (suricata-verify passes
 * --init-errors-fatal, so one bad rule stops Suricata).
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { IpReputation } from '../iprep.js';
import { parseRules } from '../ruleset.js';
import { RuleMatcher } from '../rule-matcher.js';
import type { Rule } from '../rule.js';
import { applyThresholdConfig, formatThresholdError, loadThresholdFile } from '../threshold-config.js';

export type Outcome = { test: string; result: 'pass' | 'fail' | 'skip'; reason?: string };

/** IP reputation settings (`--set` or the test's suricata.yaml). */
export interface ReputationSettings {
  categoriesFile?: string;
  files?: string[];
  path?: string;
}

export interface StartupOptions {
  thresholdFile?: string;
  reputation?: ReputationSettings;
  noTlsJa4?: boolean;
  loadOnly?: '-T' | '--engine-analysis';
  /** The test expects Suricata to stop at start-up (a non-zero exit-code). */
  expectFailure?: boolean;
}

export interface Startup {
  matcher?: RuleMatcher;
  /** The rules loaded, in file order (for the engine-analysis output). */
  rules?: Rule[];
  /** moat refuses something for want of a feature (a keyword, a protocol): not a verdict on the input. */
  refused?: string;
  /** moat refuses the input as invalid, as Suricata refuses bad input at start-up. */
  error?: string;
}

/** Refusals that say what moat lacks, not what is wrong with the rule. */
const MISSING_FEATURE =
  /unsupported|moat has no|moat's \w+ parser does not|not tracked|not supported|cannot run|not implemented/i;

/** Rule protocols moat parses but does not detect on the wire: a run with such a rule would never alert. */
const UNDETECTED_PROTOS = new Set(['ssh', 'smtp', 'ftp', 'telnet', 'mqtt']);

function yamlOf(dir: string): Record<string, unknown> | undefined {
  const p = join(dir, 'suricata.yaml');
  if (!existsSync(p)) return undefined;
  try {
    return (parseYaml(readFileSync(p, 'utf8').replace(/^%YAML.*$/m, '')) ?? undefined) as
      Record<string, unknown> | undefined;
  } catch {
    return undefined;
  }
}

/** The reputation settings: the test's suricata.yaml (when it is the configuration), `--set` over them. */
export function reputationSettings(
  dir: string,
  set: ReputationSettings | undefined,
  ownConfig: boolean,
): ReputationSettings {
  const doc = ownConfig ? yamlOf(dir) : undefined;
  const files = doc?.['reputation-files'];
  const out: ReputationSettings = {
    categoriesFile:
      typeof doc?.['reputation-categories-file'] === 'string' ? doc['reputation-categories-file'] : undefined,
    files: Array.isArray(files) ? files.map(String) : undefined,
    path: typeof doc?.['default-reputation-path'] === 'string' ? doc['default-reputation-path'] : undefined,
  };
  return { ...out, ...Object.fromEntries(Object.entries(set ?? {}).filter(([, v]) => v !== undefined)) };
}

/**
 * Loads what the test gives moat. `rulesFile` relative to the test directory (or absolute); none: detection off.
 * Vars come from the test's suricata.yaml when it is the configuration.
 */
export function loadForTest(
  dir: string,
  rulesFile: string | undefined,
  o: StartupOptions,
  vars: Map<string, string>,
  ownConfig: boolean,
): Startup {
  const rep = reputationSettings(dir, o.reputation, ownConfig);
  let iprep: IpReputation | undefined;
  if (rep.categoriesFile !== undefined) {
    const base = rep.path === undefined ? dir : resolve(dir, rep.path);
    try {
      iprep = IpReputation.fromFiles(rep.categoriesFile, rep.files ?? [], base);
    } catch (err) {
      return { error: `IP reputation: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  if (rulesFile === undefined) return {};
  const path = isAbsolute(rulesFile) ? rulesFile : resolve(dir, rulesFile);
  if (!existsSync(path)) return { refused: `rules file ${rulesFile} not in the test` };
  let text = readFileSync(path, 'utf8');
  // With JA4 fingerprints switched off, Suricata lacks the ja4 feature: `requires: feature ja4` rules are left out.
  if (o.noTlsJa4)
    text = text
      .replace(/\\\r?\n/g, ' ')
      .split('\n')
      .filter((l) => !/\brequires\s*:[^;]*\bfeature\s+ja4\b/i.test(l))
      .join('\n');
  const load = parseRules(text, path, vars);
  const errors = load.errors;
  // A refusal for a missing feature is no verdict on the rule. Refusing a rule Suricata loads is a gap in moat's
  // rule language (named, not failed); refusing one Suricata refuses too is the behaviour a failing test expects.
  const gap = errors.find((e) => !o.expectFailure || MISSING_FEATURE.test(e.message));
  if (gap) return { refused: `rule refused: ${gap.message}` };
  if (errors.length > 0) return { error: `rule refused: ${errors[0].message}` };
  const rules = load.rules;
  if (o.noTlsJa4) {
    // And it refuses a rule on the JA4 buffer.
    const ja4 = rules.find((r) => r.buffers.has('ja4.hash'));
    if (ja4)
      return { error: `rule sid ${ja4.sid}: ja4.hash with app-layer.protocols.tls.ja4-fingerprints=no` };
  }
  if (o.thresholdFile !== undefined) {
    const f = resolve(dir, o.thresholdFile);
    if (!existsSync(f)) return { refused: `threshold file ${o.thresholdFile} not in the test` };
    const cfg = loadThresholdFile(f, vars);
    // Suricata ignores a threshold file with a bad line when it runs, and fails on one when testing (-T).
    if (cfg.errors.length > 0 && o.loadOnly === '-T')
      return { error: `threshold file: ${formatThresholdError(cfg.errors[0])}` };
    if (cfg.errors.length === 0) applyThresholdConfig(rules, cfg.entries);
  }
  if (!o.loadOnly) {
    // The rule language accepts these protocols, but moat has no parser to detect them: such a rule never fires.
    const undetected = rules.find((r) => UNDETECTED_PROTOS.has(r.proto));
    if (undetected) return { refused: `rule sid ${undetected.sid} needs ${undetected.proto} detection` };
  }
  // Data files a rule loads must be there (some large ones are not shipped with the corpus).
  const missing = rules.flatMap((r) => r.datasets).find((d) => d.load && !existsSync(resolve(dir, d.load)));
  if (missing && missing.save === undefined)
    return { refused: `dataset file ${missing.load ?? ''} not in the test` };
  try {
    const matcher = new RuleMatcher(rules, {
      datasetDir: dir,
      iprep: iprep ? (ip, cat) => iprep.score(ip, cat) : undefined,
    });
    return { matcher, rules };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * The verdict on a test that stops at start-up: moat must refuse its input exactly when Suricata does (a non-zero
 * `exit-code`). When they agree, a check on Suricata's own messages is named and the test stays a skip.
 */
export function startupOutcome(
  test: string,
  s: Startup,
  expectExit: number,
  hasInput: boolean,
  leftOut: string | undefined,
): Outcome {
  if (s.refused) return { test, result: 'skip', reason: s.refused };
  const wantFail = expectExit !== 0;
  if (wantFail && !s.error) {
    // Nothing moat loads was refused: with no rules or data files, Suricata's refusal is of its configuration.
    if (!hasInput)
      return {
        test,
        result: 'skip',
        reason: `Suricata stops at start-up on its configuration; ${leftOut ?? 'no check moat can run'}`,
      };
    return {
      test,
      result: 'fail',
      reason: `Suricata stops at start-up (exit-code ${expectExit}); moat loads every rule and data file`,
    };
  }
  if (!wantFail && s.error) return { test, result: 'fail', reason: `moat refuses the input: ${s.error}` };
  const agree = wantFail ? `moat refuses the input too: ${s.error ?? ''}` : 'moat loads it too';
  if (leftOut) return { test, result: 'skip', reason: `${leftOut} (${agree})` };
  return { test, result: 'pass' };
}
