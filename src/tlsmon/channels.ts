/** Builds the alert channels a policy file defines (webhook, SMTP, syslog) behind one dispatcher. */
import type { PolicyFile } from './policy/schema.js';
import { AlertDispatcher } from '../output/index.js';
import type { AlertChannel } from '../output/index.js';
import { WebhookChannel } from '../output/index.js';
import { SmtpChannel } from '../output/index.js';
import { SyslogChannel } from '../output/index.js';

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
