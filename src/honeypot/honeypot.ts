/**
 * The honeypot side of the linkage: creates and registers instances, enforces the
 * per-peer limits, owns the downloader and quarantine, and hands captured samples on.
 */
import { randomBytes } from 'node:crypto';
import { Downloader } from './download.js';
import { DownloadScope } from './scope.js';
import { Quarantine } from './quarantine.js';
import { PeerLimits, defaultLimits, type LimitConfig } from './limits.js';
import type { InstanceStore } from './store.js';
import { honeypotEvent, type HoneypotEventSink } from './eve.js';
import { defaultPersona, type Persona } from './persona.js';
import { Session } from './session.js';
import type { InstanceRecord, SampleRecord } from './instance.js';
import type { CommandGate } from './shell/shell.js';
import { defaultTiming, type TimingConfig } from './shell/timing.js';

export interface HoneypotOptions {
  persona?: Persona;
  limits?: Partial<LimitConfig>;
  /** Download scope prefixes; empty = nothing is ever fetched. */
  scope?: string[];
  quarantineDir: string;
  /** Where instances are kept, on the caller's store; without one they are not persisted. */
  instances?: InstanceStore;
  eve?: HoneypotEventSink;
  /** Captured samples go here (the sandbox, A-80). */
  onSample?: (sample: SampleRecord, session: Session) => void;
  /** the relay's command gate for a new session (undefined = emulator only). */
  gateFor?: (record: InstanceRecord) => CommandGate | undefined;
  onEnd?: (record: InstanceRecord) => void;
  /** An instance opened (its capture, if any, already started): the `honeypot-session` 'started' message. */
  onStart?: (record: InstanceRecord) => void;
  /**
   * An instance is final: ended, stored, and its capture file closed. The `honeypot-session` 'ended' message and
   * what consumes it (the model registry's incidents) start here; `settled()` waits for what it returns.
   */
  onDone?: (record: InstanceRecord) => void | Promise<void>;
  /** Reply timing of the emulated device (default: the modelled device, scale 1). */
  timing?: Partial<TimingConfig>;
}

/** Records each instance's packets (capture.ts); `detach` resolves once its file is complete. */
export interface SessionRecorder {
  attach(record: InstanceRecord): void;
  detach(record: InstanceRecord): Promise<void>;
}

export class Honeypot {
  readonly persona: Persona;
  readonly limits: PeerLimits;
  readonly downloader: Downloader;
  readonly quarantine: Quarantine;
  readonly store?: InstanceStore;
  readonly sessions = new Set<Session>();
  readonly timing: TimingConfig;
  counters = { sessions: 0, refused: 0, samples: 0 };
  /** Set once the capture is open (after the services listen: it filters on their ports). */
  recorder?: SessionRecorder;
  private readonly finishing = new Set<Promise<void>>();

  constructor(private readonly opts: HoneypotOptions) {
    this.persona = opts.persona ?? defaultPersona;
    this.timing = { ...defaultTiming, ...opts.timing };
    this.limits = new PeerLimits({ ...defaultLimits, ...opts.limits });
    this.downloader = new Downloader(new DownloadScope(opts.scope ?? []));
    this.quarantine = new Quarantine(opts.quarantineDir);
    this.store = opts.instances;
  }

  /** Opens an instance, or returns null when the limits refuse it (A-71: give up this interaction). */
  open(service: string, peerIp: string, peerPort: number, localPort: number): Session | null {
    const record: InstanceRecord = {
      id: `hp-${randomBytes(8).toString('hex')}`,
      service,
      peerIp,
      peerPort,
      localPort,
      start: new Date().toISOString(),
      credentials: [],
      commands: [],
      downloads: [],
      samples: [],
      bytesIn: 0,
      bytesOut: 0,
    };
    const refused = this.limits.acquire(peerIp);
    if (refused) {
      this.counters.refused++;
      this.log(honeypotEvent(record, 'refused', { reason: refused }));
      return null;
    }
    this.counters.sessions++;
    this.recorder?.attach(record);
    const s = new Session(this, record, this.opts.gateFor?.(record));
    this.sessions.add(s);
    this.opts.onStart?.(record);
    return s;
  }

  log(event: Record<string, unknown>): void {
    this.opts.eve?.write(event);
  }

  sampleCaptured(s: SampleRecord, session: Session): void {
    this.counters.samples++;
    this.opts.onSample?.(s, session);
  }

  ended(s: Session): void {
    this.sessions.delete(s);
    this.limits.release(s.record.peerIp);
    this.store?.save(s.record);
    this.opts.onEnd?.(s.record);
    const record = s.record;
    const done = (this.recorder?.detach(record) ?? Promise.resolve())
      .then(() => {
        // The capture's final counts, with the file complete.
        if (record.capture) this.store?.save(record);
        return this.opts.onDone?.(record);
      })
      .catch((e: unknown) =>
        this.log(
          honeypotEvent(record, 'session_done_failed', { error: e instanceof Error ? e.message : String(e) }),
        ),
      );
    this.finishing.add(done);
    void done.finally(() => this.finishing.delete(done));
  }

  /** Resolves when every ended instance's capture is closed and its `onDone` has finished. */
  async settled(): Promise<void> {
    while (this.finishing.size > 0) await Promise.all([...this.finishing]);
  }

  closeAll(reason = 'shutdown'): void {
    for (const s of [...this.sessions]) s.close(reason);
  }
}
