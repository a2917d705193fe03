/**
 * Alerts by e-mail to the security administrators (T-5) through any SMTP server, with nodemailer — loaded with
 * the first mail, so the commands that reach the alert channels through output's index (every `analyze`) do not
 * pay for ~60 modules they rarely use.
 */
import type { Transporter } from 'nodemailer';
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
  private transport?: Promise<Transporter>;

  constructor(private readonly o: SmtpOptions) {}

  private connect(): Promise<Transporter> {
    const o = this.o;
    this.transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport({
        host: o.host,
        port: o.port,
        secure: o.secure,
        auth: o.user ? { user: o.user, pass: o.password ?? '' } : undefined,
        // Local relays often have self-made certificates; STARTTLS is still used when offered.
        tls: { rejectUnauthorized: false },
      }),
    );
    return this.transport;
  }

  async deliver(alert: EveEvent): Promise<void> {
    await (
      await this.connect()
    ).sendMail({
      from: this.o.from,
      to: this.o.to,
      subject: `[moat] ${alertSummary(alert)}`,
      text: `${alertSummary(alert)}\n\n${JSON.stringify(alert, null, 2)}\n`,
    });
  }

  async close(): Promise<void> {
    if (this.transport) (await this.transport).close();
  }
}
