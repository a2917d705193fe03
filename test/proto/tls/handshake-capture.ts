/**
 * Test helper: runs a real Node TLS client and server on 127.0.0.1 through a plain TCP relay that records
 * every chunk each side sent, in order, so the TLS parser can be fed genuine handshake bytes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';

export interface Credential {
  key: Buffer;
  cert: Buffer;
}

/** A fresh self-signed P-256 certificate for CN/SAN moat.test, or undefined when openssl is absent. */
export function selfSigned(): Credential | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'moat-tls-test-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'k.pem'),
        '-out',
        join(dir, 'c.pem'),
        '-subj',
        '/CN=moat.test',
        '-days',
        '30',
        '-addext',
        'subjectAltName=DNS:moat.test',
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Captured {
  /** Chunks in the order the relay saw them: 0 = client to server, 1 = server to client. */
  chunks: { dir: 0 | 1; data: Buffer }[];
  cipher: string;
  protocol: string;
  alpn: string | false;
  reused: boolean;
  session?: Buffer;
}

export interface CaptureOptions {
  version: 'TLSv1.2' | 'TLSv1.3';
  clientAlpn?: string[];
  serverAlpn?: string[];
  session?: Buffer;
  servername?: string;
  /** Present this certificate when the server asks for one. */
  clientCredential?: Credential;
}

/** One connection: handshake, one echoed message, close; resolves when both relay legs are closed. */
export async function captureHandshake(server: tls.Server, opts: CaptureOptions): Promise<Captured> {
  const serverPort = (server.address() as net.AddressInfo).port;
  const chunks: Captured['chunks'] = [];
  let closed = 0;
  let done!: () => void;
  const allClosed = new Promise<void>((r) => (done = r));
  const relay = net.createServer((down) => {
    const up = net.connect(serverPort, '127.0.0.1');
    down.on('data', (d: Buffer) => {
      chunks.push({ dir: 0, data: Buffer.from(d) });
      up.write(d);
    });
    up.on('data', (d: Buffer) => {
      chunks.push({ dir: 1, data: Buffer.from(d) });
      down.write(d);
    });
    const close = (): void => {
      if (++closed === 2) done();
    };
    down.on('end', () => up.end());
    up.on('end', () => down.end());
    down.on('close', close);
    up.on('close', close);
    down.on('error', () => up.destroy());
    up.on('error', () => down.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  try {
    const port = (relay.address() as net.AddressInfo).port;
    let session: Buffer | undefined;
    const client = tls.connect({
      host: '127.0.0.1',
      port,
      servername: opts.servername ?? 'moat.test',
      rejectUnauthorized: false,
      minVersion: opts.version,
      maxVersion: opts.version,
      ALPNProtocols: opts.clientAlpn,
      session: opts.session,
      key: opts.clientCredential?.key,
      cert: opts.clientCredential?.cert,
    });
    client.on('session', (s: Buffer) => (session = s));
    await new Promise<void>((resolve, reject) => {
      client.once('secureConnect', resolve);
      client.once('error', reject);
    });
    const result = {
      cipher: client.getCipher().standardName,
      protocol: client.getProtocol() ?? '',
      alpn: client.alpnProtocol ?? false,
      reused: client.isSessionReused(),
    };
    client.write('ping');
    await new Promise<void>((r) => client.once('data', () => r()));
    client.end();
    await allClosed;
    return { chunks, ...result, session };
  } finally {
    relay.close();
  }
}

/** A TLS server answering every message with its echo. */
export async function echoServer(
  cred: Credential,
  alpn?: string[],
  requestCert = false,
): Promise<tls.Server> {
  const server = tls.createServer(
    {
      key: cred.key,
      cert: cred.cert,
      ALPNProtocols: alpn,
      minVersion: 'TLSv1.2',
      requestCert,
      rejectUnauthorized: false,
    },
    (s) => {
      s.on('data', (d: Buffer) => s.write(d));
      s.on('end', () => s.end());
      s.on('error', () => s.destroy());
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}
