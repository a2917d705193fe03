/**
 * Open management ports: a TCP connect to each port devices are taken over through. A port that accepts is
 * open; a refusal or silence is closed (a filtered port costs `timeoutMs`, all ports are tried at once).
 */
import { connect } from 'node:net';

export interface ManagementPort {
  port: number;
  service: string;
  severity: 'high' | 'medium' | 'low';
  why: string;
}

/** TCP ports (UPnP's SSDP on udp/1900 is probed by the UPnP check). */
export const MANAGEMENT_PORTS: readonly ManagementPort[] = [
  { port: 23, service: 'telnet', severity: 'high', why: 'clear-text login, Mirai’s first target' },
  { port: 2323, service: 'telnet', severity: 'high', why: 'alternate Telnet, scanned by Mirai' },
  { port: 22, service: 'ssh', severity: 'medium', why: 'remote shell; brute-forced with default passwords' },
  { port: 80, service: 'http admin', severity: 'medium', why: 'web administration in clear text' },
  { port: 8080, service: 'http admin', severity: 'medium', why: 'web administration in clear text' },
  {
    port: 7547,
    service: 'tr-069',
    severity: 'high',
    why: 'CWMP remote management (exploited by Mirai variants in 2016)',
  },
  { port: 5000, service: 'upnp', severity: 'medium', why: 'UPnP description/control endpoint' },
  { port: 49152, service: 'upnp', severity: 'medium', why: 'UPnP description/control endpoint' },
];

/** TLS ports checked for outdated protocol versions when open. */
export const TLS_PORTS = [443, 8443, 8883, 5684] as const;

export function tcpOpen(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (open: boolean) => {
      clearTimeout(t);
      s.destroy();
      resolve(open);
    };
    const t = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}
