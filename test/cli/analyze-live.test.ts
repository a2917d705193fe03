/**
 * Live capture, same pipeline as files: `moat analyze --interface lo --bpf "tcp port P" --duration 4` while the test
 * makes real TLS connections on loopback (Node's TLS stack, a certificate made with openssl). The EVE file must hold
 * the handshake with the SNI the client sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

const MOAT = join(process.cwd(), 'bin', 'moat.js');

test(
  'analyze --interface lo sees the TLS handshakes made during the capture',
  { timeout: 60_000 },
  async (t) => {
    if (process.getuid?.() !== 0) {
      t.skip('live capture needs root');
      return;
    }
    const probe = spawnSync(process.execPath, ['-e', "require('cap')"], { cwd: process.cwd() });
    if (probe.status !== 0) {
      t.skip('the cap package (libpcap) is not built');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'moat-live-'));
    try {
      const key = join(dir, 'k.pem');
      const crt = join(dir, 'c.pem');
      const gen = spawnSync('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        key,
        '-out',
        crt,
        '-days',
        '2',
        '-subj',
        '/CN=live.moat.test',
        '-addext',
        'subjectAltName=DNS:live.moat.test',
      ]);
      assert.equal(gen.status, 0, gen.stderr?.toString());
      const server = createServer({ key: readFileSync(key), cert: readFileSync(crt) }, (s) => s.end('hello'));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as AddressInfo).port;
      const eve = join(dir, 'eve.json');
      const moat = spawn(
        process.execPath,
        [
          MOAT,
          'analyze',
          '--interface',
          'lo',
          '--bpf',
          `tcp port ${port}`,
          '--duration',
          '4',
          '--eve',
          eve,
          '--no-progress',
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      moat.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      try {
        // Give libpcap time to open before the traffic starts.
        await new Promise((r) => setTimeout(r, 1500));
        for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
          await new Promise<void>((resolve, reject) => {
            const c = connect(
              {
                host: '127.0.0.1',
                port,
                servername: 'live.moat.test',
                rejectUnauthorized: false,
                maxVersion,
              },
              () => c.end(),
            );
            c.on('data', () => undefined);
            c.on('close', () => resolve());
            c.on('error', reject);
          });
        }
        const code = await new Promise<number | null>((r) => moat.once('exit', r));
        assert.equal(code, 0, stderr);
      } finally {
        moat.kill('SIGKILL');
        server.close();
      }
      const events = readFileSync(eve, 'utf8')
        .trim()
        .split('\n')
        .map(
          (l) =>
            JSON.parse(l) as {
              event_type: string;
              in_iface?: string;
              tls?: { sni?: string; version?: string; subject?: string };
            },
        );
      const tls = events.filter((e) => e.event_type === 'tls');
      assert.equal(tls.length, 2, JSON.stringify(events));
      assert.ok(tls.every((e) => e.tls?.sni === 'live.moat.test' && e.in_iface === 'lo'));
      assert.deepEqual(tls.map((e) => e.tls?.version).sort(), ['TLS 1.2', 'TLS 1.3']);
      assert.equal(tls.find((e) => e.tls?.version === 'TLS 1.2')?.tls?.subject, 'CN=live.moat.test');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'moat tlsmon live: a self-signed server is judged risky, alerted in EVE, and the API reports the verdicts',
  { timeout: 60_000 },
  async (t) => {
    if (process.getuid?.() !== 0) {
      t.skip('live capture needs root');
      return;
    }
    if (spawnSync(process.execPath, ['-e', "require('cap')"]).status !== 0) {
      t.skip('the cap package (libpcap) is not built');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'moat-tlsmon-live-'));
    try {
      const key = join(dir, 'k.pem');
      const crt = join(dir, 'c.pem');
      assert.equal(
        spawnSync('openssl', [
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
          '/CN=c2.moat.test',
        ]).status,
        0,
      );
      const server = createServer(
        { key: readFileSync(key), cert: readFileSync(crt), maxVersion: 'TLSv1.2' },
        (s) => s.end('x'),
      );
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as AddressInfo).port;
      const apiPort = port + 1 > 65000 ? port - 1 : port + 1;
      const eve = join(dir, 'eve.json');
      const moat = spawn(
        process.execPath,
        [
          MOAT,
          'tlsmon',
          '-i',
          'lo',
          '--bpf',
          `tcp port ${port}`,
          '--policy',
          join(process.cwd(), 'config', 'policies.yaml'),
          '--db',
          join(dir, 'moat.db'),
          '--eve',
          eve,
          '--duration',
          '8',
          '--api',
          `127.0.0.1:${apiPort}`,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      moat.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      try {
        // The monitor says when its API is up; libpcap opens right after.
        for (let i = 0; i < 150 && !stderr.includes('configuration API on'); i++)
          await new Promise((r) => setTimeout(r, 100));
        await new Promise((r) => setTimeout(r, 1000));
        await new Promise<void>((resolve, reject) => {
          const c = connect(
            { host: '127.0.0.1', port, servername: 'c2.moat.test', rejectUnauthorized: false },
            () => c.end(),
          );
          c.on('data', () => undefined);
          c.on('close', () => resolve());
          c.on('error', reject);
        });
        await new Promise((r) => setTimeout(r, 500));
        const stats = (await (await fetch(`http://127.0.0.1:${apiPort}/v1/tlsmon/stats`)).json()) as {
          evaluations: number;
          risky: number;
        };
        assert.deepEqual([stats.evaluations, stats.risky], [1, 1]);
        const code = await new Promise<number | null>((r) => moat.once('exit', r));
        assert.equal(code, 0, stderr);
      } finally {
        moat.kill('SIGKILL');
        server.close();
      }
      const events = readFileSync(eve, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const alert = events.find((e) => e.event_type === 'alert') as
        { alert: { signature_id: number; signature: string }; tls: { sni: string } } | undefined;
      assert.ok(alert, JSON.stringify(events));
      assert.equal(alert.alert.signature_id, 9_100_001);
      assert.match(alert.alert.signature, /policy enterprise/);
      assert.equal(alert.tls.sni, 'c2.moat.test');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
