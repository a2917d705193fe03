import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadHoneypotConfig, readKeyFile, HoneypotConfigError } from '../../src/honeypot/config.js';
import { loadDeviceEndConfig } from '../../src/honeypot/device-end-config.js';
import { tempDir } from './helpers.js';

const FP = Array.from({ length: 32 }, () => 'AB').join(':');

test('config: relay and timing sections validate, errors name the field and the file', () => {
  const dir = tempDir('cfg');
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const ok = loadHoneypotConfig(
    file(
      'ok.yaml',
      `timing: { scale: 0.5, seed: 3 }\nrelay:\n  id: hp-1\n  deviceEnd: { host: 10.0.0.2, port: 7443, fingerprint: "${FP}" }\n  keyFile: k\n`,
    ),
  );
  assert.equal(ok.relay?.deviceEnd.port, 7443);
  // The key's old name still loads, with a note.
  const notes: string[] = [];
  const old = loadHoneypotConfig(
    file(
      'old.yaml',
      `relay:\n  gateway: { host: 10.0.0.2, port: 7444, fingerprint: "${FP}" }\n  keyFile: k\n`,
    ),
    (m) => notes.push(m),
  );
  assert.equal(old.relay?.deviceEnd.port, 7444);
  assert.match(notes.join('\n'), /old\.yaml: relay\.gateway is deprecated, call it relay\.deviceEnd/);
  assert.throws(
    () =>
      loadHoneypotConfig(
        file(
          'both.yaml',
          `relay:\n  gateway: { host: h, port: 1, fingerprint: "${FP}" }\n  deviceEnd: { host: h, port: 1, fingerprint: "${FP}" }\n  keyFile: k\n`,
        ),
      ),
    /both\.yaml: relay: give deviceEnd only/,
  );
  assert.equal(ok.timing.scale, 0.5);
  assert.equal(ok.timing.bytesPerSecond, 350_000);
  assert.throws(
    () =>
      loadHoneypotConfig(
        file('fp.yaml', 'relay:\n  deviceEnd: { host: h, port: 1, fingerprint: "AB:CD" }\n  keyFile: k\n'),
      ),
    (e: Error) =>
      e instanceof HoneypotConfigError &&
      /fp\.yaml: relay\.deviceEnd\.fingerprint: expected AA:BB/.test(e.message),
  );
  assert.throws(() => loadHoneypotConfig(file('t.yaml', 'timing: { scale: -1 }\n')), /timing\.scale/);
  assert.throws(
    () => loadHoneypotConfig(file('u.yaml', 'timing: { speed: 1 }\n')),
    /timing: Unrecognized key/,
  );

  assert.equal(readKeyFile(file('good.key', 'ab'.repeat(32) + '\n'), 'keyFile').length, 32);
  assert.throws(
    () => readKeyFile(file('short.key', 'ab'.repeat(8)), 'keyFile'),
    /keyFile .*short\.key: 8 bytes, at least 32/,
  );
  assert.throws(() => readKeyFile(file('bad.key', 'xyz'), 'keyFile'), /bad\.key: not hex digits/);
  assert.throws(
    () => readKeyFile(join(dir, 'absent.key'), 'relay.keyFile'),
    /relay\.keyFile .*absent\.key: ENOENT/,
  );

  const end = loadDeviceEndConfig(
    file(
      'gw.yaml',
      'listen: { port: 7443 }\nkeyFile: k\ndevices:\n  - { name: cam, protocol: shell, host: h, port: 23 }\n',
    ),
  );
  assert.equal(end.devices[0].capacity, 2);
  assert.equal(end.listen.host, '127.0.0.1');
  assert.throws(
    () =>
      loadDeviceEndConfig(
        file(
          'gw2.yaml',
          'listen: { port: 1 }\nkeyFile: k\ndevices:\n  - { name: c, protocol: telnet, host: h, port: 23 }\n',
        ),
      ),
    /gw2\.yaml: devices\.0\.protocol/,
  );
  assert.throws(
    () => loadDeviceEndConfig(file('gw3.yaml', 'listen: { port: 1 }\nkeyFile: k\ndevices: []\n')),
    /gw3\.yaml: devices/,
  );
  assert.throws(
    () =>
      loadDeviceEndConfig(
        file(
          'gw4.yaml',
          'listen: { port: 1 }\nkeyFile: k\ntlsCert: c.pem\ndevices:\n  - { name: c, protocol: shell, host: h, port: 2 }\n',
        ),
      ),
    /tlsCert and tlsKey go together/,
  );
});

test('config: the shipped example configurations are valid and start on any machine', () => {
  const hp = loadHoneypotConfig(join(process.cwd(), 'config', 'honeypot.yaml'));
  // Loopback, unprivileged ports, no relay (it needs a key and a device end): `moat honeypot` starts as shipped.
  assert.equal(hp.bind, '127.0.0.1');
  const ports = [...hp.telnet, ...hp.ssh, ...hp.http.map((h) => h.port), ...hp.mqtt, ...hp.catchAll];
  assert.ok(ports.length > 0 && ports.every((p) => p >= 1024), ports.join(','));
  assert.equal(hp.relay, undefined);
  const end = loadDeviceEndConfig(join(process.cwd(), 'config', 'relay.yaml'));
  assert.deepEqual(
    end.devices.map((d) => `${d.name}/${d.protocol}`),
    ['cam-1/shell', 'router-1/shell', 'sensor-1/mqtt'],
  );
});
