import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { moat, startMoat } from '../helpers/moat-cli.js';
import { freePort } from '../helpers/free-port.js';
import { ConsoleClient } from './https-client.js';
import { haveRedisServer, startRedisServer } from '../framework/redis-server.js';
import { RedisStreamsBus } from '../../src/framework/index.js';
import { createRedisClient, openSqlite } from '../../src/store/index.js';
import { DeviceTable } from '../../src/gateway/index.js';

test('moat console: certificate made at first boot, its fingerprint printed, kept on restart; EVE loaded and followed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-console-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'moat.db');
  const state = join(dir, 'state');
  const synth = moat(['synth', '--seed', '2', '--scenario', 'scan', '--out', join(dir, 's.pcap')]);
  assert.equal(synth.status, 0, synth.stderr);
  const an = moat(['analyze', join(dir, 's.pcap'), '--review', '--eve', join(dir, 'eve.json')]);
  assert.equal(an.status, 0, an.stderr);
  const imp = moat(['console', 'import', '--db', db, '--state-dir', state, join(dir, 'eve.json')]);
  assert.equal(imp.status, 0, imp.stderr);
  assert.match(imp.stdout, /: [1-9]\d* alerts, [1-9]\d* flows/);

  const fingerprints: string[] = [];
  for (let run = 0; run < 2; run++) {
    const port = await freePort();
    const child = startMoat(['console', '--db', db, '--listen', `127.0.0.1:${port}`, '--state-dir', state]);
    try {
      await child.waitFor(/fingerprint [0-9A-F:]{95}/);
      const fp = /fingerprint ([0-9A-F:]{95})/.exec(child.stdout())![1];
      const cert = readFileSync(join(state, 'console-cert.pem'), 'utf8');
      assert.equal(new X509Certificate(cert).fingerprint256, fp);
      assert.match(child.stdout(), run === 0 ? /made now/ : /kept/);
      fingerprints.push(fp);
      const cl = new ConsoleClient(`https://127.0.0.1:${port}`, cert);
      assert.deepEqual((await cl.call('GET', '/api/session')).body, {
        authenticated: false,
        setupNeeded: true,
      });
      assert.equal((await cl.call('GET', '/api/alerts')).status, 401);
    } finally {
      await child.stop();
    }
  }
  assert.equal(fingerprints[0], fingerprints[1]);

  // --follow: an alert appended to a followed EVE file goes live.
  const followed = join(dir, 'live.json');
  writeFileSync(followed, '');
  const port = await freePort();
  const child = startMoat([
    'console',
    '--db',
    db,
    '--listen',
    `127.0.0.1:${port}`,
    '--state-dir',
    state,
    '--follow',
    followed,
  ]);
  try {
    await child.waitFor(/fingerprint/);
    const cl = new ConsoleClient(
      `https://127.0.0.1:${port}`,
      readFileSync(join(state, 'console-cert.pem'), 'utf8'),
    );
    assert.equal(
      (await cl.call('POST', '/api/setup/admin', { user: 'admin', password: 'a long passphrase' })).status,
      200,
    );
    assert.equal((await cl.login('admin', 'a long passphrase')).status, 200);
    const before = Number((await cl.call('GET', '/api/alerts')).body.total);
    const alert = readFileSync(join(dir, 'eve.json'), 'utf8')
      .split('\n')
      .find((l) => l.includes('"event_type":"alert"'))!;
    appendFileSync(followed, `${alert}\n`);
    let after = before;
    for (let i = 0; i < 50 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = Number((await cl.call('GET', '/api/alerts')).body.total);
    }
    assert.equal(after, before + 1);
  } finally {
    await child.stop();
  }
  const bad = moat(['console', '--db', db, '--listen', 'nowhere']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--listen nowhere: expected ADDRESS:PORT/);
});

test(
  'moat console --bus: restricting a device announces a device-level drop on the Redis Streams bus; lifting deletes it',
  { skip: haveRedisServer() ? false : 'redis-server not installed' },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'moat-console-bus-'));
    const redis = await startRedisServer();
    const bus = new RedisStreamsBus({ redis: createRedisClient, url: redis.url });
    t.after(async () => {
      await bus.close();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    const db = join(dir, 'moat.db');
    const store = openSqlite(db);
    new DeviceTable(store).record(
      [{ mac: '02:00:0a:00:00:42', ip: '10.0.0.66', hostname: 'old-laptop' }],
      () => 'lan',
    );
    store.db.close();
    const seen: string[] = [];
    await bus.subscribe('cache-entry', 'gateway', (m) => {
      seen.push(`${m.change} ${m.entry.srcIp}->${m.entry.dstIp} ${m.entry.operation} ${m.entry.diagnosis}`);
    });
    const port = await freePort();
    const state = join(dir, 'state');
    const child = startMoat([
      'console',
      '--db',
      db,
      '--listen',
      `127.0.0.1:${port}`,
      '--state-dir',
      state,
      '--bus',
      redis.url,
    ]);
    try {
      await child.waitFor(/fingerprint/);
      const cl = new ConsoleClient(
        `https://127.0.0.1:${port}`,
        readFileSync(join(state, 'console-cert.pem'), 'utf8'),
      );
      await cl.call('POST', '/api/setup/admin', { user: 'admin', password: 'a long passphrase' });
      assert.equal((await cl.login('admin', 'a long passphrase')).status, 200);
      for (const restricted of [true, false]) {
        const r = await cl.call('POST', '/api/devices/02:00:0a:00:00:42/restriction', { restricted });
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
      for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(seen, ['put 10.0.0.66->* drop operator', 'del 10.0.0.66->* drop operator']);
    } finally {
      await child.stop();
    }
  },
);
