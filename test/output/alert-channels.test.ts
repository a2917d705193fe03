/**
 * Alert delivery for real: a webhook that fails once and is retried, e-mail through a local SMTP server, RFC 5424
 * syslog over UDP and TCP — each received and checked on the other end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { AlertDispatcher } from '../../src/output/alerts/dispatcher.js';
import { WebhookChannel } from '../../src/output/alerts/webhook.js';
import { SmtpChannel } from '../../src/output/alerts/smtp.js';
import { SyslogChannel } from '../../src/output/alerts/syslog.js';
import type { EveEvent } from '../../src/output/eve/header.js';

const ALERT: EveEvent = {
  timestamp: '2025-06-01T12:00:00.000000+0000',
  event_type: 'alert',
  src_ip: '10.0.0.5',
  src_port: 50123,
  dest_ip: '192.0.2.7',
  dest_port: 443,
  proto: 'TCP',
  alert: {
    action: 'allowed',
    signature_id: 9100001,
    signature: 'MOAT TLS handshake at risk: policy enterprise',
    severity: 2,
  },
  tls: { sni: 'bad.example' },
};

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    req.on('data', (c: Buffer) => (s += c.toString()));
    req.on('end', () => resolve(s));
  });
}

test('webhook: a failed POST is retried and the alert arrives once as JSON', async () => {
  const got: unknown[] = [];
  let calls = 0;
  const server = createHttpServer((req, res) => {
    calls++;
    void body(req).then((b) => {
      if (calls === 1) {
        res.writeHead(503).end();
        return;
      }
      got.push(JSON.parse(b));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  try {
    const d = new AlertDispatcher(new Map([['hook', new WebhookChannel(url, { 'x-moat': 'test' })]]), {
      retries: 2,
      backoffMs: 10,
    });
    d.send('hook', ALERT);
    d.send('nope', ALERT);
    await d.drain();
    assert.deepEqual(got, [ALERT]);
    assert.equal(calls, 2);
    assert.deepEqual(d.stats, { delivered: 1, failed: 1, dropped: 0, retries: 1 });
    assert.match(d.errors[0], /no alert channel named 'nope'/);

    // A hook that never answers 2xx exhausts its retries and is counted, with the status in the error.
    const down = new AlertDispatcher(new Map([['hook', new WebhookChannel(url.replace('/hook', '/x'))]]), {
      retries: 1,
      backoffMs: 5,
    });
    server.removeAllListeners('request');
    server.on('request', (_req, res) => res.writeHead(500).end());
    down.send('hook', ALERT);
    await down.drain();
    assert.equal(down.stats.failed, 1);
    assert.match(down.errors[0], /answered HTTP 500/);
  } finally {
    server.close();
  }
});

test('smtp: the alert is mailed through a real SMTP server with a subject naming it', async () => {
  const mails: Array<{ from: string; to: string[]; data: string }> = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, cb) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString()));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data,
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  const port = (smtp.server.address() as AddressInfo).port;
  try {
    const ch = new SmtpChannel({
      host: '127.0.0.1',
      port,
      secure: false,
      from: 'moat@sensor.test',
      to: ['soc@corp.test', 'oncall@corp.test'],
    });
    const d = new AlertDispatcher(new Map([['mail', ch]]), { retries: 0 });
    d.send('mail', ALERT);
    await d.close();
    assert.equal(mails.length, 1);
    assert.equal(mails[0].from, 'moat@sensor.test');
    assert.deepEqual(mails[0].to, ['soc@corp.test', 'oncall@corp.test']);
    const headers = mails[0].data.replace(/\r\n[ \t]+/g, ' ');
    assert.match(
      headers,
      /Subject: \[moat\] MOAT TLS handshake at risk: policy enterprise - 10\.0\.0\.5:50123 -> 192\.0\.2\.7:443 \(bad\.example\)/,
    );
    assert.match(mails[0].data, /bad\.example/);
  } finally {
    await new Promise<void>((r) => smtp.close(() => r()));
  }
});

test('syslog: RFC 5424 over UDP and octet-counted TCP', async () => {
  const udp = createSocket('udp4');
  const udpMsgs: string[] = [];
  udp.on('message', (m) => udpMsgs.push(m.toString()));
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  const tcpData: string[] = [];
  const tcp = createTcpServer((s) => s.on('data', (c) => tcpData.push(c.toString())));
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  try {
    const base = { host: '127.0.0.1', facility: 4, appName: 'moat' };
    const u = new SyslogChannel({ ...base, port: udp.address().port, transport: 'udp' });
    const t = new SyslogChannel({ ...base, port: (tcp.address() as AddressInfo).port, transport: 'tcp' });
    await u.deliver(ALERT);
    await t.deliver(ALERT);
    await t.deliver(ALERT);
    await new Promise((r) => setTimeout(r, 100));
    await u.close();
    await t.close();
    assert.equal(udpMsgs.length, 1);
    // facility 4 (auth) × 8 + severity 4 (warning) = 36
    assert.match(
      udpMsgs[0],
      /^<36>1 \d{4}-\d\d-\d\dT[\d:.]+Z \S+ moat \d+ alert - \uFEFFMOAT TLS handshake at risk/,
    );
    const json = udpMsgs[0].slice(udpMsgs[0].indexOf('{'));
    assert.deepEqual(JSON.parse(json), ALERT);
    // Octet counting: "<len> <msg>" twice, each length exact.
    const stream = tcpData.join('');
    let off = 0;
    let frames = 0;
    while (off < stream.length) {
      const sp = stream.indexOf(' ', off);
      const len = Number(stream.slice(off, sp));
      const msg = Buffer.from(stream.slice(sp + 1))
        .subarray(0, len)
        .toString();
      assert.match(msg, /^<36>1 /);
      off = sp + 1 + msg.length;
      frames++;
    }
    assert.equal(frames, 2);
  } finally {
    udp.close();
    tcp.close();
  }
});
