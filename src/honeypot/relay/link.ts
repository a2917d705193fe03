/**
 * The honeypot's standing link to the relay's device end (`moat relay`) as `moat honeypot` runs it: connects
 * at start, reconnects with back-off when the device end goes away, and meanwhile answers "no device" so the
 * emulator takes over (a device-end outage never stops the honeypot, and never lets a blocked command
 * through).
 */
import { RelayClient, type RelayRequestMeta, type RelayTransport } from './tunnel.js';

export interface RelayLinkOptions {
  id: string;
  key: Buffer;
  fingerprint: string;
  host: string;
  port: number;
  /** Called with every connect/disconnect/failure, for the log. */
  onState?: (state: 'connected' | 'disconnected' | 'failed', detail?: string) => void;
}

export class RelayLink implements RelayTransport {
  private client?: RelayClient;
  private timer?: NodeJS.Timeout;
  private closed = false;
  private backoffMs = 500;

  constructor(private readonly o: RelayLinkOptions) {}

  /** First connection attempt; resolves either way (a failure schedules retries). */
  async start(): Promise<boolean> {
    return this.attempt();
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  private async attempt(): Promise<boolean> {
    if (this.closed) return false;
    const c = new RelayClient(this.o.id, this.o.key, this.o.fingerprint);
    try {
      await c.connect(this.o.port, this.o.host);
    } catch (e) {
      c.close();
      this.o.onState?.('failed', (e as Error).message);
      this.schedule();
      return false;
    }
    this.client = c;
    this.backoffMs = 500;
    this.o.onState?.('connected', c.devices.map((d) => `${d.name}/${d.protocol}`).join(', '));
    const check = setInterval(() => {
      if (c.connected) return;
      clearInterval(check);
      if (this.client === c) this.client = undefined;
      this.o.onState?.('disconnected');
      this.schedule();
    }, 500);
    check.unref();
    return true;
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.attempt();
    }, this.backoffMs);
    this.timer.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
  }

  request(bytes: Buffer, meta: RelayRequestMeta): Promise<Buffer | null> {
    return this.client?.connected ? this.client.request(bytes, meta) : Promise.resolve(null);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.client?.close();
  }
}
