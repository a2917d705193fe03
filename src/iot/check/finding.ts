/** What the initial security check reports, per device. */

export type CheckName = 'default-credentials' | 'management-port' | 'outdated-tls' | 'upnp-igd';

export interface Finding {
  check: CheckName;
  severity: 'high' | 'medium' | 'low';
  /** tcp/23, udp/1900 … */
  service: string;
  title: string;
  detail: string;
}

export interface DeviceReport {
  deviceId: string;
  address: string;
  zone: string;
  /** clean: every check ran and found nothing; incomplete: the time budget ran out or a check failed. */
  status: 'clean' | 'findings' | 'incomplete';
  findings: Finding[];
  openPorts: string[];
  /** What could not be finished, and why. */
  notes: string[];
  durationMs: number;
}

export interface CheckReport {
  id: string;
  reason: 'first-deployment' | 'on-demand';
  startedAt: string;
  endedAt: string;
  devices: DeviceReport[];
}
