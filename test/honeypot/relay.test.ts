import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeviceEndServer, RelayGate, RelayLink, selfSignedCert } from '../../src/honeypot/relay/index.js';
import { Pseudonymiser } from '../../src/dataset/index.js';
import { tempDir } from './helpers.js';

test('relay link: emulator while the device end is down, device after it comes up, sessions multiplexed', async () => {
  const dir = tempDir('relay');
  const log = join(dir, 'device.log');
  writeFileSync(log, '');
  const standin = fileURLToPath(new URL('../../src/honeypot/relay/device-standin.js', import.meta.url));
  const device = spawn(process.execPath, [standin, '0', log, '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<number>((r) =>
      device.stdout!.once('data', (d: Buffer) => r(Number(/ready (\d+)/.exec(d.toString())![1]))),
    );
    const cert = selfSignedCert();
    const psk = randomBytes(32);
    const gw = new DeviceEndServer(cert, psk, [
      { name: 'cam-1', protocol: 'shell', host: '127.0.0.1', port },
    ]);
    // reserve a port for the device end, then leave it closed: the link starts while the device end is down
    const gwPort = await gw.listen(0);
    await gw.close();
    const states: string[] = [];
    const link = new RelayLink({
      id: 'hp-t',
      key: psk,
      fingerprint: cert.fingerprint256,
      host: '127.0.0.1',
      port: gwPort,
      onState: (s) => void states.push(s),
    });
    assert.equal(await link.start(), false);
    const gate = new RelayGate(link, new Pseudonymiser(randomBytes(32)), [], 'hp-s1');
    const down = await gate.answer('uname -a');
    assert.deepEqual(down, { route: 'emulator', output: null }, 'no device end: the emulator answers');
    assert.equal((await gate.answer('chmod 777 x')).route, 'blocked');

    const gw2 = new DeviceEndServer(cert, psk, [
      { name: 'cam-1', protocol: 'shell', host: '127.0.0.1', port },
    ]);
    await gw2.listen(gwPort);
    try {
      const deadline = Date.now() + 10_000;
      while (!link.connected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok(link.connected, `reconnected (${states.join(',')})`);
      // two sessions at once over one tunnel, replies matched by request id
      const gate2 = new RelayGate(link, new Pseudonymiser(randomBytes(32)), [], 'hp-s2');
      const [a, b] = await Promise.all([gate.answer('uname -a'), gate2.answer('ps')]);
      assert.equal(a.route, 'device');
      assert.match(a.output!.toString(), /3\.18\.20/);
      assert.equal(b.route, 'device');
      assert.match(b.output!.toString(), /PID USER/);
      assert.deepEqual(readFileSync(log, 'utf8').split('\n').filter(Boolean).sort(), ['ps', 'uname -a']);
    } finally {
      link.close();
      await gw2.close();
    }
  } finally {
    device.kill('SIGKILL');
  }
});
