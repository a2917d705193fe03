/**
 * Alerts as RFC 5424 syslog messages over UDP or TCP (octet-counted framing, RFC 6587), the structured form
 * SIEM collectors parse: PRI, ISO timestamp, host, app, msgid "alert", and the EVE JSON as the message.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import type { EveEvent } from '../eve/header.js';
import { alertSummary, type AlertChannel } from './channel.js';

export interface SyslogOptions {
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
  facility: number;
  appName: string;
}

/** Severity "warning" (4) for severity-2 alerts, "error" (3) for severity 1. */
function severityOf(alert: EveEvent): number {
  const sev = Number((alert.alert as Record<string, unknown> | undefined)?.severity ?? 3);
  return sev <= 1 ? 3 : 4;
}

export function formatSyslog(alert: EveEvent, o: SyslogOptions, host = hostname()): string {
  const pri = o.facility * 8 + severityOf(alert);
  const msg = `${alertSummary(alert)} ${JSON.stringify(alert)}`;
  return `<${pri}>1 ${new Date().toISOString()} ${host || '-'} ${o.appName} ${process.pid} alert - \uFEFF${msg}`;
}

export class SyslogChannel implements AlertChannel {
  readonly kind = 'syslog';
  private udp?: UdpSocket;
  private tcp?: Socket;

  constructor(private readonly o: SyslogOptions) {}

  async deliver(alert: EveEvent): Promise<void> {
    const line = formatSyslog(alert, this.o);
    if (this.o.transport === 'udp') {
      this.udp ??= createSocket(this.o.host.includes(':') ? 'udp6' : 'udp4');
      const u = this.udp;
      await new Promise<void>((resolve, reject) =>
        u.send(line, this.o.port, this.o.host, (e) => (e ? reject(e) : resolve())),
      );
      return;
    }
    const sock = await this.tcpSocket();
    const frame = `${Buffer.byteLength(line)} ${line}`;
    await new Promise<void>((resolve, reject) => sock.write(frame, (e) => (e ? reject(e) : resolve())));
  }

  private tcpSocket(): Promise<Socket> {
    if (this.tcp && !this.tcp.destroyed) return Promise.resolve(this.tcp);
    return new Promise((resolve, reject) => {
      const s = connect(this.o.port, this.o.host, () => {
        s.off('error', reject);
        // A dropped connection is reopened on the next alert.
        s.on('error', () => s.destroy());
        resolve(s);
      });
      s.once('error', reject);
      this.tcp = s;
    });
  }

  async close(): Promise<void> {
    this.udp?.close();
    this.tcp?.end();
  }
}
