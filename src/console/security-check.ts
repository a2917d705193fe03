/**
 * The initial security check is the IoT component's (src/iot): inside the gateway daemon the console asks it
 * to run one; standalone, it shows the last run the component stored (`iot_check_runs`). With neither it says
 * plainly that no check is available: it does not make a check of its own up.
 */
import type { Db } from '../store/index.js';
import type { IotControl } from './ports.js';

export interface CheckFinding {
  device: string;
  address: string;
  severity: string;
  service: string;
  title: string;
  detail: string;
}

export type CheckResult =
  | {
      available: true;
      at: string;
      devices: Array<{ device: string; address: string; status: string; openPorts: string[] }>;
      findings: CheckFinding[];
    }
  | { available: false; at: string; reason: string };

interface Report {
  endedAt?: string;
  devices?: Array<{
    deviceId: string;
    address: string;
    status: string;
    openPorts?: string[];
    findings?: Array<{ severity: string; service: string; title: string; detail: string }>;
  }>;
}

function summarise(r: Report, at: string): CheckResult {
  const devices = r.devices ?? [];
  return {
    available: true,
    at: r.endedAt ?? at,
    devices: devices.map((d) => ({
      device: d.deviceId,
      address: d.address,
      status: d.status,
      openPorts: d.openPorts ?? [],
    })),
    findings: devices.flatMap((d) =>
      (d.findings ?? []).map((f) => ({
        device: d.deviceId,
        address: d.address,
        severity: f.severity,
        service: f.service,
        title: f.title,
        detail: f.detail,
      })),
    ),
  };
}

export async function securityCheck(db: Db, iot?: IotControl): Promise<CheckResult> {
  const at = new Date().toISOString();
  if (iot) return summarise((await iot.check()) as Report, at);
  const has = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'iot_check_runs'")
    .get();
  const row = has
    ? (db.prepare('SELECT report FROM iot_check_runs ORDER BY ended_at DESC LIMIT 1').get() as
        { report: string } | undefined)
    : undefined;
  if (!row)
    return {
      available: false,
      at,
      reason:
        'no initial security check: this console runs without the IoT component, and it has recorded none in the store',
    };
  return summarise(JSON.parse(row.report) as Report, at);
}
