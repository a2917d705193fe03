/**
 * The honeypot captures its own sessions (issue 16 build point 2): a real libpcap capture on loopback, split per
 * instance, bounded per session and in total; each ended session goes out on the `honeypot-session` topic with
 * its capture; through `moat honeypot`, the model registry records it as an incident live, `moat dataset build
 * --db` finds it without `--pcap` (and adds it once), and the signed manifest refuses one changed byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import {
  Honeypot,
  InstanceStore,
  SessionCapture,
  defaultCaptureConfig,
  startTelnet,
  type InstanceRecord,
} from '../../src/honeypot/index.js';
import { InProcessBus, RedisStreamsBus, type HoneypotSessionMessage } from '../../src/framework/index.js';
import { createRedisClient, openSqlite } from '../../src/store/index.js';
import { haveRedisServer, startRedisServer } from '../framework/redis-server.js';
import { sessionsOfCapture, type DatasetManifest } from '../../src/dataset/index.js';
import { moat, startMoat, type MoatChild } from '../helpers/moat-cli.js';
import { LineClient, telnetHoneypotYaml, tempDir } from './helpers.js';
import { liveCaptureMissing } from '../helpers/live-capture.js';

const missing = (): string | false => liveCaptureMissing() ?? false;

async function attack(port: number, password: string, extra: string[] = []): Promise<void> {
  const c = await LineClient.open(port);
  try {
    await c.until('login: ');
    c.send('root');
    await c.until('Password: ');
    c.send(password);
    await c.until('# ');
    c.send('uname -a; /bin/busybox MOATCAP');
    await c.until('# ');
    for (const line of extra) {
      c.send(line);
      await c.until('# ');
    }
    c.send('exit');
    await new Promise((r) => c.socket.once('close', r));
  } finally {
    c.close();
  }
}

/** The TCP flags of a classic pcap's first packet (Ethernet, IPv4: loopback on Linux). */
function firstTcpFlags(file: string): number {
  const b = readFileSync(file);
  const frame = 24 + 16;
  assert.equal(b.readUInt16BE(frame + 12), 0x0800, 'IPv4 over Ethernet');
  const ihl = (b[frame + 14] & 0x0f) * 4;
  return b[frame + 14 + ihl + 13];
}

test(
  'each instance gets its own capture from the SYN on; files are bounded per session and in total; ended sessions are published with it',
  { skip: missing(), timeout: 60_000 },
  async (t) => {
    const dir = tempDir('cap');
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const capDir = join(dir, 'captures');
    mkdirSync(capDir);
    // Files of an earlier run: one past the age limit, one big enough that the budget soon needs its room.
    writeFileSync(join(capDir, 'hp-ancient.pcap'), Buffer.alloc(1000));
    const old = Date.now() / 1000 - 40 * 86400;
    utimesSync(join(capDir, 'hp-ancient.pcap'), old, old);
    writeFileSync(join(capDir, 'hp-earlier.pcap'), Buffer.alloc(60_000));
    const hour = Date.now() / 1000 - 3600;
    utimesSync(join(capDir, 'hp-earlier.pcap'), hour, hour);

    const store = openSqlite(join(dir, 'moat.db'));
    t.after(() => store.close());
    const bus = new InProcessBus();
    const messages: HoneypotSessionMessage[] = [];
    await bus.subscribe('honeypot-session', 'test', (m) => void messages.push(m));
    const hp = new Honeypot({
      quarantineDir: join(dir, 'q'),
      instances: new InstanceStore(store),
      timing: { scale: 0 },
      onStart: (r) => bus.publish('honeypot-session', { phase: 'started', session: structuredClone(r) }),
      onDone: (r) =>
        bus.publish('honeypot-session', {
          phase: 'ended',
          session: structuredClone(r),
          labels: ['honeypot-intrusion'],
        }),
    });
    const svc = await startTelnet(hp, 0, '127.0.0.1');
    t.after(() => svc.close());
    const cap = new SessionCapture(
      {
        ...defaultCaptureConfig,
        dir: capDir,
        maxBytesPerSession: 8192,
        maxTotalBytes: 65536,
        maxAgeDays: 30,
        lingerMs: 300,
      },
      [svc.port()],
      '127.0.0.1',
    );
    t.after(() => cap.close());
    assert.equal(cap.iface, 'lo');
    assert.equal(cap.bpf, `tcp and (port ${svc.port()}) and host 127.0.0.1`);
    assert.ok(!existsSync(join(capDir, 'hp-ancient.pcap')), 'a file past maxAgeDays goes at start');
    assert.ok(existsSync(join(capDir, 'hp-earlier.pcap')), 'within the budget it stays');
    hp.recorder = cap;
    cap.start();

    await attack(svc.port(), 'xc3511');
    // A chatty second attacker: 30 lines of 1000 bytes, echoed back, pass the 8 KB per-session bound.
    await attack(
      svc.port(),
      'vizxv',
      Array.from({ length: 30 }, (_, i) => `echo ${String(i).repeat(1000).slice(0, 1000)}`),
    );
    await hp.settled();

    const ended = messages.filter((m) => m.phase === 'ended');
    assert.equal(messages.filter((m) => m.phase === 'started').length, 2);
    assert.equal(ended.length, 2);
    const [one, two] = ended.map((m) => m.session as InstanceRecord);
    for (const r of [one, two]) {
      assert.ok(r.capture?.complete, `${r.id}: capture complete when published`);
      assert.equal(r.capture.file, join(capDir, `${r.id}.pcap`));
      assert.ok(existsSync(r.capture.file));
      assert.equal(r.localPort, svc.port());
      assert.equal(r.peerIp, '127.0.0.1');
      assert.ok(r.end, 'ended');
      // The connection's handshake came before the instance existed, yet leads its file.
      assert.equal(firstTcpFlags(r.capture.file) & 0x12, 0x02, 'first packet is the SYN');
    }
    assert.deepEqual(ended[0].labels, ['honeypot-intrusion']);

    // The first session whole: moat's engine finds exactly its connection, with what was typed.
    assert.equal(one.capture!.dropped, 0);
    const s1 = await sessionsOfCapture(one.capture!.file, 784);
    assert.equal(s1.length, 1);
    assert.equal(s1[0].sp, one.peerPort);
    assert.equal(s1[0].dp, svc.port());
    const text = Buffer.from(s1[0].bytes).toString('latin1');
    assert.ok(text.includes('xc3511') && text.includes('MOATCAP'), text.slice(0, 200));
    assert.ok(!text.includes('vizxv'), 'the other session is not in this file');

    // The second was cut at its bound: later packets counted, not written.
    const c2 = two.capture!;
    assert.ok(c2.dropped > 0, JSON.stringify(c2));
    assert.ok(c2.bytes <= 8192, JSON.stringify(c2));
    assert.equal(statSync(c2.file).size, 24 + 16 * c2.packets + c2.bytes);

    // The store holds the final counts.
    const stored = new InstanceStore(store).get(two.id);
    assert.deepEqual(stored?.capture, c2);

    // The folder's budget: the earlier 60 KB file made room, the sessions' files stay.
    assert.ok(!existsSync(join(capDir, 'hp-earlier.pcap')), 'oldest file deleted past maxTotalBytes');
    assert.ok(existsSync(one.capture!.file) && existsSync(c2.file));
    assert.equal(cap.counters.deleted, 2);
    await bus.close();
  },
);

test(
  'moat honeypot: its sessions become registry incidents live; dataset build --db finds them without --pcap; the signed manifest refuses one changed byte',
  { skip: missing(), timeout: 300_000 },
  async (t) => {
    const dir = tempDir('cap-cli');
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const db = join(dir, 'moat.db');
    writeFileSync(
      join(dir, 'hp.yaml'),
      telnetHoneypotYaml(
        dir,
        ['bind: 127.0.0.1', 'timing: { scale: 0 }', 'capture: { lingerMs: 200, maxTotalBytes: 1048576 }'],
        db,
      ),
    );
    const hp = startMoat(['honeypot', '--config', join(dir, 'hp.yaml')]);
    t.after(async () => {
      if (hp.child.exitCode === null) await hp.stop();
    });
    await hp.waitFor(/capturing sessions on lo \(tcp and \(port \d+\) and host 127\.0\.0\.1\)/);
    await hp.waitFor(/telnet on 127\.0\.0\.1:\d+/);
    const port = Number(/telnet on 127\.0\.0\.1:(\d+)/.exec(hp.stderr())![1]);
    await attack(port, 'xc3511');
    // Live: the registry has the session before anything else runs.
    await hp.waitFor(/\d+ session\(s\) of hp-[0-9a-f]{16} saved as model-registry incidents/, 60_000);
    assert.equal(await hp.stop(), 0, hp.stderr());

    const sql = new Database(db, { readonly: true });
    const rows = sql.prepare('SELECT id, capture FROM honeypot_instances').all() as Array<{
      id: string;
      capture: string | null;
    }>;
    const incidents = sql.prepare('SELECT source FROM ml_incidents').all() as Array<{ source: string }>;
    sql.close();
    assert.equal(rows.length, 1);
    const ref = JSON.parse(rows[0].capture ?? 'null') as { file: string; complete: boolean; packets: number };
    assert.ok(ref.complete && ref.packets > 0 && existsSync(ref.file), JSON.stringify(ref));
    assert.equal(incidents.length, 1);
    assert.equal(incidents[0].source, `honeypot:${rows[0].id} honeypot-intrusion`);

    // The appliance's key signs the manifest; another key is not trusted.
    const key = (name: string): { priv: string; pub: string } => {
      const k = generateKeyPairSync('ed25519');
      const priv = join(dir, `${name}.key`);
      const pub = join(dir, `${name}.pub`);
      writeFileSync(priv, k.privateKey.export({ format: 'pem', type: 'pkcs8' }));
      writeFileSync(pub, k.publicKey.export({ format: 'pem', type: 'spki' }));
      return { priv, pub };
    };
    const appliance = key('appliance');
    const other = key('other');
    const ds = join(dir, 'ds');
    const b = moat(['dataset', 'build', '--db', db, '--out', ds, '--sign', appliance.priv, '--json']);
    assert.equal(b.status, 0, b.stderr);
    const m = JSON.parse(b.stdout) as DatasetManifest & { incidentsAdded: number };
    assert.deepEqual(m.honeypotCaptures, { read: 1, missing: 0 });
    assert.deepEqual(
      m.sources.map((s) => [s.kind, s.ref, s.rows]),
      [['honeypot', `honeypot:${rows[0].id}`, [0, 1]]],
    );
    assert.equal(m.classes.find((c) => c.name === 'honeypot-intrusion')?.count, 1);
    assert.equal(m.incidentsAdded, 0, 'the live path recorded this session already');
    assert.match(m.signature?.keyId ?? '', /^[0-9a-f]{16}$/);
    const images = gunzipSync(readFileSync(join(ds, 'images-idx3-ubyte.gz'))).toString('latin1');
    assert.ok(images.includes('MOATCAP') && !images.includes('xc3511'), 'desensitised as before');

    const ok = moat(['dataset', 'verify', ds, '--key', other.pub, '--key', appliance.pub]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`ok — manifest signed by ${m.signature!.keyId}`));
    const nokey = moat(['dataset', 'verify', ds]);
    assert.equal(nokey.status, 2);
    assert.match(nokey.stderr, /give --key PUB .* or --allow-unsigned/);
    const stranger = moat(['dataset', 'verify', ds, '--key', other.pub]);
    assert.equal(stranger.status, 2);
    assert.match(stranger.stderr, /manifest\.json: signed by key [0-9a-f]{16}, which is not trusted/);

    const manifestText = readFileSync(join(ds, 'manifest.json'), 'utf8');
    const tampered = (name: string, text: string): string => {
      const d = join(dir, name);
      mkdirSync(d);
      for (const f of ['images-idx3-ubyte.gz', 'labels-idx1-ubyte.gz'])
        writeFileSync(join(d, f), readFileSync(join(ds, f)));
      writeFileSync(join(d, 'manifest.json'), text);
      return d;
    };
    // One byte of the pseudonym list (what the privacy check lets through) changed.
    const at = manifestText.indexOf('"pseudonyms"');
    const i = manifestText.indexOf('cred-', at) + 5;
    assert.ok(i > 5, 'the build put pseudonyms in');
    const flipped =
      manifestText.slice(0, i) + (manifestText[i] === 'a' ? 'b' : 'a') + manifestText.slice(i + 1);
    const v1 = moat(['dataset', 'verify', tampered('t1', flipped), '--key', appliance.pub]);
    assert.equal(v1.status, 2, v1.stdout);
    assert.match(v1.stderr, /signature by [0-9a-f]{16} does not verify: the manifest was changed/);
    // One byte of the signature changed.
    const sm = JSON.parse(manifestText) as DatasetManifest;
    const sig = Buffer.from(sm.signature!.value, 'base64');
    sig[7] ^= 0x01;
    const v2 = moat([
      'dataset',
      'verify',
      tampered(
        't2',
        JSON.stringify({ ...sm, signature: { ...sm.signature, value: sig.toString('base64') } }),
      ),
      '--key',
      appliance.pub,
    ]);
    assert.equal(v2.status, 2, v2.stdout);
    assert.match(v2.stderr, /does not verify/);
    // The signature removed: refused where a key is required, accepted only with --allow-unsigned.
    const { signature: _s, ...bare } = sm;
    const t3 = tampered('t3', JSON.stringify(bare));
    const v3 = moat(['dataset', 'verify', t3, '--key', appliance.pub]);
    assert.equal(v3.status, 2);
    assert.match(v3.stderr, /the manifest is not signed/);
    const v4 = moat(['dataset', 'verify', t3, '--allow-unsigned']);
    assert.equal(v4.status, 0, v4.stderr);
    assert.match(v4.stdout, /unsigned \(allowed\)/);
  },
);

test(
  'moat honeypot --bus: another process receives honeypot-session on Redis Streams, the ended message with its complete capture',
  { skip: missing() || (haveRedisServer() ? false : 'redis-server not installed'), timeout: 120_000 },
  async (t) => {
    const dir = tempDir('cap-bus');
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const redis = await startRedisServer();
    // The consumer (as the gateway or the console would be): its own bus, group 'test', from the first message.
    const bus = new RedisStreamsBus({ redis: createRedisClient, url: redis.url });
    const running: { hp?: MoatChild } = {};
    // In this order: the honeypot and the consumer leave before the server they flush to.
    t.after(async () => {
      if (running.hp && running.hp.child.exitCode === null) await running.hp.stop();
      await bus.close();
      await redis.stop();
    });
    const got: HoneypotSessionMessage[] = [];
    await bus.subscribe('honeypot-session', 'test', (m) => void got.push(m), { from: 'start' });
    writeFileSync(
      join(dir, 'hp.yaml'),
      telnetHoneypotYaml(dir, ['timing: { scale: 0 }', 'capture: { lingerMs: 200 }']),
    );
    const hp = startMoat([
      'honeypot',
      '--config',
      join(dir, 'hp.yaml'),
      '--bus',
      redis.url,
      '--no-incidents',
    ]);
    running.hp = hp;
    await hp.waitFor(/capturing sessions on lo/);
    await hp.waitFor(/telnet on 127\.0\.0\.1:\d+/);
    const port = Number(/telnet on 127\.0\.0\.1:(\d+)/.exec(hp.stderr())![1]);
    await attack(port, 'xc3511');
    for (let i = 0; i < 1200 && !got.some((m) => m.phase === 'ended'); i++)
      await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      got.map((m) => m.phase),
      ['started', 'ended'],
    );
    const end = got[1];
    assert.equal(end.session.localPort, port);
    assert.ok(end.session.capture?.complete && end.session.capture.packets > 0, JSON.stringify(end.session));
    assert.ok(existsSync(end.session.capture.file));
    assert.deepEqual(end.labels, ['honeypot-intrusion']);
    assert.ok(end.session.credentials.some((c) => c.password === 'xc3511' && c.accepted));
    assert.equal(await hp.stop(), 0, hp.stderr());
    assert.doesNotMatch(hp.stderr(), /model-registry incidents/, '--no-incidents');
  },
);

test('a capture that cannot open: a warning and no capture (optional), or one line and exit 2', async (t) => {
  const dir = tempDir('cap-bad');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = (capture: string): string => {
    const f = join(dir, `hp-${capture.length}.yaml`);
    writeFileSync(f, telnetHoneypotYaml(dir, [`capture: ${capture}`]));
    return f;
  };
  const soft = startMoat(['honeypot', '--config', config('{ interface: nosuch0 }')]);
  t.after(async () => {
    if (soft.child.exitCode === null) await soft.stop();
  });
  await soft.waitFor(/telnet on 127\.0\.0\.1:\d+/);
  assert.match(soft.stderr(), /sessions are not captured: .*nosuch0.*capture\.optional: false/);
  assert.equal(await soft.stop(), 0);
  const hard = moat(['honeypot', '--config', config('{ interface: nosuch0, optional: false }')], {
    timeoutMs: 30_000,
  });
  assert.equal(hard.status, 2, hard.stderr);
  assert.match(hard.stderr, /nosuch0/);
  assert.doesNotMatch(hard.stderr, /\n\s+at /);
  const bad = moat(['honeypot', '--config', config('{ maxBytesPerSession: 10 }')], { timeoutMs: 30_000 });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /capture\.maxBytesPerSession: /);
});
