/**
 * `moat rules lint`: loads rule files as `analyze --rules` does and reports every refusal (file:line, sid, the
 * keyword and why), the rules left out by `requires:`, the refusals counted per keyword, and the closing line
 * `loaded N of M rules`.
 */
import { formatRuleError, loadRuleFile, type RuleLoadError } from '../../detect/index.js';
import { RuleMatcher } from '../../detect/index.js';
import type { Rule } from '../../detect/index.js';

export interface LintResult {
  report: string;
  /** Set with `stats`: parse and compile time and heap growth. */
  stats?: string;
  loaded: number;
  refused: number;
  total: number;
}

/** What a refusal is counted under: its keyword, or what the header got wrong. */
function cause(e: RuleLoadError): string {
  if (e.keyword) return e.keyword;
  const proto = /^unsupported protocol '([^']+)'/.exec(e.message.replace(/^sid \d+: /, ''));
  return proto ? `protocol ${proto[1]}` : 'syntax';
}

export function lintRuleFiles(
  files: readonly string[],
  opts: { disabled?: boolean; stats?: boolean } = {},
): LintResult {
  const lines: string[] = [];
  const byCause = new Map<string, number>();
  const rules: Rule[] = [];
  let refused = 0;
  let total = 0;
  let skipped = 0;
  const heap0 = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const f of files) {
    const load = loadRuleFile(f, undefined, { disabled: opts.disabled });
    rules.push(...load.rules);
    total += load.total;
    for (const e of load.errors) {
      lines.push(formatRuleError(e));
      byCause.set(cause(e), (byCause.get(cause(e)) ?? 0) + 1);
      refused++;
    }
    for (const s of load.skipped) {
      lines.push(`${s.file}:${s.line}: sid ${s.sid}: left out (requires: ${s.why})`);
      skipped++;
    }
  }
  const parseMs = performance.now() - t0;
  const cpu1 = process.cpuUsage();
  if (byCause.size > 0) {
    const list = [...byCause].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    lines.push(`refused by keyword: ${list.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  }
  if (skipped > 0) lines.push(`${skipped} left out by requires:`);
  lines.push(`loaded ${rules.length} of ${total} rules`);
  let stats: string | undefined;
  if (opts.stats) {
    const t1 = performance.now();
    const engine = new RuleMatcher(rules);
    const compileMs = performance.now() - t1;
    const cpu2 = process.cpuUsage();
    const mem = process.memoryUsage();
    const mb = (n: number): string => (n / 2 ** 20).toFixed(0);
    // CPU time (all threads: GC helpers too) says more than wall time on a loaded machine.
    const cpuMs = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): string =>
      ((b.user + b.system - a.user - a.system) / 1000).toFixed(0);
    stats = `parsed in ${parseMs.toFixed(0)} ms, compiled ${engine.ruleCount} rules in ${compileMs.toFixed(0)} ms, heap +${mb(mem.heapUsed - heap0)} MB, RSS ${mb(mem.rss)} MB, CPU parse ${cpuMs(cpu0, cpu1)} ms + compile ${cpuMs(cpu1, cpu2)} ms\n`;
  }
  return { report: lines.map((l) => `${l}\n`).join(''), stats, loaded: rules.length, refused, total };
}
