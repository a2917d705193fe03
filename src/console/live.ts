/**
 * Live updates (SSE) and notifications: an alert handed to the console is stored, pushed to every open
 * console as an `alert` event, and delivered to the configured channels (webhook, syslog) carrying the same
 * explanation the console shows (`moat_explanation`, plus the plain-text form).
 */
import type { FastifyReply } from 'fastify';
import { SyslogChannel, WebhookChannel, type AlertChannel, type EveEvent } from '../output/index.js';
import { explainAlert, explanationText, type RuleLookup } from './explain.js';
import type { ConsoleDb } from './console-db.js';

export interface ChannelSettings {
  webhooks: string[];
  syslog?: { host: string; port: number; transport: 'udp' | 'tcp' };
}

export class LiveHub {
  private readonly clients = new Set<FastifyReply>();
  delivered = 0;
  failed = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly cdb: ConsoleDb,
    private readonly rules: RuleLookup,
  ) {}

  attach(reply: FastifyReply): void {
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    reply.raw.write(': moat console\n\n');
    this.clients.add(reply);
    const ping = setInterval(() => reply.raw.write(': ping\n\n'), 15_000);
    reply.raw.on('close', () => {
      clearInterval(ping);
      this.clients.delete(reply);
    });
  }

  publish(type: string, data: unknown): void {
    const frame = `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const c of this.clients) c.raw.write(frame);
  }

  get listeners(): number {
    return this.clients.size;
  }

  /** Stores the alert, pushes it to the open consoles and to the channels; returns its id. */
  alert(ev: Record<string, unknown>): number {
    const id = this.cdb.addAlert(ev);
    const explanation = explainAlert(ev, this.rules);
    this.publish('alert', { id, explanation, alert: ev.alert, src_ip: ev.src_ip, timestamp: ev.timestamp });
    const out = {
      ...ev,
      moat_explanation: explanation,
      moat_explanation_text: explanationText(explanation),
    } as unknown as EveEvent;
    for (const ch of this.channels()) {
      const p = ch
        .deliver(out)
        .then(() => void this.delivered++)
        .catch(() => void this.failed++)
        .finally(() => this.pending.delete(p));
      this.pending.add(p);
    }
    return id;
  }

  private channels(): AlertChannel[] {
    const s = this.cdb.setting<ChannelSettings>('channels');
    if (!s) return [];
    const out: AlertChannel[] = s.webhooks.map((u) => new WebhookChannel(u));
    if (s.syslog) out.push(new SyslogChannel({ ...s.syslog, appName: 'moat-console', facility: 4 }));
    return out;
  }

  async settle(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  close(): void {
    for (const c of this.clients) c.raw.end();
    this.clients.clear();
  }
}
