/**
 * The in-process bus: every subscribing group gets each message once, in order, synchronously when its handler is;
 * an asynchronous handler holds back its own group's later messages, not the others'; bad payloads are refused
 * with the topic and field named; a failing handler is reported and delivery goes on; it runs as a component.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BusValidationError,
  ComponentRegistry,
  InProcessBus,
  type BusErrorReport,
  type MessageMeta,
  type TopicCatalog,
} from '../../src/framework/index.js';
import { z } from 'zod';
import { cacheEntryFor, verdictFor } from './bus-payloads.js';

test('each group gets every message once, in order, before publish returns', async () => {
  const bus = new InProcessBus();
  const security: number[] = [];
  const metas: MessageMeta[] = [];
  const console_: number[] = [];
  await bus.subscribe('verdict', 'security', (v, meta) => {
    security.push(v.signatureId);
    metas.push(meta);
  });
  await bus.subscribe('verdict', 'console', (v) => {
    console_.push(v.signatureId);
  });
  const entries: string[] = [];
  await bus.subscribe('cache-entry', 'security', (c) => {
    entries.push(c.entry.eventId);
  });
  for (let s = 1; s <= 5; s++) {
    bus.publish('verdict', verdictFor(s));
    assert.equal(security.at(-1), s, 'delivered inside publish()');
  }
  bus.publish('cache-entry', cacheEntryFor(9));
  assert.deepEqual(security, [1, 2, 3, 4, 5]);
  assert.deepEqual(console_, [1, 2, 3, 4, 5]);
  assert.deepEqual(entries, ['seq:9'], 'topics are separate');
  assert.deepEqual(
    metas.map((m) => m.id),
    ['0-1', '0-2', '0-3', '0-4', '0-5'],
  );
  assert.ok(metas.every((m) => m.topic === 'verdict' && !m.redelivered && m.publishedAtMs > 0));
  await bus.close();
  assert.throws(() => bus.publish('verdict', verdictFor(6)), /bus closed/);
});

test('an asynchronous handler keeps its group in order without holding back the others', async () => {
  const bus = new InProcessBus();
  const slow: number[] = [];
  const fast: number[] = [];
  await bus.subscribe('verdict', 'slow', async (v) => {
    await new Promise((r) => setTimeout(r, v.signatureId % 2 ? 15 : 1));
    slow.push(v.signatureId);
  });
  await bus.subscribe('verdict', 'fast', (v) => {
    fast.push(v.signatureId);
  });
  for (let s = 1; s <= 6; s++) bus.publish('verdict', verdictFor(s));
  assert.deepEqual(fast, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(slow, [], 'the slow group is still on its first message');
  await bus.flush();
  assert.deepEqual(slow, [1, 2, 3, 4, 5, 6]);
  await bus.close();
});

test('a payload that does not fit its topic is refused, naming topic and field; nothing is delivered', async () => {
  const bus = new InProcessBus();
  const got: unknown[] = [];
  await bus.subscribe('verdict', 'security', (v) => {
    got.push(v);
  });
  assert.throws(
    () => bus.publish('verdict', { ...verdictFor(1), dstPort: 65536, srcIp: 'localhost' }),
    (err: unknown) => {
      assert.ok(err instanceof BusValidationError);
      assert.equal(err.topic, 'verdict');
      assert.match(err.message, /^bus topic 'verdict': publish: /);
      assert.ok(
        err.issues.some((i) => /^srcIp: not an IPv4 or IPv6 address/.test(i)),
        err.message,
      );
      assert.ok(
        err.issues.some((i) => /^dstPort: /.test(i)),
        err.message,
      );
      return true;
    },
  );
  assert.throws(
    () =>
      bus.publish('device', { ip: '192.0.2.5', mac: 'AA-BB-CC-DD-EE-FF', state: 'online', at: 'yesterday' }),
    /device': publish: mac: not a MAC address .*; at: not an ISO 8601 time/,
  );
  assert.throws(
    // A topic no catalogue holds (only reachable without the compile-time check).
    () => (bus as InProcessBus<Record<string, unknown>>).publish('verdicts', {}),
    /bus topic 'verdicts': publish: unknown topic \(known: verdict, cache-entry, device, honeypot-session, model-version, intervention\)/,
  );
  assert.deepEqual(got, []);
  await bus.close();
});

test('a failing handler is reported and its group goes on with the next message', async () => {
  const errors: BusErrorReport[] = [];
  const bus = new InProcessBus({ onError: (r) => errors.push(r) });
  const got: number[] = [];
  await bus.subscribe('verdict', 'security', (v) => {
    if (v.signatureId === 2) throw new Error('cache full');
    got.push(v.signatureId);
  });
  await bus.subscribe('verdict', 'audit', async (v) => {
    if (v.signatureId === 1) throw new Error('disk full');
    got.push(100 + v.signatureId);
  });
  for (let s = 1; s <= 3; s++) bus.publish('verdict', verdictFor(s));
  await bus.flush();
  assert.deepEqual(
    got.sort((a, b) => a - b),
    [1, 3, 102, 103],
  );
  assert.deepEqual(errors.map((e) => `${e.group} ${e.id} ${e.error.message}`).sort(), [
    'audit 0-1 disk full',
    'security 0-2 cache full',
  ]);
  assert.equal(bus.stats.handlerErrors, 2);
  await bus.close();
});

test('one handler per group and topic; a closed subscription gets nothing more', async () => {
  const bus = new InProcessBus();
  const got: number[] = [];
  const sub = await bus.subscribe('verdict', 'security', (v) => {
    got.push(v.signatureId);
  });
  await assert.rejects(
    bus.subscribe('verdict', 'security', () => undefined),
    /group 'security' already subscribes to 'verdict'/,
  );
  bus.publish('verdict', verdictFor(1));
  await sub.close();
  bus.publish('verdict', verdictFor(2));
  assert.deepEqual(got, [1]);
  await bus.subscribe('verdict', 'security', (v) => {
    got.push(v.signatureId);
  });
  bus.publish('verdict', verdictFor(3));
  assert.deepEqual(got, [1, 3]);
  await bus.close();
});

test('a custom topic catalogue: a new component adds its topics without changing the framework', async () => {
  interface Mine {
    'scan-done': { target: string; ports: number[] };
  }
  const catalog: TopicCatalog<Mine> = {
    'scan-done': z.object({ target: z.string(), ports: z.array(z.number().int()) }),
  };
  const bus = new InProcessBus<Mine>({ catalog });
  const got: string[] = [];
  await bus.subscribe('scan-done', 'report', (m) => {
    got.push(`${m.target}:${m.ports.join(',')}`);
  });
  bus.publish('scan-done', { target: 'cam-1', ports: [23, 80] });
  assert.throws(() => bus.publish('scan-done', { target: 'cam-2', ports: [1.5] }), /ports\.0: /);
  assert.deepEqual(got, ['cam-1:23,80']);
  await bus.close();
});

test('the bus is a component: started and stopped by the registry, health reported', async () => {
  const bus = new InProcessBus();
  const r = new ComponentRegistry().add(bus);
  await r.start();
  await bus.subscribe('model-version', 'identify', () => undefined);
  bus.publish('model-version', {
    model: 'identify',
    version: 3,
    change: 'activated',
    at: new Date().toISOString(),
  });
  const h = r.health().components[0];
  assert.equal(h.name, 'bus');
  assert.equal(h.ok, true);
  assert.match(h.detail ?? '', /in process: 1 subscription\(s\), 1 published, 0 handler error\(s\)/);
  assert.deepEqual(bus.config.topics, [
    'verdict',
    'cache-entry',
    'device',
    'honeypot-session',
    'model-version',
    'intervention',
  ]);
  await r.stop();
  assert.throws(
    () =>
      bus.publish('model-version', {
        model: 'identify',
        version: 4,
        change: 'activated',
        at: '2024-01-01T00:00:00Z',
      }),
    /bus closed/,
  );
});
