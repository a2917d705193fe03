/**
 * The component registry: dependency order whatever the order of registration, reverse stop, unknown dependencies
 * and cycles refused with their names before anything starts, a failed start rolled back in reverse, stop going on
 * past a failure, and every component's health in one report.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ComponentGraphError,
  ComponentRegistry,
  ComponentStartError,
  ComponentStopError,
  defineComponent,
  type Component,
  type Health,
} from '../../src/framework/index.js';

interface Opts {
  dependsOn?: string[];
  failStart?: boolean;
  failStop?: boolean;
  health?: () => Health;
}

/** A component that logs its starts and stops into `log`. */
function part(log: string[], name: string, o: Opts = {}): Component<{ port: number }> {
  return defineComponent({
    name,
    config: { port: 8000 + log.length },
    dependsOn: o.dependsOn,
    start: async () => {
      await new Promise((r) => setImmediate(r));
      if (o.failStart) throw new Error(`${name} cannot bind`);
      log.push(`start ${name}`);
    },
    stop: () => {
      log.push(`stop ${name}`);
      if (o.failStop) throw new Error(`${name} hung up`);
    },
    health: o.health,
  });
}

test('starts in dependency order whatever the registration order, and stops in reverse', async () => {
  const log: string[] = [];
  const r = new ComponentRegistry()
    .add(part(log, 'api', { dependsOn: ['tlsmon'] }))
    .add(part(log, 'capture', { dependsOn: ['tlsmon', 'bus'] }))
    .add(part(log, 'tlsmon', { dependsOn: ['bus', 'store'] }))
    .add(part(log, 'store'))
    .add(part(log, 'bus'));
  assert.deepEqual(r.order(), ['bus', 'store', 'tlsmon', 'api', 'capture']);
  await r.start();
  assert.deepEqual(log, ['start bus', 'start store', 'start tlsmon', 'start api', 'start capture']);
  const h = r.health();
  assert.equal(h.ok, true);
  assert.deepEqual(
    h.components.map((c) => `${c.name}:${c.state}`),
    ['bus:running', 'store:running', 'tlsmon:running', 'api:running', 'capture:running'],
  );
  log.length = 0;
  await r.stop();
  assert.deepEqual(log, ['stop capture', 'stop api', 'stop tlsmon', 'stop store', 'stop bus']);
  assert.ok(r.health().components.every((c) => c.state === 'stopped' && !c.ok));
  assert.equal(r.get<Component<{ port: number }>>('tlsmon')?.config.port, 8000);
});

test('an unknown dependency is refused by name before anything starts', async () => {
  const log: string[] = [];
  const r = new ComponentRegistry()
    .add(part(log, 'bus'))
    .add(part(log, 'security', { dependsOn: ['bus', 'stor'] }));
  await assert.rejects(r.start(), (err: unknown) => {
    assert.ok(err instanceof ComponentGraphError);
    assert.equal(err.kind, 'unknown-dependency');
    assert.deepEqual(err.names, ['security', 'stor']);
    assert.match(
      err.message,
      /component 'security' depends on 'stor', which is not registered \(registered: bus, security\)/,
    );
    return true;
  });
  assert.deepEqual(log, [], 'nothing started');
});

test('a dependency cycle is refused with the cycle spelled out', async () => {
  const log: string[] = [];
  const r = new ComponentRegistry()
    .add(part(log, 'bus'))
    .add(part(log, 'a', { dependsOn: ['bus', 'b'] }))
    .add(part(log, 'b', { dependsOn: ['c'] }))
    .add(part(log, 'c', { dependsOn: ['a'] }));
  await assert.rejects(r.start(), (err: unknown) => {
    assert.ok(err instanceof ComponentGraphError);
    assert.equal(err.kind, 'cycle');
    assert.deepEqual(err.names, ['a', 'b', 'c']);
    assert.equal(err.message, 'dependency cycle: a → b → c → a');
    return true;
  });
  assert.deepEqual(log, []);
  const self = new ComponentRegistry().add(part(log, 'loop', { dependsOn: ['loop'] }));
  assert.throws(() => self.order(), /dependency cycle: loop → loop/);
});

test('a name registered twice is refused', () => {
  const log: string[] = [];
  const r = new ComponentRegistry().add(part(log, 'bus'));
  assert.throws(
    () => r.add(part(log, 'bus')),
    (err: unknown) =>
      err instanceof ComponentGraphError &&
      err.kind === 'duplicate' &&
      /'bus' is registered twice/.test(err.message),
  );
});

test('a failed start stops the components already started, in reverse, and names the one that failed', async () => {
  const log: string[] = [];
  const r = new ComponentRegistry()
    .add(part(log, 'bus'))
    .add(part(log, 'store'))
    .add(part(log, 'api', { dependsOn: ['bus', 'store'], failStart: true }))
    .add(part(log, 'capture', { dependsOn: ['api'] }));
  await assert.rejects(r.start(), (err: unknown) => {
    assert.ok(err instanceof ComponentStartError);
    assert.equal(err.component, 'api');
    assert.equal((err.cause as Error).message, 'api cannot bind');
    assert.equal(err.message, "component 'api' failed to start: api cannot bind");
    assert.deepEqual(err.rollbackErrors, []);
    return true;
  });
  assert.deepEqual(log, ['start bus', 'start store', 'stop store', 'stop bus']);
  const states = Object.fromEntries(r.health().components.map((c) => [c.name, c.state]));
  assert.deepEqual(states, { bus: 'stopped', store: 'stopped', api: 'failed', capture: 'registered' });
  assert.match(r.health().components[2].detail ?? '', /api cannot bind/);
  // Nothing is left running: stopping now has nothing to do.
  log.length = 0;
  await r.stop();
  assert.deepEqual(log, []);
});

test('a rollback that fails too is reported with the start failure', async () => {
  const log: string[] = [];
  const r = new ComponentRegistry()
    .add(part(log, 'bus', { failStop: true }))
    .add(part(log, 'api', { dependsOn: ['bus'], failStart: true }));
  await assert.rejects(
    r.start(),
    /component 'api' failed to start: api cannot bind; stopping the others also failed: bus: bus hung up/,
  );
});

test('stop goes on past a component that fails to stop, then reports it', async () => {
  const log: string[] = [];
  const r = new ComponentRegistry()
    .add(part(log, 'bus'))
    .add(part(log, 'tlsmon', { dependsOn: ['bus'], failStop: true }))
    .add(part(log, 'api', { dependsOn: ['tlsmon'] }));
  await r.start();
  log.length = 0;
  await assert.rejects(r.stop(), (err: unknown) => {
    assert.ok(err instanceof ComponentStopError);
    assert.deepEqual(
      err.failures.map((f) => f.name),
      ['tlsmon'],
    );
    assert.match(err.message, /1 component\(s\) failed to stop: tlsmon: tlsmon hung up/);
    return true;
  });
  assert.deepEqual(log, ['stop api', 'stop tlsmon', 'stop bus']);
});

test('health of all components in one report: a sick one, one whose check throws', async () => {
  const log: string[] = [];
  let queue = 0;
  const r = new ComponentRegistry()
    .add(part(log, 'bus', { health: () => ({ ok: queue < 100, detail: `${queue} waiting` }) }))
    .add(
      part(log, 'api', {
        dependsOn: ['bus'],
        health: () => {
          throw new Error('socket gone');
        },
      }),
    );
  assert.deepEqual(
    r.health().components.map((c) => [c.name, c.state, c.ok]),
    [
      ['bus', 'registered', false],
      ['api', 'registered', false],
    ],
  );
  await r.start();
  let h = r.health();
  assert.equal(h.ok, false);
  assert.deepEqual(h.components[0], { name: 'bus', state: 'running', ok: true, detail: '0 waiting' });
  assert.deepEqual(h.components[1], {
    name: 'api',
    state: 'running',
    ok: false,
    detail: 'health check threw: socket gone',
  });
  queue = 500;
  h = r.health();
  assert.deepEqual(h.components[0], { name: 'bus', state: 'running', ok: false, detail: '500 waiting' });
  assert.throws(() => r.add(part(log, 'late')), /registry is running/);
  await r.stop();
});
