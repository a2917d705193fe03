/**
 * Self-isolation: the gateway closes the WAN except the backup port when too many internal devices are
 * infected or sending abnormal traffic out, and stays isolated (across restarts) until the user ends it. The state
 * lives in the state directory, so `moat gateway isolate|unisolate` (another process) and a restarted daemon agree.
 * The trigger counts the internal devices that hold valid blocking entries in the security event cache, as the
 * security component announces them on the bus's `cache-entry` topic.
 */
import { join } from 'node:path';
import type {
  CacheEntryChange,
  Component,
  Health,
  MessageBus,
  MoatTopics,
  Subscription,
} from '../framework/index.js';
import { readJson, writeJsonAtomic } from './state-files.js';

export interface IsolationState {
  isolated: boolean;
  since?: string;
  reason?: string;
  /** The devices that triggered it, when the threshold did. */
  devices?: string[];
}

export const isolationFile = (stateDir: string): string => join(stateDir, 'isolation.json');

export function readIsolation(stateDir: string): IsolationState {
  return readJson<IsolationState>(isolationFile(stateDir)) ?? { isolated: false };
}

export function writeIsolation(stateDir: string, s: IsolationState): void {
  writeJsonAtomic(isolationFile(stateDir), s);
}

/** Internal devices with a valid blocking cache entry; tells `onReached` once when they reach `threshold`. */
export class FlaggedDevices {
  private readonly byDevice = new Map<string, Set<string>>();
  private reached = false;

  constructor(
    private readonly threshold: number,
    /** The internal end of an entry (the device), or undefined when neither end is internal. */
    private readonly deviceOf: (srcIp: string, dstIp: string) => string | undefined,
    private readonly onReached: (devices: string[]) => void,
  ) {}

  get count(): number {
    return this.byDevice.size;
  }

  onChange(c: CacheEntryChange): void {
    const e = c.entry;
    const device = this.deviceOf(e.srcIp, e.dstIp);
    if (!device) return;
    const key = `${e.srcIp}|${e.dstIp}|${e.srcPort}|${e.dstPort}|${e.proto}`;
    const blocking = c.change !== 'del' && e.operationType === 'block' && e.status !== 'invalid';
    const set = this.byDevice.get(device) ?? new Set<string>();
    if (blocking) set.add(key);
    else set.delete(key);
    if (set.size > 0) this.byDevice.set(device, set);
    else this.byDevice.delete(device);
    if (!this.reached && this.byDevice.size >= this.threshold) {
      this.reached = true;
      this.onReached([...this.byDevice.keys()].sort());
    }
  }

  /** After the user ends an isolation, the next crossing triggers again. */
  rearm(): void {
    this.reached = this.byDevice.size >= this.threshold;
  }
}

export interface SelfIsolationConfig {
  threshold: number;
  bus: MessageBus<MoatTopics>;
  deviceOf: (srcIp: string, dstIp: string) => string | undefined;
  isolate: (reason: string, devices: string[]) => Promise<void>;
  log: (line: string) => void;
}

/** The trigger as an A-1 component: subscribes to `cache-entry` once the bus runs. */
export class SelfIsolationTrigger implements Component<SelfIsolationConfig> {
  readonly name = 'self-isolation';
  readonly dependsOn = ['bus', 'router'];
  readonly flagged: FlaggedDevices;
  private sub?: Subscription;

  constructor(readonly config: SelfIsolationConfig) {
    this.flagged = new FlaggedDevices(config.threshold, config.deviceOf, (devices) => {
      const reason = `${devices.length} internal device(s) flagged by the security component (threshold ${config.threshold})`;
      config
        .isolate(reason, devices)
        .catch((e: unknown) => config.log(`self-isolation failed: ${String(e)}`));
    });
  }

  async start(): Promise<void> {
    this.sub = await this.config.bus.subscribe(
      'cache-entry',
      'gateway-self-isolation',
      (c) => this.flagged.onChange(c),
      {
        from: 'new',
      },
    );
  }

  async stop(): Promise<void> {
    await this.sub?.close();
  }

  health(): Health {
    return {
      ok: true,
      detail: `${this.flagged.count} flagged device(s), threshold ${this.config.threshold}`,
    };
  }
}
