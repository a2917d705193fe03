/** Alerts by e-mail to the security administrators (T-5) through any SMTP server, with nodemailer. */
import nodemailer from 'nodemailer';
import type { EveEvent } from '../eve/header.js';
import { alertSummary, type AlertChannel } from './channel.js';

export interface SmtpOptions {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
  from: string;
  to: string[];
}

export class SmtpChannel implements AlertChannel {
  readonly kind = 'smtp';
  private readonly transport;

  constructor(private readonly o: SmtpOptions) {
    this.transport = nodemailer.createTransport({
      host: o.host,
      port: o.port,
      secure: o.secure,
      auth: o.user ? { user: o.user, pass: o.password ?? '' } : undefined,
      // Local relays often have self-made certificates; STARTTLS is still used when offered.
      tls: { rejectUnauthorized: false },
    });
  }

  async deliver(alert: EveEvent): Promise<void> {
    await this.transport.sendMail({
      from: this.o.from,
      to: this.o.to,
      subject: `[moat] ${alertSummary(alert)}`,
      text: `${alertSummary(alert)}\n\n${JSON.stringify(alert, null, 2)}\n`,
    });
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
