/**
 * Device choice at the relay's device end (A-74: "by protocol, interaction and performance"). A request names
 * its protocol, the honeypot session and its commands; candidates are the devices speaking that
 * protocol that can answer that command (their `commands` list — the interaction they support) and
 * have a free slot (`capacity` concurrent requests — their performance). A session keeps the device
 * it got first while that device can serve it, so one attacker never sees two different devices;
 * otherwise the least loaded candidate wins (in-flight share of capacity, then fewest served).
 */

export type DeviceProtocol = 'shell' | 'http' | 'mqtt';

export interface DeviceEndpoint {
  name: string;
  protocol: DeviceProtocol;
  host: string;
  port: number;
  /** Command names this device answers (interaction); absent = any read-only command. */
  commands?: string[];
  /** Concurrent requests the device takes (default 2). */
  capacity?: number;
}

export interface DeviceRequest {
  protocol: DeviceProtocol;
  session: string;
  /** Every command name the request runs (a pipeline has several); the device must answer them all. */
  commands?: string[];
}

export class DeviceSelector {
  private readonly inFlight = new Map<string, number>();
  private readonly served = new Map<string, number>();
  private readonly affinity = new Map<string, string>();

  constructor(readonly devices: DeviceEndpoint[]) {
    const names = new Set<string>();
    for (const d of devices) {
      if (names.has(d.name)) throw new Error(`device name '${d.name}' is configured twice`);
      names.add(d.name);
    }
  }

  private fits(d: DeviceEndpoint, r: DeviceRequest): boolean {
    if (d.protocol !== r.protocol) return false;
    if (d.commands && r.commands?.some((c) => !d.commands!.includes(c))) return false;
    return (this.inFlight.get(d.name) ?? 0) < (d.capacity ?? 2);
  }

  /** Takes a slot on the chosen device (release it with `done`), or null when none can serve. */
  acquire(r: DeviceRequest): DeviceEndpoint | null {
    const stuck = this.affinity.get(r.session);
    let dev = stuck ? this.devices.find((d) => d.name === stuck && this.fits(d, r)) : undefined;
    if (!dev) {
      const load = (d: DeviceEndpoint): number => (this.inFlight.get(d.name) ?? 0) / (d.capacity ?? 2);
      dev = this.devices
        .filter((d) => this.fits(d, r))
        .sort(
          (a, b) => load(a) - load(b) || (this.served.get(a.name) ?? 0) - (this.served.get(b.name) ?? 0),
        )[0];
      if (!dev) return null;
      if (!stuck && this.affinity.size < 100_000) this.affinity.set(r.session, dev.name);
    }
    this.inFlight.set(dev.name, (this.inFlight.get(dev.name) ?? 0) + 1);
    this.served.set(dev.name, (this.served.get(dev.name) ?? 0) + 1);
    return dev;
  }

  done(dev: DeviceEndpoint): void {
    this.inFlight.set(dev.name, Math.max(0, (this.inFlight.get(dev.name) ?? 0) - 1));
  }

  /** A session ended: its device is free for others to stick to. */
  forget(session: string): void {
    this.affinity.delete(session);
  }

  stats(): Record<string, { served: number; inFlight: number }> {
    const out: Record<string, { served: number; inFlight: number }> = {};
    for (const d of this.devices)
      out[d.name] = { served: this.served.get(d.name) ?? 0, inFlight: this.inFlight.get(d.name) ?? 0 };
    return out;
  }
}
