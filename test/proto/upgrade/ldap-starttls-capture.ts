/**
 * A real LDAP StartTLS exchange on loopback, captured with tcpdump: the LDAP messages of an anonymous bind and
 * the StartTLS extended operation (RFC 4511 §4.14), then Node's OpenSSL upgrading the same sockets, TLS 1.2 so the
 * certificate is visible. Needs root (capture on lo), tcpdump and openssl.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as netConnect, createServer, type AddressInfo, type Socket } from 'node:net';
import { TLSSocket, connect as tlsConnect } from 'node:tls';
import { once } from 'node:events';

/** A loopback address of its own, so the capture holds this test's packets and few others. */
const HOST = '127.0.0.77';
const OID = Buffer.from('1.3.6.1.4.1.1466.20037', 'latin1');
const BIND_REQ = Buffer.from('300c020101600702010304008000', 'hex');
const BIND_RSP = Buffer.from('300c02010161070a010004000400', 'hex');
const STARTTLS_REQ = Buffer.concat([Buffer.from('301d020102771880' + '16', 'hex'), OID]);
const rsp = (code: number): Buffer =>
  Buffer.concat([
    Buffer.from(`3024020102781f0a01${code.toString(16).padStart(2, '0')}040004008a16`, 'hex'),
    OID,
  ]);

/** Reads one chunk (the test's messages each fit one segment on loopback). */
async function next(s: Socket): Promise<Buffer> {
  const [b] = (await once(s, 'data')) as [Buffer];
  return b;
}

export function canCapture(): string | false {
  if (process.getuid?.() !== 0) return 'needs root to capture on lo';
  for (const t of ['tcpdump', 'openssl', 'tshark'])
    if (spawnSync('which', [t]).status !== 0) return `needs ${t}`;
  return false;
}

/** Runs the exchange (`resultCode` is the server's answer to StartTLS) and returns the capture's path and port. */
export async function captureLdapStartTls(
  dir: string,
  resultCode: number,
): Promise<{ pcap: string; port: number }> {
  const key = join(dir, 'k.pem');
  const crt = join(dir, 'c.pem');
  const gen = spawnSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    crt,
    '-days',
    '2',
    '-subj',
    '/CN=ldap.moat.test',
    '-addext',
    'subjectAltName=DNS:ldap.moat.test',
  ]);
  if (gen.status !== 0) throw new Error(`openssl: ${gen.stderr.toString()}`);
  const server = createServer((s) => {
    void (async () => {
      await next(s);
      s.write(BIND_RSP);
      await next(s);
      s.write(rsp(resultCode));
      if (resultCode !== 0) return;
      const t = new TLSSocket(s, { isServer: true, key: readFileSync(key), cert: readFileSync(crt) });
      t.on('error', () => {});
      await once(t, 'secure');
      t.end('done');
    })().catch(() => s.destroy());
  });
  server.listen(0, HOST);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const pcap = join(dir, 'ldap-starttls.pcap');
  // Immediate mode: with the default ring-buffer blocks, packets of a short exchange may still sit in an unfilled
  // block when tcpdump is stopped, and are lost.
  const filter = `host ${HOST} and tcp port ${port}`;
  const dump = spawn('tcpdump', ['-i', 'lo', '--immediate-mode', '-U', '-n', '-s', '0', '-w', pcap, filter], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      dump.stderr.on('data', (d: Buffer) => {
        if (d.toString().includes('listening on')) resolve();
      });
      dump.on('exit', (c) => reject(new Error(`tcpdump exited ${c}`)));
    });
    // "listening on" comes a moment before the filter is attached.
    await new Promise((r) => setTimeout(r, 300));
    const c = netConnect(port, HOST);
    await once(c, 'connect');
    c.write(BIND_REQ);
    await next(c);
    c.write(STARTTLS_REQ);
    await next(c);
    if (resultCode === 0) {
      const t = tlsConnect({
        socket: c,
        servername: 'ldap.moat.test',
        rejectUnauthorized: false,
        maxVersion: 'TLSv1.2',
      });
      await once(t, 'secureConnect');
      t.on('data', () => {});
      await once(t, 'end');
      t.end();
    } else c.end();
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    server.close();
    dump.kill('SIGINT');
    if (dump.exitCode === null) await once(dump, 'exit');
  }
  return { pcap, port };
}
