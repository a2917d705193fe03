/** Analyses a capture and returns its EVE events in memory — for tests, corpus comparisons and the API. */
import type { EveEvent } from '../output/index.js';
import { runAnalysis, type AnalysisOptions } from './run.js';
import type { AnalysisStats } from './stats.js';

export async function analyzeToEvents(
  file: string,
  opts: Omit<AnalysisOptions, 'onEvent' | 'onLine'> = {},
): Promise<{ events: EveEvent[]; stats: AnalysisStats }> {
  const events: EveEvent[] = [];
  const stats = await runAnalysis({ file }, { ...opts, onEvent: (ev) => events.push(ev) });
  return { events, stats };
}
