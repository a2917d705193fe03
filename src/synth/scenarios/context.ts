/** What every scenario receives: the capture to add frames to, its random stream, clock and manifest. */
import type { SynthCapture } from '../net/capture.js';
import type { Host } from '../net/address.js';
import type { Prng } from '../prng.js';
import type { FlowRecord } from '../manifest.js';

export interface ScenarioContext {
  cap: SynthCapture;
  rng: Prng;
  /** Capture start, µs since the epoch. */
  baseUs: number;
  /** Scenarios spread their flows over this many µs after baseUs. */
  spanUs: number;
  /** How many background flows to add beyond the scenario's fixed cases. */
  flows: number;
  manifest: FlowRecord[];
}

/**
 * Linux-style ephemeral ports: each client host starts somewhere in 32768..60999 and counts up,
 * so a host's connections have increasing source ports as in real captures.
 */
export class EphemeralPorts {
  private readonly next = new Map<string, number>();
  constructor(private readonly rng: Prng) {}

  take(host: Host): number {
    let p = this.next.get(host.text) ?? this.rng.int(32768, 58000);
    p += this.rng.int(1, 7);
    if (p > 60999) p = 32768;
    this.next.set(host.text, p);
    return p;
  }
}
