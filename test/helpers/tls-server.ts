/** Test fixtures for real TLS on loopback: a server with a fresh openssl-made certificate, and one client handshake. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer, type ConnectionOptions, type Server, type TlsOptions } from 'node:tls';
import type { AddressInfo } from 'node:net';

export interface ServerOptions {
  /** 'ec' (P-256, with a SAN for the name) or 'rsa' (2048 bits, subject name only). */
  key: 'ec' | 'rsa';
  tls?: TlsOptions;
  /** What the server writes before closing. */
  reply?: string;
}

/** Makes a self-signed certificate for `cn` in `dir` with the openssl CLI and serves it on 127.0.0.1. */
export async function selfSignedServer(
  dir: string,
  cn: string,
  o: ServerOptions,
): Promise<{ server: Server; port: number }> {
  const key = join(dir, 'k.pem');
  const crt = join(dir, 'c.pem');
  const keyArgs =
    o.key === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  const sanArgs = o.key === 'ec' ? ['-addext', `subjectAltName=DNS:${cn}`] : [];
  const gen = spawnSync('openssl', [
    'req',
    '-x509',
    ...keyArgs,
    '-nodes',
    '-keyout',
    key,
    '-out',
    crt,
    '-days',
    '2',
    '-subj',
    `/CN=${cn}`,
    ...sanArgs,
  ]);
  assert.equal(gen.status, 0, gen.stderr?.toString());
  const server = createServer({ key: readFileSync(key), cert: readFileSync(crt), ...o.tls }, (s) =>
    s.end(o.reply ?? ''),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

/** One client handshake to 127.0.0.1:port (certificate not checked), resolved when the connection has closed. */
export function tlsHandshake(port: number, servername: string, o: ConnectionOptions = {}): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const c = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false, ...o }, () =>
      c.end(),
    );
    c.on('data', () => undefined);
    c.on('close', () => resolve());
    c.on('error', reject);
  });
}
