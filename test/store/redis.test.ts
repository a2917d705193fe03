/**
 * The one Redis client factory: URLs it cannot use are refused with the URL named; against a real redis-server, a
 * client and its subscriber connection (the event cache share's and the bus's pattern) talk to each other, and a
 * component closing its part leaves the caller's client usable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/free-port.js';
import { createRedisClient, subscriberOf } from '../../src/store/index.js';
import { RedisHeatHistory } from '../../src/tlsmon/history/redis-history.js';

test('URLs the factory cannot use are refused, naming them', () => {
  assert.throws(
    () => createRedisClient('localhost:6379'),
    /redis: 'localhost:6379' has scheme localhost: \(expected redis:\/\/ or rediss:\/\/\)/,
  );
  assert.throws(() => createRedisClient('not a url'), /redis: 'not a url' is not a URL/);
  assert.throws(() => createRedisClient('postgres://h/db'), /scheme postgres:/);
});

test('a client, its subscriber, and a component sharing the client', async (t) => {
  if (spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0) {
    t.skip('redis-server not installed (scripts/setup.sh installs it)');
    return;
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'moat-redis-store-'));
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}/0`;
  const client = createRedisClient(url, { connectionName: 'moat-test' });
  const sub = subscriberOf(client, 'moat-test-sub');
  try {
    for (let i = 0; i < 50; i++) {
      try {
        await client.ping();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const got = new Promise<string>((resolve) => sub.on('message', (_c: string, m: string) => resolve(m)));
    await sub.subscribe('moat:test');
    await client.publish('moat:test', 'hello');
    assert.equal(await got, 'hello');
    const names = String(await client.client('LIST'));
    assert.match(names, /name=moat-test /);
    assert.match(names, /name=moat-test-sub /);

    // The heat history uses the caller's client; closing it waits for its writes and leaves the client open.
    const h = new RedisHeatHistory(client, 60, 3600, 'moat:test:heat:');
    h.record([['cert', 'ab:cd']], 1_750_000_000);
    await h.close();
    assert.equal(
      await client.hget('moat:test:heat:cert\u0000ab:cd', String(Math.floor(1_750_000_000 / 60))),
      '1',
    );
  } finally {
    await sub.quit().catch(() => sub.disconnect());
    await client.quit().catch(() => client.disconnect());
    server.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loading the store and the security stage leaves String.prototype in fast mode (ioredis loads on first use)', () => {
  // ioredis's module setup puts String.prototype in dictionary mode, which makes every string method call in
  // optimized code (the EVE writer's charCodeAt loops, the parsers) a generic lookup: `analyze --rules` paid ~0.6
  // CPU s on the bench capture for it. A fresh process, because this test process may have loaded ioredis already.
  const mods = ['../../src/store/index.js', '../../src/cli/commands/security-stage.js'].map(
    (m) => new URL(m, import.meta.url).href,
  );
  const code =
    `const mods = ${JSON.stringify(mods)};` +
    `for (const m of mods) await import(m);` +
    `const fast = new Function('o', 'return %HasFastProperties(o)');` +
    `process.stdout.write(String(fast(String.prototype)));` +
    `await import('ioredis');` +
    `process.stdout.write(' ' + String(fast(String.prototype)));`;
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', code], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  // The second word shows the check can see what it guards against: after ioredis itself loads, it is slow.
  assert.equal(r.stdout, 'true false');
});
