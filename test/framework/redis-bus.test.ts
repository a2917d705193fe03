/**
 * The bus over Redis Streams with a real redis-server and real separate processes (bus-helper.js): two consumer
 * groups in their own processes get every message of two topics exactly once and in order while one consumer is
 * SIGKILLed and restarted and the publisher is restarted in the middle; a consumer stuck holding a message gets it
 * again first after a restart, or another consumer of its group takes it over; a consumer killed between its write
 * and the acknowledgement sees no duplicate thanks to its checkpoint; bad payloads and failing handlers go to the
 * dead-letter stream; streams stay bounded, and a group that fell behind past the bound is told; messages published while Redis is down are stored once it is back.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BusValidationError,
  compareMessageIds,
  RedisStreamsBus,
  type BusErrorReport,
} from '../../src/framework/index.js';
import { createRedisClient, type RedisClient } from '../../src/store/index.js';
import { cacheEntryFor, seqOf, verdictFor } from './bus-payloads.js';
import { haveRedisServer, startRedisServer, type RedisServer } from './redis-server.js';

const HELPER = fileURLToPath(new URL('./bus-helper.js', import.meta.url));
const skip = haveRedisServer() ? false : 'redis-server not installed (scripts/setup.sh installs it)';

let server: RedisServer;
let raw: RedisClient;
let dir: string;

before(async () => {
  if (skip) return;
  server = await startRedisServer();
  raw = createRedisClient(server.url);
  raw.on('error', () => undefined); // the outage test stops the server under it
  dir = mkdtempSync(join(tmpdir(), 'moat-bus-test-'));
});

/** Every helper started, so a failed test still ends them all (a live child keeps the test process alive). */
const started: Helper[] = [];

after(async () => {
  if (skip) return;
  await Promise.all(started.map((h) => stopHelper(h, 'SIGKILL')));
  raw.disconnect();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Helper {
  proc: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  /** Resolves with the first stdout line matching `re` (seen before or after the call). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

function helper(...args: string[]): Helper {
  const proc = spawn(process.execPath, [HELPER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const watchers: Array<() => void> = [];
  let buf = '';
  proc.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
    for (const w of watchers) w();
  });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const h: Helper = {
    proc,
    lines,
    exited,
    waitFor(re, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          for (const l of lines) {
            const m = re.exec(l);
            if (m) {
              clearTimeout(timer);
              resolve(m);
              return true;
            }
          }
          return false;
        };
        const timer = setTimeout(
          () => reject(new Error(`helper ${args[0]} never printed ${String(re)}; stderr: ${stderr}`)),
          timeoutMs,
        );
        if (!check()) watchers.push(check);
        void exited.then(() => {
          if (!check()) {
            clearTimeout(timer);
            reject(new Error(`helper ${args[0]} exited without printing ${String(re)}; stderr: ${stderr}`));
          }
        });
      });
    },
  };
  started.push(h);
  return h;
}

async function stopHelper(h: Helper, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (h.proc.exitCode === null && h.proc.signalCode === null && h.proc.pid !== undefined)
    process.kill(h.proc.pid, signal);
  await h.exited;
}

interface Received {
  topic: string;
  id: string;
  seq: number;
  redelivered: boolean;
}

function textOf(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

function received(file: string): Received[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('hang '))
    .map((l) => {
      const [topic, id, seq, re] = l.split(' ');
      return { topic, id, seq: Number(seq), redelivered: re === '1' };
    });
}

async function until(what: string, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Each topic's seqs, in the order received. */
function byTopic(rs: Received[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const r of rs) m.set(r.topic, [...(m.get(r.topic) ?? []), r.seq]);
  return m;
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

test(
  'two consumer processes get every message once and in order through a consumer SIGKILL and a publisher restart',
  { skip, timeout: 120_000 },
  async () => {
    const N = 2000;
    const prefix = 'e2e:';
    const outA = join(dir, 'security.out');
    const outB = join(dir, 'console.out');
    const consumerA = (): Helper => helper('consume', server.url, prefix, 'security', 'box-a', outA);
    let a = consumerA();
    const b = helper('consume', server.url, prefix, 'console', 'box-b', outB);
    await Promise.all([a.waitFor(/^ready$/), b.waitFor(/^ready$/)]);

    const p1 = helper('publish', server.url, prefix, '1', String(N));
    // The security consumer dies (SIGKILL) in the middle of the stream…
    await until('security consumer got 300 messages', () => received(outA).length >= 300);
    await stopHelper(a, 'SIGKILL');
    const atKill = received(outA).length;
    // …and the publisher is restarted in the middle as well.
    await p1.waitFor(/^stored (\d+)$/);
    await until('publisher past half way', () =>
      p1.lines.some((l) => /^stored (\d+)$/.test(l) && Number(l.slice(7)) >= N / 2),
    );
    await stopHelper(p1);
    const last = Number((await p1.waitFor(/^stopped (\d+)$/))[1]);
    assert.ok(last >= N / 2 && last < N, `the first publisher stopped part way (at ${last})`);
    a = consumerA();
    await a.waitFor(/^ready$/);
    const p2 = helper('publish', server.url, prefix, String(last + 1), String(N));
    await p2.waitFor(/^stopped (\d+)$/);
    assert.equal(await p2.exited, 0);

    await until(
      'both groups have every message',
      () => received(outA).length >= 2 * N && received(outB).length >= 2 * N,
    );
    await new Promise((r) => setTimeout(r, 300)); // anything extra (a duplicate) would show up now
    await Promise.all([stopHelper(a), stopHelper(b)]);
    assert.ok(
      atKill > 0 && atKill < 2 * N,
      `the consumer was killed mid-stream (${atKill} of ${2 * N} received)`,
    );

    for (const [name, file] of [
      ['security', outA],
      ['console', outB],
    ] as const) {
      const rs = received(file);
      const topics = byTopic(rs);
      for (const topic of ['verdict', 'cache-entry']) {
        assert.deepEqual(topics.get(topic), range(1, N), `${name}/${topic}: every message once, in order`);
        const ids = rs.filter((r) => r.topic === topic).map((r) => r.id);
        for (let i = 1; i < ids.length; i++)
          assert.ok(compareMessageIds(ids[i - 1], ids[i]) < 0, `${ids[i - 1]} before ${ids[i]}`);
      }
      const pending = (await raw.xpending(`${prefix}verdict`, name)) as [number, ...unknown[]];
      assert.equal(pending[0], 0, `${name}: nothing left unacknowledged`);
    }
    assert.equal(await raw.xlen(`${prefix}verdict`), N, 'the stream holds each message once');
  },
);

test(
  'a consumer stuck on a message gets it again first after a SIGKILL and restart',
  { skip, timeout: 60_000 },
  async () => {
    const prefix = 'stuck:';
    const out = join(dir, 'stuck.out');
    const bus = new RedisStreamsBus({ redis: createRedisClient, url: server.url, prefix });
    try {
      const c1 = helper('consume', server.url, prefix, 'g', 'box-1', out, '--hang-at', '3');
      await c1.waitFor(/^ready$/);
      for (let s = 1; s <= 6; s++) bus.publish('verdict', verdictFor(s));
      await bus.flush();
      await until('the consumer holds message 3', () => textOf(out).includes('hang verdict'));
      await stopHelper(c1, 'SIGKILL');
      assert.deepEqual(
        received(out).map((r) => r.seq),
        [1, 2],
      );
      const c2 = helper('consume', server.url, prefix, 'g', 'box-1', out);
      await c2.waitFor(/^ready$/);
      await until('the rest arrived', () => received(out).length >= 6);
      await stopHelper(c2);
      const rs = received(out);
      assert.deepEqual(
        rs.map((r) => r.seq),
        [1, 2, 3, 4, 5, 6],
        'the held message first, then the rest, in order',
      );
      assert.equal(rs[2].redelivered, true, 'message 3 is marked as delivered before');
      assert.ok(!rs[0].redelivered && !rs[1].redelivered);
    } finally {
      await bus.close();
    }
  },
);

test(
  'a consumer killed after its write but before the acknowledgement sees no duplicate (its checkpoint)',
  { skip, timeout: 60_000 },
  async () => {
    const prefix = 'ckpt:';
    const out = join(dir, 'ckpt.out');
    const bus = new RedisStreamsBus({ redis: createRedisClient, url: server.url, prefix });
    try {
      const c1 = helper('consume', server.url, prefix, 'g', 'box-1', out, '--die-at', '4');
      await c1.waitFor(/^ready$/);
      for (let s = 1; s <= 8; s++) bus.publish('verdict', verdictFor(s));
      await bus.flush();
      await c1.exited;
      assert.equal(c1.proc.signalCode, 'SIGKILL');
      const pending = (await raw.xpending(`${prefix}verdict`, 'g')) as [number, ...unknown[]];
      assert.ok(pending[0] >= 1, 'message 4 was left unacknowledged');
      const c2 = helper('consume', server.url, prefix, 'g', 'box-1', out);
      await c2.waitFor(/^ready$/);
      await until('the rest arrived', () => received(out).length >= 8);
      await new Promise((r) => setTimeout(r, 200));
      await stopHelper(c2);
      assert.deepEqual(
        received(out).map((r) => r.seq),
        range(1, 8),
      );
      const stats = JSON.parse((await c2.waitFor(/^stats (.*)$/))[1]) as { skipped: number };
      assert.equal(stats.skipped, 1, 'message 4 came back and was acknowledged without a second delivery');
    } finally {
      await bus.close();
    }
  },
);

test(
  'another consumer of the group takes over what a dead consumer left pending (XAUTOCLAIM)',
  { skip, timeout: 60_000 },
  async () => {
    const prefix = 'claim:';
    const out = join(dir, 'claim.out');
    const pub = new RedisStreamsBus({ redis: createRedisClient, url: server.url, prefix });
    const got: Array<{ seq: number; redelivered: boolean }> = [];
    const survivor = new RedisStreamsBus({
      redis: createRedisClient,
      url: server.url,
      prefix,
      consumer: 'box-2',
      claimIdleMs: 300,
      blockMs: 200,
    });
    try {
      const dead = helper('consume', server.url, prefix, 'g', 'box-1', out, '--hang-at', '2');
      await dead.waitFor(/^ready$/);
      for (let s = 1; s <= 3; s++) pub.publish('verdict', verdictFor(s));
      await pub.flush();
      await until('box-1 holds message 2', () => textOf(out).includes('hang verdict'));
      await stopHelper(dead, 'SIGKILL');
      await survivor.subscribe('verdict', 'g', (v, meta) => {
        got.push({ seq: v.signatureId, redelivered: meta.redelivered });
      });
      pub.publish('verdict', verdictFor(4));
      await pub.flush();
      await until('box-2 has 2, 3 and 4', () => got.length >= 3, 10_000);
      assert.deepEqual(
        got.map((g) => g.seq).sort((x, y) => x - y),
        [2, 3, 4],
      );
      assert.equal(got.find((g) => g.seq === 2)?.redelivered, true);
      const pending = (await raw.xpending(`${prefix}verdict`, 'g')) as [number, ...unknown[]];
      assert.equal(pending[0], 0);
    } finally {
      await survivor.close();
      await pub.close();
    }
  },
);

test(
  'a payload that fails its schema is refused on publish and dead-lettered on receipt; so is a failing handler',
  { skip, timeout: 30_000 },
  async () => {
    const prefix = 'dead:';
    const errors: BusErrorReport[] = [];
    const bus = new RedisStreamsBus({
      redis: createRedisClient,
      url: server.url,
      prefix,
      maxAttempts: 2,
      onError: (r) => errors.push(r),
    });
    try {
      assert.throws(
        () => bus.publish('verdict', { ...verdictFor(1), srcIp: '300.1.2.3' }),
        (err: unknown) =>
          err instanceof BusValidationError &&
          /topic 'verdict'.*srcIp: not an IPv4 or IPv6 address/.test(err.message),
      );
      const got: number[] = [];
      await bus.subscribe('verdict', 'g', (v) => {
        if (v.signatureId === 3) throw new Error('cannot handle 3');
        got.push(v.signatureId);
      });
      bus.publish('verdict', verdictFor(1));
      await bus.flush();
      // Another process (another version) writes straight into the stream: a port out of range.
      await raw.xadd(
        `${prefix}verdict`,
        '*',
        't',
        String(Date.now()),
        'p',
        JSON.stringify({ ...verdictFor(2), dstPort: 70000 }),
      );
      bus.publish('verdict', verdictFor(3));
      bus.publish('verdict', verdictFor(4));
      await bus.flush();
      await until('message 4 handled', () => got.includes(4), 10_000);
      assert.deepEqual(got, [1, 4]);
      const dead = (await raw.xrange(`${prefix}verdict:dead`, '-', '+')) as Array<[string, string[]]>;
      assert.equal(dead.length, 2);
      const f = dead.map(
        ([, fields]) =>
          Object.fromEntries(fields.flatMap((_, i) => (i % 2 ? [] : [[fields[i], fields[i + 1]]]))) as Record<
            string,
            string
          >,
      );
      assert.match(f[0].error, /dstPort/);
      assert.equal(f[0].group, 'g');
      assert.match(f[1].error, /cannot handle 3/);
      assert.equal(seqOf('verdict', JSON.parse(f[1].p)), 3);
      assert.ok(errors.some((e) => e.group === 'g' && /dstPort/.test(e.error.message)));
      assert.equal(bus.stats.deadLettered, 2);
    } finally {
      await bus.close();
    }
  },
);

test('streams stay bounded (MAXLEN ~)', { skip, timeout: 30_000 }, async () => {
  const prefix = 'bound:';
  const bus = new RedisStreamsBus({ redis: createRedisClient, url: server.url, prefix, maxLen: 1000 });
  try {
    for (let s = 1; s <= 5000; s++) bus.publish('cache-entry', cacheEntryFor(s));
    await bus.flush();
    const len = await raw.xlen(`${prefix}cache-entry`);
    assert.ok(len >= 1000 && len < 1500, `stream length ${len} for maxLen 1000 after 5000 messages`);
    assert.equal(bus.stats.published, 5000);
  } finally {
    await bus.close();
  }
});

test(
  'a group that fell behind by more than the bound is told what was trimmed, then goes on',
  { skip, timeout: 30_000 },
  async () => {
    const prefix = 'behind:';
    const errors: BusErrorReport[] = [];
    const bus = new RedisStreamsBus({
      redis: createRedisClient,
      url: server.url,
      prefix,
      maxLen: 500,
      onError: (r) => errors.push(r),
    });
    try {
      const got: number[] = [];
      const handler = (v: { signatureId: number }): void => {
        got.push(v.signatureId);
      };
      let sub = await bus.subscribe('verdict', 'slow', handler);
      bus.publish('verdict', verdictFor(1));
      await bus.flush();
      await until('message 1', () => got.length === 1, 10_000);
      await sub.close();
      for (let s = 2; s <= 3000; s++) bus.publish('verdict', verdictFor(s));
      await bus.flush();
      sub = await bus.subscribe('verdict', 'slow', handler);
      await until('the retained messages', () => got.at(-1) === 3000, 10_000);
      const rest = got.slice(1);
      assert.ok(rest.length >= 500 && rest.length < 1000, `${rest.length} retained`);
      assert.deepEqual(rest, range(3001 - rest.length, 3000), 'what is left, in order');
      assert.equal(bus.stats.lost, 2999 - rest.length, 'every trimmed message counted');
      assert.ok(
        errors.some(
          (e) =>
            e.group === 'slow' &&
            /were trimmed from the stream \(MAXLEN\) before this group read them/.test(e.error.message),
        ),
        errors.map((e) => e.error.message).join('; '),
      );
      await sub.close();
    } finally {
      await bus.close();
    }
  },
);

test(
  'messages published while Redis is down are stored, in order, once it is back',
  { skip, timeout: 60_000 },
  async () => {
    const prefix = 'outage:';
    const errors: string[] = [];
    const bus = new RedisStreamsBus({
      redis: createRedisClient,
      url: server.url,
      prefix,
      onError: (r) => errors.push(r.error.message),
    });
    let restarted = false;
    try {
      await bus.start();
      await server.kill();
      for (let s = 1; s <= 50; s++) bus.publish('verdict', verdictFor(s));
      // The failed publish is reported once the client gives up its retries (~0.2 s idle, longer under load).
      await until('the outage reported', () => errors.length >= 1, 10_000);
      assert.ok(bus.health().ok === false, 'health says Redis is away');
      await server.restart();
      restarted = true;
      await bus.flush();
      const entries = (await raw.xrange(`${prefix}verdict`, '-', '+')) as Array<[string, string[]]>;
      assert.deepEqual(
        entries.map(([, f]) => seqOf('verdict', JSON.parse(f[f.indexOf('p') + 1]))),
        range(1, 50),
      );
      assert.ok(errors.length >= 1, 'the outage was reported');
    } finally {
      if (!restarted) await server.restart();
      await bus.close();
    }
  },
);
