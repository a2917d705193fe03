import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Honeypot } from '../../src/honeypot/honeypot.js';
import { startHttp } from '../../src/honeypot/services/http.js';
import { startMqtt } from '../../src/honeypot/services/mqtt.js';
import { startCatchAll } from '../../src/honeypot/services/catchall.js';
import { loadHoneypotConfig, HoneypotConfigError } from '../../src/honeypot/config.js';
import { LineClient, tempDir } from './helpers.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

test('http persona records the posted credentials', async () => {
  const ended: string[] = [];
  const hp = new Honeypot({ quarantineDir: tempDir('q'), onEnd: (r) => void ended.push(JSON.stringify(r)) });
  const svc = await startHttp(hp, 0, '127.0.0.1', 'camera');
  try {
    const page = await (await fetch(`http://127.0.0.1:${svc.port()}/`)).text();
    assert.match(page, /NETSurveillance/);
    await fetch(`http://127.0.0.1:${svc.port()}/login.cgi`, {
      method: 'POST',
      body: 'username=admin&password=12345',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  } finally {
    await svc.close();
  }
  await new Promise((r) => setTimeout(r, 50));
  const all = ended.join('\n');
  assert.match(all, /"user":"admin","password":"12345"/);
});

test('mqtt broker records CONNECT credentials and publishes', async () => {
  const ended: string[] = [];
  const hp = new Honeypot({ quarantineDir: tempDir('q'), onEnd: (r) => void ended.push(JSON.stringify(r)) });
  const svc = await startMqtt(hp, 0, '127.0.0.1');
  try {
    const user = Buffer.from('bot');
    const pass = Buffer.from('mirai');
    const id = Buffer.from('x1');
    const str = (b: Buffer): Buffer => Buffer.concat([Buffer.from([b.length >> 8, b.length & 255]), b]);
    const varHead = Buffer.concat([str(Buffer.from('MQTT')), Buffer.from([4, 0xc2, 0, 60])]);
    const payload = Buffer.concat([str(id), str(user), str(pass)]);
    const connectPkt = Buffer.concat([
      Buffer.from([0x10, varHead.length + payload.length]),
      varHead,
      payload,
    ]);
    const topic = str(Buffer.from('cam/cmd'));
    const pub = Buffer.concat([Buffer.from([0x30, topic.length + 4]), topic, Buffer.from('ping')]);
    await new Promise<void>((resolve, reject) => {
      const s = connect(svc.port(), '127.0.0.1', () => s.write(connectPkt));
      s.once('data', (d) => {
        assert.equal(d[0], 0x20); // CONNACK
        s.write(pub);
        setTimeout(() => {
          s.destroy();
          resolve();
        }, 100);
      });
      s.on('error', reject);
    });
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    await svc.close();
  }
  const all = ended.join('\n');
  assert.match(all, /"user":"bot","password":"mirai"/);
  assert.match(all, /PUBLISH cam\/cmd ping/);
});

test('catch-all answers with a login and records commands', async () => {
  const hp = new Honeypot({ quarantineDir: tempDir('q') });
  const svc = await startCatchAll(hp, 0, '127.0.0.1');
  const c = await LineClient.open(svc.port());
  try {
    await c.until('login: ');
    c.send('admin');
    await c.until('Password: ');
    c.send('admin');
    await c.until('# ');
    c.send('uname -m');
    assert.match(await c.until('# '), /armv7l/);
  } finally {
    c.close();
    await svc.close();
  }
});

test('config: defaults, and errors name the field', () => {
  const d = loadHoneypotConfig();
  assert.deepEqual(d.telnet, [2323]);
  const dir = tempDir('cfg');
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'telnet: [99999]\n');
  assert.throws(
    () => loadHoneypotConfig(bad),
    (e: Error) => e instanceof HoneypotConfigError && /telnet\.0/.test(e.message),
  );
  writeFileSync(bad, 'nonsense: 1\n');
  assert.throws(() => loadHoneypotConfig(bad), HoneypotConfigError);
});
