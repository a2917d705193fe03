/**
 * A verdict from real traffic by another engine in another process: `moat tlsmon` watches the LAN side of the gateway
 * and judges a self-signed server risky under the enterprise policy (blocking on); the verdict travels on the Redis
 * Streams bus to `moat gateway --bus`, whose incident policy makes it an event-cache entry and whose enforcer puts it
 * in the kernel: the device's next connections to that destination, on any port, go nowhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADDR, Topology, canBuildTopology, waitFor } from './topology.js';
import { writeNetTools } from './net-tools.js';
import { writeVerdictTools } from './verdict-tools.js';
import { liveCaptureMissing } from '../helpers/live-capture.js';

const MOAT = fileURLToPath(new URL('../../../bin/moat.js', import.meta.url));
const POLICY = fileURLToPath(new URL('../../../config/policies.yaml', import.meta.url));
const DEV = '192.168.61.50';
const TLS_SERVER = '10.90.0.7';
const REDIS_PORT = 42160;
const API_PORT = 42161;

const TLS_SERVE = String.raw`
const tls = require('tls'), fs = require('fs');
const o = JSON.parse(process.argv[2]);
tls.createServer({ key: fs.readFileSync(o.key), cert: fs.readFileSync(o.cert), maxVersion: 'TLSv1.2' }, (s) => s.end('x'))
  .listen(443, o.host, () => console.log('listening'));
`;
const TLS_CLIENT = String.raw`
const tls = require('tls');
const o = JSON.parse(process.argv[2]);
const c = tls.connect({ host: o.host, port: 443, localAddress: o.from, servername: 'c2.moat.test', rejectUnauthorized: false }, () => c.end());
c.on('data', () => {});
c.on('close', () => console.log('closed'));
c.on('error', (e) => console.log(e.code));
`;

test('a risky TLS verdict from moat tlsmon reaches the gateway over the Redis bus and blocks the destination', async (t) => {
  const why =
    canBuildTopology() ??
    (spawnSync('sh', ['-c', 'command -v redis-server && command -v openssl']).status !== 0
      ? 'redis-server or openssl not installed'
      : liveCaptureMissing());
  if (why) {
    t.skip(why);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'moat-gwt-'));
  const topo = new Topology('mt');
  const net = writeNetTools(dir);
  const vt = writeVerdictTools(dir);
  const serveJs = join(dir, 'tlsserve.cjs');
  const clientJs = join(dir, 'tlsclient.cjs');
  writeFileSync(serveJs, TLS_SERVE);
  writeFileSync(clientJs, TLS_CLIENT);
  // The shipped policies, with the test LAN among the enterprise networks (blocking on; home only alerts).
  const policy = join(dir, 'policies.yaml');
  const shipped = readFileSync(POLICY, 'utf8');
  assert.ok(shipped.includes("sourceNets: ['10.0.0.0/8',"));
  writeFileSync(
    policy,
    shipped.replace("sourceNets: ['10.0.0.0/8',", "sourceNets: ['192.168.61.0/24', '10.0.0.0/8',"),
  );
  const cfg = join(dir, 'gateway.yaml');
  writeFileSync(
    cfg,
    `zones:
  wan: { interface: wan0, address: ${ADDR.gwWan}/24 }
  lan: { interface: lan0, address: ${ADDR.gwLan}/24 }
stateDir: ${dir}/state
database: ${dir}/moat.db
verdicts: { deception: { dnsPort: 42163, httpPort: 42164 } }
`,
  );
  const bus = `redis://127.0.0.1:${REDIS_PORT}/0`;
  let gwLog = '';
  let monLog = '';
  const connect = (host: string, port: number) => {
    const r = topo.exec('lan', process.execPath, [
      vt.connectJs,
      JSON.stringify({ host, port, from: DEV, timeoutMs: 1500 }),
    ]);
    return JSON.parse(r.stdout.trim() || '{"error":"none"}') as { ok?: boolean; error?: string };
  };
  const until = async (what: string, ok: () => boolean, ms = 15_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > end)
        throw new Error(
          `timed out waiting for ${what}\ngateway:\n${gwLog.slice(-2000)}\ntlsmon:\n${monLog.slice(-2000)}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  try {
    topo.build();
    topo.ip('-n', topo.ns.lan, 'addr', 'add', `${DEV}/24`, 'dev', 'eth0');
    topo.ip('-n', topo.ns.lan, 'route', 'add', 'default', 'via', ADDR.gwLan);
    topo.ip('-n', topo.ns.wan, 'addr', 'add', `${TLS_SERVER}/24`, 'dev', 'eth0');
    const gen = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'k.pem'),
      '-out',
      join(dir, 'c.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=c2.moat.test',
    ]);
    assert.equal(gen.status, 0, gen.stderr.toString());
    const tlsServer = topo.start('wan', process.execPath, [
      serveJs,
      JSON.stringify({ host: TLS_SERVER, key: join(dir, 'k.pem'), cert: join(dir, 'c.pem') }),
    ]);
    await waitFor(tlsServer, /listening/);
    const echo = topo.start('wan', process.execPath, [
      net.serverJs,
      JSON.stringify({ label: 'wan', tcp: [9000] }),
    ]);
    await waitFor(echo, /listening/);
    const redis = topo.start('gw', 'redis-server', [
      '--port',
      String(REDIS_PORT),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ]);
    await waitFor(redis, /Ready to accept connections/);

    const gw: ChildProcess = topo.start('gw', process.execPath, [
      MOAT,
      'gateway',
      '--config',
      cfg,
      '--bus',
      bus,
    ]);
    gw.stderr!.on('data', (d: Buffer) => (gwLog += d.toString()));
    await waitFor(gw, /running \(pid \d+\)/, 30_000);
    const mon = topo.start('gw', process.execPath, [
      MOAT,
      'tlsmon',
      '-i',
      'lan0',
      '--bpf',
      'tcp port 443',
      '--policy',
      policy,
      '--db',
      join(dir, 'tlsmon.db'),
      '--eve',
      join(dir, 'eve.json'),
      '--api',
      `127.0.0.1:${API_PORT}`,
      '--bus',
      bus,
    ]);
    mon.stderr!.on('data', (d: Buffer) => (monLog += d.toString()));
    mon.stdout!.on('data', (d: Buffer) => (monLog += d.toString()));
    await until('tlsmon up', () => monLog.includes('configuration API on'));
    await new Promise((r) => setTimeout(r, 1000));

    assert.ok(connect(TLS_SERVER, 9000).ok, 'before the verdict the destination is reachable');
    const hs = topo.exec('lan', process.execPath, [
      clientJs,
      JSON.stringify({ host: TLS_SERVER, from: DEV }),
    ]);
    assert.equal(hs.stdout.trim(), 'closed', hs.stderr);
    await until('the tlsmon verdict enforced', () =>
      /verdict drop: 192\.168\.61\.50\|10\.90\.0\.7\|0\|0\|0 \(tlsmon tlsmon:\d+\)/.test(gwLog),
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(
      connect(TLS_SERVER, 9000).error,
      'TIMEOUT',
      'the risky destination is blocked on every port',
    );
    assert.equal(connect(TLS_SERVER, 443).error, 'TIMEOUT');
    const list = topo.exec('gw', process.execPath, [
      MOAT,
      'gateway',
      'verdict',
      'list',
      '--config',
      cfg,
      '--json',
    ]);
    const rows = JSON.parse(list.stdout) as Array<{ diagnosis: string; operation: string; dstIp: string }>;
    assert.deepEqual(
      rows.map((r) => [r.diagnosis, r.operation, r.dstIp]),
      [['tlsmon', 'drop', TLS_SERVER]],
    );
  } finally {
    await topo.stopAll();
    topo.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
