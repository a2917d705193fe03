/**
 * Labels by behaviour: a session takes the sandbox's label of what it carried or caused, one class per
 * session. A sample with several labels is put in the class of its most telling behaviour; a honeypot session that
 * fetched nothing the sandbox judged malicious is a `honeypot-intrusion` (someone logged in and typed commands).
 */

/** Most telling first: a flooder that also downloads is a flooder. */
export const LABEL_PRIORITY = [
  'ddos-flooder',
  'cryptominer',
  'c2-beacon',
  'scanner',
  'downloader',
  'persistence',
  'packed',
  'benign',
];

export const HONEYPOT_INTRUSION = 'honeypot-intrusion';

export function primaryLabel(labels: readonly string[]): string {
  let best: string | undefined;
  let rank = Infinity;
  for (const l of labels) {
    const i = LABEL_PRIORITY.indexOf(l);
    const r = i < 0 ? LABEL_PRIORITY.length : i;
    if (r < rank || (r === rank && best !== undefined && l < best)) {
      best = l;
      rank = r;
    }
  }
  return best ?? 'benign';
}

/** Every behaviour class is malicious except `benign`. */
export function isMaliciousLabel(name: string): boolean {
  return name !== 'benign';
}

/** What the dataset builder needs of a honeypot instance (honeypot/instance.ts, read from the store). */
export interface HoneypotInstanceInput {
  id: string;
  service: string;
  peerIp: string;
  peerPort: number;
  localPort: number;
  start: string;
  end?: string;
  credentials: ReadonlyArray<{ user: string; password: string }>;
  samples: ReadonlyArray<{ sha256: string }>;
  /** The honeypot's own capture of this instance (honeypot/capture.ts). */
  capture?: { file: string };
}

/** What it needs of a sandbox run (sandbox/sandbox.ts BehaviourReport). */
export interface SandboxRunInput {
  sha256: string;
  labels: readonly string[];
  /** The run's capture (kept when the sandbox ran with keepDir). */
  pcap?: string;
}

/** The honeypot session's class: the worst sandbox label of what it fetched, else an intrusion. */
export function honeypotLabel(i: HoneypotInstanceInput, runs: ReadonlyMap<string, SandboxRunInput>): string {
  const labels: string[] = [];
  for (const s of i.samples) {
    const r = runs.get(s.sha256);
    if (r) labels.push(...r.labels);
  }
  const p = primaryLabel(labels.filter(isMaliciousLabel));
  return labels.some(isMaliciousLabel) ? p : HONEYPOT_INTRUSION;
}
