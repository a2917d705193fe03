/**
 * How a command reaches the running gateway's bus: `moat gateway verdict add|remove` (and an engine without a bus of
 * its own) drops a message file into the state directory's inbox; the daemon checks it against its topic's schema,
 * publishes it on the bus exactly as a component would, and deletes the file. Files are written under a temporary
 * name and renamed, so the daemon never reads half of one.
 */
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  watch,
  writeFileSync,
  type FSWatcher,
} from 'node:fs';
import { join } from 'node:path';
import {
  MOAT_TOPICS,
  type Component,
  type Health,
  type MessageBus,
  type MoatTopics,
} from '../../framework/index.js';

/** The topics a command may publish through the inbox. */
export type InboxTopic = 'cache-entry' | 'verdict';

export const inboxDir = (stateDir: string): string => join(stateDir, 'verdicts-inbox');

let seq = 0;

/** Drops one message for the daemon; returns the file, which is gone once the daemon has published it. */
export function postToInbox<T extends InboxTopic>(
  stateDir: string,
  topic: T,
  payload: MoatTopics[T],
): string {
  const dir = inboxDir(stateDir);
  mkdirSync(dir, { recursive: true });
  const name = `${Date.now()}-${process.pid}-${seq++}.json`;
  const tmp = join(dir, `.${name}.tmp`);
  writeFileSync(tmp, JSON.stringify({ topic, payload }));
  renameSync(tmp, join(dir, name));
  return join(dir, name);
}

export interface VerdictInboxConfig {
  stateDir: string;
  bus: MessageBus<MoatTopics>;
  log: (line: string) => void;
}

export class VerdictInbox implements Component<VerdictInboxConfig> {
  readonly name = 'verdict-inbox';
  readonly dependsOn = ['bus', 'verdicts'];
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  published = 0;
  refused = 0;

  constructor(readonly config: VerdictInboxConfig) {}

  async start(): Promise<void> {
    const dir = inboxDir(this.config.stateDir);
    mkdirSync(dir, { recursive: true });
    this.watcher = watch(dir, () => this.drain());
    // fs.watch can miss events on some file systems: a slow poll as well.
    this.timer = setInterval(() => this.drain(), 1000);
    this.timer.unref();
    this.drain();
  }

  private drain(): void {
    const dir = inboxDir(this.config.stateDir);
    let names: string[];
    try {
      names = readdirSync(dir)
        .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
        .sort();
    } catch {
      return;
    }
    for (const n of names) {
      const file = join(dir, n);
      let msg: { topic?: string; payload?: unknown };
      try {
        msg = JSON.parse(readFileSync(file, 'utf8')) as typeof msg;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        msg = {};
      }
      rmSync(file, { force: true });
      const topic = msg.topic;
      if (topic !== 'cache-entry' && topic !== 'verdict') {
        this.refused++;
        this.config.log(`verdict inbox: ${n}: not a cache-entry or verdict message; dropped`);
        continue;
      }
      const parsed = MOAT_TOPICS[topic].safeParse(msg.payload);
      if (!parsed.success) {
        this.refused++;
        this.config.log(
          `verdict inbox: ${n}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
        continue;
      }
      if (topic === 'cache-entry')
        this.config.bus.publish('cache-entry', parsed.data as MoatTopics['cache-entry']);
      else this.config.bus.publish('verdict', parsed.data as MoatTopics['verdict']);
      this.published++;
    }
  }

  async stop(): Promise<void> {
    this.watcher?.close();
    clearInterval(this.timer);
  }

  health(): Health {
    return { ok: true, detail: `${this.published} published, ${this.refused} refused` };
  }
}
