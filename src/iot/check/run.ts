/**
 * The initial security check (A-13): every device of the IoT zone, with the built-in policies — default
 * credentials on Telnet and HTTP basic authentication (Mirai's list), open management ports, outdated TLS, UPnP
 * IGD exposure. Devices are checked concurrently up to a limit, each within a time budget; what the budget cut short
 * is reported as incomplete, never as clean.
 */
import { randomUUID } from 'node:crypto';
import type { CheckReport, DeviceReport, Finding } from './finding.js';
import { httpBasicDefaultLogin } from './http-basic.js';
import { MIRAI_CREDENTIALS } from './mirai-credentials.js';
import { MANAGEMENT_PORTS, TLS_PORTS, tcpOpen } from './ports.js';
import { telnetDefaultLogin } from './telnet.js';
import { probeTls } from './tls.js';
import { probeUpnpIgd } from './upnp.js';

export interface CheckTarget {
  id: string;
  address: string;
  zone: string;
}

export interface CheckOptions {
  /** Devices checked at once (default 8). */
  concurrency?: number;
  /** Time budget per device (default 60 s). */
  perDeviceMs?: number;
  /** Connect timeout of one port probe (default 1.5 s). */
  connectMs?: number;
  credentials?: ReadonlyArray<readonly [string, string]>;
  reason?: CheckReport['reason'];
}

export async function checkDevice(t: CheckTarget, o: CheckOptions = {}): Promise<DeviceReport> {
  const started = Date.now();
  const deadline = started + (o.perDeviceMs ?? 60_000);
  const connectMs = o.connectMs ?? 1500;
  const credentials = o.credentials ?? MIRAI_CREDENTIALS;
  const findings: Finding[] = [];
  const notes: string[] = [];
  const openPorts: string[] = [];
  const host = t.address;

  const tcpPorts = [...new Set([...MANAGEMENT_PORTS.map((p) => p.port), ...TLS_PORTS])];
  const [open, upnp] = await Promise.all([
    Promise.all(tcpPorts.map(async (p) => ((await tcpOpen(host, p, connectMs)) ? p : 0))).then((l) =>
      l.filter((p) => p > 0),
    ),
    probeUpnpIgd(host, Math.min(2000, Math.max(1, deadline - Date.now()))),
  ]);
  for (const p of open) openPorts.push(`tcp/${p}`);
  if (upnp.answered) openPorts.push('udp/1900');

  for (const mp of MANAGEMENT_PORTS)
    if (open.includes(mp.port))
      findings.push({
        check: 'management-port',
        severity: mp.severity,
        service: `tcp/${mp.port}`,
        title: `${mp.service} open`,
        detail: mp.why,
      });
  if (upnp.answered)
    findings.push({
      check: 'management-port',
      severity: 'medium',
      service: 'udp/1900',
      title: 'upnp (SSDP) answers',
      detail: `answers M-SEARCH${upnp.server ? ` (${upnp.server})` : ''}`,
    });
  if (upnp.igd && upnp.wanService)
    findings.push({
      check: 'upnp-igd',
      severity: 'high',
      service: 'udp/1900',
      title: 'UPnP Internet Gateway Device exposed',
      detail: `${upnp.wanService} at ${upnp.location}: any LAN host can map ports from the internet without authentication`,
    });
  else if (upnp.igd)
    notes.push(
      `answers as an Internet Gateway Device; ${upnp.note ?? 'no WAN connection service in its description'}`,
    );

  const tasks: Promise<void>[] = [];
  for (const port of [23, 2323].filter((p) => open.includes(p)))
    tasks.push(
      telnetDefaultLogin({ host, port, credentials, deadline }).then((r) => {
        if (r.accepted)
          findings.push({
            check: 'default-credentials',
            severity: 'high',
            service: `tcp/${port}`,
            title: 'Telnet accepts a default password',
            detail: `${r.accepted.user}/${r.accepted.password || '(empty)'} logged in (pair ${r.tried} of Mirai’s list)`,
          });
        else if (r.incomplete)
          notes.push(
            `telnet tcp/${port}: ${r.tried} of ${credentials.length} pairs tried${r.error ? ` (${r.error})` : ' before the time budget ran out'}`,
          );
      }),
    );
  for (const port of [80, 8080].filter((p) => open.includes(p)))
    tasks.push(
      httpBasicDefaultLogin({ host, port, credentials, deadline }).then((r) => {
        if (r.accepted)
          findings.push({
            check: 'default-credentials',
            severity: 'high',
            service: `tcp/${port}`,
            title: 'HTTP basic authentication accepts a default password',
            detail: `${r.accepted.user}/${r.accepted.password || '(empty)'} answered ${r.accepted.status}`,
          });
        else if (r.incomplete)
          notes.push(
            `http tcp/${port}: ${r.tried} pairs tried${r.error ? ` (${r.error})` : ' before the time budget ran out'}`,
          );
      }),
    );
  for (const port of TLS_PORTS.filter((p) => open.includes(p)))
    tasks.push(
      probeTls(host, port, Math.min(3000, Math.max(1, deadline - Date.now()))).then((r) => {
        if (r.oldVersions.length)
          findings.push({
            check: 'outdated-tls',
            severity: 'medium',
            service: `tcp/${port}`,
            title: `accepts ${r.oldVersions.join(' and ')}`,
            detail: 'TLS 1.0 and 1.1 are deprecated (RFC 8996)',
          });
        if (r.onlyWeakCiphers)
          findings.push({
            check: 'outdated-tls',
            severity: 'medium',
            service: `tcp/${port}`,
            title: 'offers only weak cipher suites',
            detail: `no TLS 1.3 and no ECDHE+AEAD suite with TLS 1.2; negotiated ${r.weakCipher ?? '?'}`,
          });
      }),
    );
  await Promise.all(tasks);
  const order = { high: 0, medium: 1, low: 2 };
  findings.sort((a, b) => order[a.severity] - order[b.severity] || a.service.localeCompare(b.service));
  return {
    deviceId: t.id,
    address: t.address,
    zone: t.zone,
    status: notes.some((n) => /tried/.test(n)) ? 'incomplete' : findings.length ? 'findings' : 'clean',
    findings,
    openPorts,
    notes,
    durationMs: Date.now() - started,
  };
}

/** Checks every target, `concurrency` at a time; the reports come back in the targets' order. */
export async function runCheck(targets: readonly CheckTarget[], o: CheckOptions = {}): Promise<CheckReport> {
  const startedAt = new Date().toISOString();
  const out: DeviceReport[] = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      out[i] = await checkDevice(targets[i], o);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(o.concurrency ?? 8, targets.length)) }, worker),
  );
  return {
    id: randomUUID(),
    reason: o.reason ?? 'on-demand',
    startedAt,
    endedAt: new Date().toISOString(),
    devices: out,
  };
}

/** The report as a text table: one line per finding, a line for each clean device. */
export function checkTable(r: CheckReport): string {
  const rows: string[][] = [['device', 'address', 'severity', 'check', 'service', 'finding']];
  for (const d of r.devices) {
    if (d.findings.length === 0)
      rows.push([d.deviceId, d.address, '', '', '', d.status === 'clean' ? 'clean' : 'incomplete']);
    for (const f of d.findings)
      rows.push([d.deviceId, d.address, f.severity, f.check, f.service, `${f.title}: ${f.detail}`]);
    for (const n of d.notes) rows.push([d.deviceId, d.address, '', 'note', '', n]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return (
    rows
      .map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  '))
      .join('\n') + '\n'
  );
}
