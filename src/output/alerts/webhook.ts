/** Alerts as JSON POSTs (a SIEM, chat-ops hook): 2xx is delivered; anything else is an error to retry. */
import type { EveEvent } from '../eve/header.js';
import type { AlertChannel } from './channel.js';

export class WebhookChannel implements AlertChannel {
  readonly kind = 'webhook';

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string> = {},
    private readonly timeoutMs = 5000,
  ) {}

  async deliver(alert: EveEvent): Promise<void> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.headers },
      body: JSON.stringify(alert),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    // Drain the body so the connection can be reused.
    await res.arrayBuffer();
    if (res.status < 200 || res.status >= 300)
      throw new Error(`webhook ${this.url} answered HTTP ${res.status}`);
  }
}
