/**
 * what the sandbox saw a malicious sample do becomes saved malicious traffic — every session of the run's
 * capture goes into the model registry's incidents, which each candidate model must detect before it deploys.
 * Incidents stay on the appliance (they are not a training set that leaves it), so they are not pseudonymised.
 */
import { existsSync } from 'node:fs';
import type { MessageBus, MoatTopics, Subscription } from '../framework/index.js';
import { sessionsOfCapture } from './sessions.js';
import { HONEYPOT_INTRUSION, isMaliciousLabel, primaryLabel, type SandboxRunInput } from './label.js';

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

/** What the consumer needs of a `honeypot-session` message (framework/topics.ts). */
export interface HoneypotSessionInput {
  phase: 'started' | 'ended';
  session: {
    id: string;
    peerIp: string;
    peerPort: number;
    localPort: number;
    capture?: { file: string; complete: boolean };
  };
  labels?: string[];
}

/**
 * A-90 live: an ended honeypot session's own capture → its sessions into the registry's incidents. Only the
 * connection of the instance (peer address, peer port, local port) is taken from the file; the bytes are those
 * `dataset build` records for the same session, so either path adds it once (the table is keyed by their hash), as
 * sandbox runs are. Returns how many were new.
 */
export async function recordHoneypotIncidents(
  sink: IncidentSink,
  m: HoneypotSessionInput,
  width = 784,
): Promise<number> {
  const s = m.session;
  const labels = m.labels ?? [HONEYPOT_INTRUSION];
  if (m.phase !== 'ended' || !s.capture || !existsSync(s.capture.file) || !labels.some(isMaliciousLabel))
    return 0;
  const source = `honeypot:${s.id} ${primaryLabel(labels.filter(isMaliciousLabel))}`;
  let added = 0;
  for (const c of await sessionsOfCapture(s.capture.file, width))
    if (
      ((c.src === s.peerIp && c.sp === s.peerPort && c.dp === s.localPort) ||
        (c.dst === s.peerIp && c.dp === s.peerPort && c.sp === s.localPort)) &&
      sink.addIncident(c.bytes, INCIDENT_LABEL, source)
    )
      added++;
  return added;
}

/**
 * Subscribes the registry's incident path to `honeypot-session` (group `ml-incidents`): every ended session
 * with a capture is recorded as it comes, without a dataset build. `sink` is opened on the first message that
 * needs it (the registry loads TensorFlow.js).
 */
export function subscribeHoneypotIncidents(
  bus: Pick<MessageBus<MoatTopics>, 'subscribe'>,
  sink: () => Promise<IncidentSink>,
  onAdded?: (added: number, m: HoneypotSessionInput) => void,
): Promise<Subscription> {
  return bus.subscribe('honeypot-session', 'ml-incidents', async (m) => {
    if (m.phase !== 'ended' || !m.session.capture) return;
    const added = await recordHoneypotIncidents(await sink(), m);
    onAdded?.(added, m);
  });
}
