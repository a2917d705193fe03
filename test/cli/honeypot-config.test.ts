/**
 * The shipped configurations start as they are on a fresh machine (loopback, unprivileged ports, relay optional),
 * `moat relay keygen` makes the relay key, and a configuration still using the relay's old key name
 * (`relay.gateway`) starts with a note. Everything through the built CLI, in a scratch working directory (the
 * configurations' var/ paths are relative to it); each server is stopped by its PID.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { moat, startMoat } from '../helpers/moat-cli.js';
import { freePort } from '../helpers/free-port.js';

const CONFIG = join(process.cwd(), 'config');
/** Suricata's EVE timestamp: microseconds and a numeric offset. */
const EVE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000$/;

/** Opens a TCP connection, sends `text`, waits for the first reply bytes, closes. */
function poke(port: number, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(text));
    s.once('data', () => {
      s.destroy();
      resolve();
    });
    s.once('error', reject);
    setTimeout(() => {
      s.destroy();
      resolve();
    }, 3000);
  });
}

test(
  'moat honeypot --config config/honeypot.yaml starts as shipped; its EVE uses Suricata timestamps',
  { timeout: 60_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moat-hp-shipped-'));
    const hp = startMoat(['honeypot', '--config', join(CONFIG, 'honeypot.yaml')], { cwd: dir });
    try {
      await hp.waitFor(/mqtt on 127\.0\.0\.1:1883/);
      for (const line of ['telnet on 127.0.0.1:2323', 'ssh on 127.0.0.1:2222', 'http on 127.0.0.1:8081'])
        assert.ok(hp.stderr().includes(line), hp.stderr());
      await poke(2323, 'root\r\n');
      assert.equal(await hp.stop(), 0, hp.stderr());
      const events = readFileSync(join(dir, 'var', 'honeypot', 'eve.json'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { timestamp: string; event_type: string });
      assert.ok(events.length > 0 && events.every((e) => e.event_type === 'honeypot'));
      for (const e of events) assert.match(e.timestamp, EVE_TIME);
    } finally {
      await hp.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'moat relay keygen makes the key; moat relay --config config/relay.yaml then starts as shipped',
  { timeout: 60_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moat-relay-shipped-'));
    try {
      const before = moat(['relay', '--config', join(CONFIG, 'relay.yaml')], { cwd: dir });
      assert.equal(before.status, 2);
      assert.match(before.stderr, /keyFile var\/relay\.key: .*make one with `moat relay keygen --out FILE`/);

      const k = moat(['relay', 'keygen', '--out', 'var/relay.key'], { cwd: dir });
      assert.equal(k.status, 0, k.stderr);
      const keyFile = join(dir, 'var', 'relay.key');
      const key = readFileSync(keyFile, 'utf8');
      assert.match(key, /^[0-9a-f]{64}\n$/);
      assert.equal(statSync(keyFile).mode & 0o777, 0o600, 'owner-only');
      const again = moat(['relay', 'keygen', '--out', 'var/relay.key'], { cwd: dir });
      assert.equal(again.status, 2);
      assert.match(again.stderr, /var\/relay\.key: already exists; a relay key is never overwritten/);
      assert.equal(readFileSync(keyFile, 'utf8'), key, 'the existing key is kept');

      const relay = startMoat(['relay', '--config', join(CONFIG, 'relay.yaml')], { cwd: dir });
      try {
        await relay.waitFor(
          /moat relay: listening on 127\.0\.0\.1:7443, 3 device\(s\), fingerprint [0-9A-F:]{95}/,
        );
        assert.equal(await relay.stop(), 0, `${relay.child.signalCode} ${relay.stderr()}`);
      } finally {
        await relay.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'a honeypot configuration with the old relay.gateway key starts, with a deprecation note',
  { timeout: 60_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moat-hp-old-'));
    try {
      assert.equal(moat(['relay', 'keygen', '--out', join(dir, 'relay.key')]).status, 0);
      const closed = await freePort();
      const fp = Array.from({ length: 32 }, () => 'AB').join(':');
      const cfg = join(dir, 'hp.yaml');
      writeFileSync(
        cfg,
        [
          'telnet: [0]',
          'ssh: []',
          'http: []',
          'mqtt: []',
          `quarantineDir: ${join(dir, 'q')}`,
          `database: ${join(dir, 'm.db')}`,
          `eve: ${join(dir, 'eve.json')}`,
          'relay:',
          `  gateway: { host: 127.0.0.1, port: ${closed}, fingerprint: "${fp}" }`,
          `  keyFile: ${join(dir, 'relay.key')}`,
        ].join('\n') + '\n',
      );
      const hp = startMoat(['honeypot', '--config', cfg]);
      try {
        await hp.waitFor(/telnet on 127\.0\.0\.1:\d+/);
        assert.match(hp.stderr(), /hp\.yaml: relay\.gateway is deprecated, call it relay\.deviceEnd/);
        assert.equal(await hp.stop(), 0, hp.stderr());
        // The relay's events name its far end the device end.
        const relayEvents = readFileSync(join(dir, 'eve.json'), 'utf8')
          .trim()
          .split('\n')
          .map(
            (l) => JSON.parse(l) as { timestamp: string; honeypot: { action: string; device_end?: string } },
          )
          .filter((e) => e.honeypot.action.startsWith('relay_'));
        assert.ok(relayEvents.length > 0);
        for (const e of relayEvents) {
          assert.equal(e.honeypot.device_end, `127.0.0.1:${closed}`);
          assert.match(e.timestamp, EVE_TIME);
        }
      } finally {
        await hp.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
