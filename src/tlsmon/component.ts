/**
 * The TLS monitor as an A-1 component: started by the registry after the bus it publishes its verdicts on, with
 * the monitor's own counters as its health. Built from the same TlsmonConfig as every other entry point.
 */
import type { Component, Health } from '../framework/index.js';
import { createTlsmon, type Tlsmon, type TlsmonConfig } from './setup.js';

export class TlsmonComponent implements Component<TlsmonConfig> {
  readonly name = 'tlsmon';
  readonly dependsOn: readonly string[];
  private mon: Tlsmon | undefined;

  constructor(readonly config: TlsmonConfig) {
    // The bus must run before the first verdict is published.
    this.dependsOn = config.bus ? ['bus'] : [];
  }

  /** The running monitor (its inspector goes into the capture pipeline, its monitor behind the API). */
  get tlsmon(): Tlsmon {
    if (!this.mon) throw new Error('the tlsmon component is not started');
    return this.mon;
  }

  async start(): Promise<void> {
    this.mon = await createTlsmon(this.config);
  }

  async stop(): Promise<void> {
    const m = this.mon;
    this.mon = undefined;
    await m?.close();
  }

  health(): Health {
    const m = this.mon;
    if (!m) return { ok: false, detail: 'not started' };
    const errors = m.blockSink?.errors.length ?? 0;
    const parts = [
      `policy v${m.monitor.policyVersion}`,
      `${m.monitor.evaluations} handshakes scored`,
      `${m.monitor.risky} risky`,
    ];
    if (m.blockSink) parts.push(`${m.blockSink.blocked} blocked`, `${errors} block errors`);
    return { ok: errors === 0, detail: parts.join(', ') };
  }
}
