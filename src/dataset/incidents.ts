/**
 * what the sandbox saw a malicious sample do becomes saved malicious traffic — every session of the run's
 * capture goes into the model registry's incidents, which each candidate model must detect before it deploys.
 * Incidents stay on the appliance (they are not a training set that leaves it), so they are not pseudonymised.
 */
import { sessionsOfCapture } from './sessions.js';
import { isMaliciousLabel, primaryLabel, type SandboxRunInput } from './label.js';

/** Where incidents go: MlRegistry.addIncident (ml/registry.ts). */
export interface IncidentSink {
  addIncident(payload: Uint8Array, label: number, source: string): boolean;
}

/** Live incidents carry no class id of any model's (the deployment test asks only "malicious or not"). */
export const INCIDENT_LABEL = 255;

/** Adds the sessions of a malicious sandbox run's capture; returns how many were new. */
export async function recordSandboxIncidents(
  sink: IncidentSink,
  run: SandboxRunInput,
  width = 784,
): Promise<number> {
  if (!run.pcap || !run.labels.some(isMaliciousLabel)) return 0;
  let added = 0;
  const source = `sandbox:${run.sha256} ${primaryLabel(run.labels)}`;
  for (const s of await sessionsOfCapture(run.pcap, width))
    if (sink.addIncident(s.bytes, INCIDENT_LABEL, source)) added++;
  return added;
}
