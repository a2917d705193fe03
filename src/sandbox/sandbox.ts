/**
 * The sandbox: every captured sample gets static analysis; Linux x86-64 ELF files and
 * shell scripts additionally run in the isolated environment. The result is a behaviour report with
 * labels, written as JSON next to the sample and as an EVE `sandbox` event.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeStatic, type StaticReport } from './static.js';
import { runDynamic, sandboxAvailable, type DynamicOptions, type DynamicReport } from './dynamic.js';
import { labelSample, type Labelled } from './labels.js';
import type { SampleRule } from './rules.js';
import { formatEveTimestamp } from '../output/index.js';

export interface BehaviourReport {
  sha256: string;
  analysedAt: string;
  source?: string;
  static: StaticReport;
  dynamic?: DynamicReport;
  dynamicSkipped?: string;
  labels: Labelled['labels'];
  reasons: Labelled['reasons'];
}

export interface SandboxOptions extends DynamicOptions {
  /** Run samples dynamically (default true when the host supports it). */
  dynamic?: boolean;
  rules?: SampleRule[];
  reportDir?: string;
  onEvent?: (event: Record<string, unknown>) => void;
}

/** What may run: x86-64 little-endian ELF executables and shell scripts, nothing else. */
export function runnerFor(st: StaticReport): 'elf' | 'shell' | null {
  if (
    st.elf &&
    st.elf.machine === 'x86-64' &&
    st.elf.endian === 'little' &&
    (st.elf.type === 'executable' || st.elf.type === 'shared-object')
  )
    return 'elf';
  if (st.script?.language === 'shell') return 'shell';
  return null;
}

export async function analyzeSample(
  data: Buffer,
  opts: SandboxOptions = {},
  source?: string,
): Promise<BehaviourReport> {
  const st = analyzeStatic(data, opts.rules);
  let dyn: DynamicReport | undefined;
  let skipped: string | undefined;
  const runner = runnerFor(st);
  if (opts.dynamic === false) skipped = 'disabled';
  else if (!runner) skipped = `not runnable here (${st.fileType})`;
  else {
    const why = sandboxAvailable();
    if (why) skipped = why;
    else dyn = await runDynamic(data, runner, opts);
  }
  const l = labelSample(st, dyn);
  const report: BehaviourReport = {
    sha256: st.sha256,
    analysedAt: new Date().toISOString(),
    source,
    static: st,
    dynamic: dyn,
    dynamicSkipped: skipped,
    labels: l.labels,
    reasons: l.reasons,
  };
  if (opts.reportDir) {
    mkdirSync(opts.reportDir, { recursive: true });
    writeFileSync(join(opts.reportDir, `${st.sha256}.report.json`), JSON.stringify(report, null, 1) + '\n');
  }
  opts.onEvent?.(sandboxEvent(report));
  return report;
}

export function sandboxEvent(r: BehaviourReport): Record<string, unknown> {
  const t = r.dynamic?.trace;
  return {
    // EVE's timestamp format (Suricata's), as every EVE event moat writes; the report keeps ISO time.
    timestamp: formatEveTimestamp(Date.parse(r.analysedAt) * 1000),
    event_type: 'sandbox',
    sandbox: {
      sha256: r.sha256,
      size: r.static.size,
      file_type: r.static.fileType,
      source: r.source,
      labels: r.labels,
      dynamic: r.dynamic
        ? {
            exit_code: r.dynamic.exitCode,
            timed_out: r.dynamic.timedOut,
            processes: t?.processes.length,
            files_written: t?.filesWritten.length,
            network_attempts: t?.network.length,
            dns: r.dynamic.sink
              .filter((s) => s.kind === 'dns')
              .map((s) => s.name)
              .slice(0, 20),
            pcap_packets: r.dynamic.pcapPackets,
          }
        : { skipped: r.dynamicSkipped },
      indicators: r.static.indicators,
      rules: r.static.rules.map((x) => x.rule),
    },
  };
}
