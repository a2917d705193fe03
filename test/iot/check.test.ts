/**
 * The initial check's probes against real servers on loopback: TLS services that accept TLS 1.0 or offer
 * only weak suites and one that does neither; Telnet logins that take a Mirai pair late in the list, hang up after
 * each failure, take none, or never answer; HTTP basic authentication with a default password.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttp } from 'node:http';
import { createServer as createTcp, type Server } from 'node:net';
import { createServer as createTls, type TlsOptions } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { selfSignedCertificate } from '../../src/framework/index.js';
import { MIRAI_CREDENTIALS, probeTls, telnetDefaultLogin, checkTable } from '../../src/iot/index.js';
import { httpBasicDefaultLogin } from '../../src/iot/check/http-basic.js';

const cert = selfSignedCertificate({ commonName: 'device.test', altNames: ['IP:127.0.0.1'] });

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

async function tlsServer(o: TlsOptions): Promise<{ port: number; close: () => void }> {
  const s = createTls({ ...cert, ...o }, (sock) => sock.end());
  s.on('tlsClientError', () => {});
  const port = await listen(s);
  return { port, close: () => s.close() };
}

test('Mirai’s credential list: ~60 distinct pairs, the well-known ones in it', () => {
  assert.ok(MIRAI_CREDENTIALS.length >= 60);
  assert.equal(new Set(MIRAI_CREDENTIALS.map(([u, p]) => `${u}\0${p}`)).size, MIRAI_CREDENTIALS.length);
  for (const pair of [
    ['root', 'xc3511'],
    ['admin', 'admin'],
    ['root', 'vizxv'],
    ['ubnt', 'ubnt'],
  ])
    assert.ok(
      MIRAI_CREDENTIALS.some(([u, p]) => u === pair[0] && p === pair[1]),
      pair.join('/'),
    );
});

test('outdated TLS: TLS 1.0 accepted, only weak suites, and a modern service', async (t) => {
  const old = await tlsServer({ minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
  const weak = await tlsServer({
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.2',
    ciphers: 'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0',
  });
  const modern = await tlsServer({});
  t.after(() => [old, weak, modern].forEach((s) => s.close()));
  const o = await probeTls('127.0.0.1', old.port, 3000);
  assert.deepEqual(o.oldVersions, ['TLSv1']);
  assert.equal(o.speaksTls, true);
  const w = await probeTls('127.0.0.1', weak.port, 3000);
  assert.deepEqual(w.oldVersions, []);
  assert.equal(w.onlyWeakCiphers, true);
  assert.equal(w.weakCipher, 'ECDHE-ECDSA-AES128-SHA');
  const m = await probeTls('127.0.0.1', modern.port, 3000);
  assert.deepEqual(m, { oldVersions: [], onlyWeakCiphers: false, speaksTls: true, weakCipher: undefined });
});

/** A telnetd: login/Password prompts; `triesPerConnection` failures then it hangs up. */
function telnetd(accept: (u: string, p: string) => boolean, triesPerConnection: number, silent = false) {
  let logins = 0;
  const server = createTcp((s) => {
    s.on('error', () => {});
    if (silent) return;
    s.write(Buffer.from([255, 251, 1, 255, 251, 3]));
    s.write('\r\ncam login: ');
    let buf = '';
    let user: string | undefined;
    let tries = 0;
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1').replace(/\xff[\xfb-\xfe]./gs, '');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).replace(/\r|\0/g, '');
        buf = buf.slice(i + 1);
        if (user === undefined) {
          user = line;
          s.write('Password: ');
        } else if (accept(user, line)) {
          logins++;
          s.write('\r\n~ # ');
          user = undefined;
        } else {
          user = undefined;
          if (++tries >= triesPerConnection) s.end('\r\nLogin incorrect\r\n');
          else s.write('\r\nLogin incorrect\r\ncam login: ');
        }
      }
    });
  });
  return { server, logins: () => logins };
}

test('default Telnet credentials: late pair, one try per connection, none, silence', async (t) => {
  const late = telnetd((u, p) => u === 'guest' && p === '12345', 3);
  const onePerConn = telnetd((u, p) => u === 'root' && p === '', 1);
  const none = telnetd(() => false, 5);
  const silent = telnetd(() => true, 1, true);
  t.after(() => [late, onePerConn, none, silent].forEach((s) => s.server.close()));
  const ports = await Promise.all([late, onePerConn, none, silent].map((s) => listen(s.server)));
  const run = (port: number, ms = 20_000) =>
    telnetDefaultLogin({
      host: '127.0.0.1',
      port,
      credentials: MIRAI_CREDENTIALS,
      deadline: Date.now() + ms,
      stepMs: 1500,
    });
  const a = await run(ports[0]);
  const guestAt = MIRAI_CREDENTIALS.findIndex(([u, p]) => u === 'guest' && p === '12345') + 1;
  assert.deepEqual(a, { accepted: { user: 'guest', password: '12345' }, tried: guestAt, incomplete: false });
  assert.equal(late.logins(), 1);
  const b = await run(ports[1]);
  assert.deepEqual(b.accepted, { user: 'root', password: '' });
  const c = await run(ports[2]);
  assert.deepEqual(c, { tried: MIRAI_CREDENTIALS.length, incomplete: false });
  const started = Date.now();
  const d = await run(ports[3], 2000);
  assert.equal(d.incomplete, true);
  assert.equal(d.accepted, undefined);
  assert.ok(Date.now() - started < 3500, 'the deadline bounds a silent device');
});

test('default HTTP basic credentials', async (t) => {
  const server = createHttp((req, res) => {
    const ok = req.headers.authorization === `Basic ${Buffer.from('admin:smcadmin').toString('base64')}`;
    res.writeHead(ok ? 200 : 401, ok ? {} : { 'www-authenticate': 'Basic realm="router"' });
    res.end(ok ? 'admin page' : 'login');
  });
  const port = await listen(server as unknown as Server);
  t.after(() => server.close());
  const r = await httpBasicDefaultLogin({
    host: '127.0.0.1',
    port,
    credentials: MIRAI_CREDENTIALS,
    deadline: Date.now() + 20_000,
  });
  assert.equal(r.asksBasic, true);
  assert.deepEqual(r.accepted, { user: 'admin', password: 'smcadmin', status: 200 });
});

test('the check table lists findings, notes and clean devices', () => {
  const text = checkTable({
    id: 'x',
    reason: 'on-demand',
    startedAt: '',
    endedAt: '',
    devices: [
      {
        deviceId: 'cam',
        address: '10.0.0.2',
        zone: 'iot',
        status: 'findings',
        findings: [
          {
            check: 'upnp-igd',
            severity: 'high',
            service: 'udp/1900',
            title: 'IGD exposed',
            detail: 'WANIPConnection',
          },
        ],
        openPorts: [],
        notes: [],
        durationMs: 1,
      },
      {
        deviceId: 'plug',
        address: '10.0.0.3',
        zone: 'iot',
        status: 'clean',
        findings: [],
        openPorts: [],
        notes: [],
        durationMs: 1,
      },
    ],
  });
  assert.match(text, /^cam\s+10\.0\.0\.2\s+high\s+upnp-igd\s+udp\/1900\s+IGD exposed: WANIPConnection$/m);
  assert.match(text, /^plug\s+10\.0\.0\.3\s+clean$/m);
});
