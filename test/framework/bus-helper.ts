/**
 * A separate process on the Redis bus, for test/framework/redis-bus.test.ts (run as `node bus-helper.js …`):
 *
 *   publish URL PREFIX FROM TO           publishes seq FROM..TO on `verdict` and `cache-entry`, in batches it
 *                                        flushes, printing `stored N` after each; on SIGTERM it finishes the
 *                                        batch, closes and prints `stopped N` (the last seq stored).
 *   consume URL PREFIX GROUP NAME OUT [--hang-at S] [--die-at S]
 *                                        subscribes GROUP (consumer NAME) to both topics and appends
 *                                        `topic id seq redelivered` to OUT per message. Its checkpoint is OUT
 *                                        itself: after a restart it passes each topic's last id as `after`.
 *                                        --hang-at: never returns from the handler of seq S (a consumer stuck
 *                                        holding a message); --die-at: SIGKILLs itself right after writing seq S,
 *                                        before the bus acknowledges it. SIGTERM closes and prints the stats.
 */
import { createRedisClient } from '../../src/store/index.js';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { RedisStreamsBus, type MessageMeta } from '../../src/framework/index.js';
import { cacheEntryFor, seqOf, verdictFor } from './bus-payloads.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function publish(url: string, prefix: string, from: number, to: number): Promise<void> {
  const bus = new RedisStreamsBus({ redis: createRedisClient, url, prefix });
  await bus.start();
  let stopping = false;
  process.once('SIGTERM', () => {
    stopping = true;
  });
  let last = from - 1;
  for (let s = from; s <= to && !stopping;) {
    const end = Math.min(to, s + 19);
    for (; s <= end; s++) {
      bus.publish('verdict', verdictFor(s));
      bus.publish('cache-entry', cacheEntryFor(s));
    }
    await bus.flush();
    last = end;
    process.stdout.write(`stored ${last}\n`);
    await sleep(10);
  }
  await bus.close();
  process.stdout.write(`stopped ${last}\n`);
}

async function consume(
  url: string,
  prefix: string,
  group: string,
  name: string,
  out: string,
  flags: string[],
) {
  const hangAt = flags.includes('--hang-at') ? Number(flags[flags.indexOf('--hang-at') + 1]) : undefined;
  const dieAt = flags.includes('--die-at') ? Number(flags[flags.indexOf('--die-at') + 1]) : undefined;
  // The checkpoint: the last id this consumer's own output holds, per topic.
  const after = new Map<string, string>();
  if (existsSync(out)) {
    for (const line of readFileSync(out, 'utf8').split('\n')) {
      const [topic, id] = line.split(' ');
      if (topic && id) after.set(topic, id);
    }
  }
  const bus = new RedisStreamsBus({ redis: createRedisClient, url, prefix, consumer: name, blockMs: 500 });
  const handler =
    (topic: string) =>
    async (payload: unknown, meta: MessageMeta): Promise<void> => {
      const seq = seqOf(topic, payload);
      if (seq === hangAt) {
        appendFileSync(out, `hang ${topic} ${meta.id} ${seq}\n`);
        await new Promise(() => undefined);
      }
      // One write per message: a SIGKILL leaves a line whole or absent.
      appendFileSync(out, `${topic} ${meta.id} ${seq} ${meta.redelivered ? 1 : 0}\n`);
      if (seq === dieAt) process.kill(process.pid, 'SIGKILL');
    };
  await bus.subscribe('verdict', group, handler('verdict'), { after: after.get('verdict') });
  await bus.subscribe('cache-entry', group, handler('cache-entry'), { after: after.get('cache-entry') });
  process.stdout.write('ready\n');
  await new Promise<void>((r) => process.once('SIGTERM', () => r()));
  await bus.close();
  process.stdout.write(`stats ${JSON.stringify(bus.stats)}\n`);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'publish') await publish(args[0], args[1], Number(args[2]), Number(args[3]));
else if (mode === 'consume') await consume(args[0], args[1], args[2], args[3], args[4], args.slice(5));
else if (mode !== undefined) {
  process.stderr.write(`bus-helper: unknown mode '${mode}'\n`);
  process.exit(2);
}
