/** Builds the alert channels a policy file defines (webhook, SMTP, syslog) behind one dispatcher. */
import type { PolicyFile } from './policy/schema.js';
import { AlertDispatcher } from '../output/alerts/dispatcher.js';
import type { AlertChannel } from '../output/alerts/channel.js';
import { WebhookChannel } from '../output/alerts/webhook.js';
import { SmtpChannel } from '../output/alerts/smtp.js';
import { SyslogChannel } from '../output/alerts/syslog.js';

export function channelsOf(file: PolicyFile): Map<string, AlertChannel> {
  const out = new Map<string, AlertChannel>();
  for (const [name, c] of Object.entries(file.channels)) {
    if (c.type === 'webhook') out.set(name, new WebhookChannel(c.url, c.headers, c.timeoutMs));
    else if (c.type === 'smtp') out.set(name, new SmtpChannel(c));
    else out.set(name, new SyslogChannel(c));
  }
  return out;
}

export function dispatcherOf(
  file: PolicyFile,
  opts?: { retries?: number; backoffMs?: number },
): AlertDispatcher {
  const retries = Math.max(
    0,
    ...Object.values(file.channels).map((c) => (c.type === 'webhook' ? c.retries : 2)),
  );
  return new AlertDispatcher(channelsOf(file), {
    retries: opts?.retries ?? retries,
    backoffMs: opts?.backoffMs,
  });
}
