/**
 * `--rules FILE` for analyze: loads the rule files once, names every refused rule on stderr (file:line, sid,
 * keyword) and compiles one engine for the whole run.
 */
import { existsSync } from 'node:fs';
import { DetectEngine } from '../../detect/engine.js';
import { RuleInspector } from '../../detect/inspector.js';
import { formatRuleError, loadRuleFile } from '../../detect/ruleset.js';
import type { Rule } from '../../detect/rule.js';
import { UsageError } from '../errors.js';

/** Refusals printed one per line up to this many; the rest are counted. */
const MAX_LISTED = 20;

export function loadRuleInspector(files: readonly string[], iface?: string): RuleInspector {
  const rules: Rule[] = [];
  let refused = 0;
  for (const f of files) {
    if (!existsSync(f)) throw new UsageError(`--rules: no such file: ${f}`);
    const load = loadRuleFile(f);
    rules.push(...load.rules);
    for (const e of load.errors) {
      if (refused < MAX_LISTED) process.stderr.write(`moat: rule refused: ${formatRuleError(e)}\n`);
      refused++;
    }
  }
  if (refused > MAX_LISTED) process.stderr.write(`moat: … and ${refused - MAX_LISTED} more refused rules\n`);
  if (rules.length === 0) throw new UsageError(`--rules: no usable rule in ${files.join(', ')}`);
  const t0 = performance.now();
  const engine = new DetectEngine(rules);
  const ms = performance.now() - t0;
  process.stderr.write(
    `moat: ${rules.length} rules loaded${refused > 0 ? `, ${refused} refused` : ''}, compiled in ${ms.toFixed(0)} ms\n`,
  );
  return new RuleInspector(engine, iface);
}
