/**
 * Live capture, same pipeline as files: `moat analyze --interface lo --bpf "tcp port P" --duration 4` while the test
 * makes real TLS connections on loopback (Node's TLS stack, a certificate made with openssl). The EVE file must hold
 * the handshake with the SNI the client sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedServer, tlsHandshake } from '../helpers/tls-server.js';
import { liveCaptureMissing } from '../helpers/live-capture.js';

const MOAT = join(process.cwd(), 'bin', 'moat.js');

/** The EVE file's records. */
function readEve<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as T);
}

/** The exit code of a moat child once it ends. */
function exitOf(child: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise<number | null>((r) => child.once('exit', r));
}

for (const workers of [1, 2]) {
  test(
    `analyze --interface lo --workers ${workers} sees the TLS handshakes made during the capture`,
    { timeout: 60_000 },
    async (t) => {
      const why = liveCaptureMissing();
      if (why) {
        t.skip(why);
        return;
      }
      const dir = mkdtempSync(join(tmpdir(), 'moat-live-'));
      try {
        const { server, port } = await selfSignedServer(dir, 'live.moat.test', { key: 'ec', reply: 'hello' });
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
            '--workers',
            String(workers),
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
            await tlsHandshake(port, 'live.moat.test', { maxVersion });
          }
          const code = await exitOf(moat);
          assert.equal(code, 0, stderr);
          // libpcap's counters: the two handshakes' packets were received (the filter keeps only them).
          const cap =
            /libpcap on lo: (\d+) received, (\d+) dropped by the kernel, (\d+) by the interface/.exec(stderr);
          assert.ok(cap, stderr);
          assert.ok(Number(cap[1]) >= 10, stderr);
          assert.equal(cap[2], '0');
        } finally {
          moat.kill('SIGKILL');
          server.close();
        }
        const events = readEve<{
          event_type: string;
          in_iface?: string;
          tls?: { sni?: string; version?: string; subject?: string };
        }>(eve);
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
}

test(
  'moat tlsmon live: a self-signed server is judged risky, alerted in EVE, and the API reports the verdicts',
  { timeout: 60_000 },
  async (t) => {
    const why = liveCaptureMissing();
    if (why) {
      t.skip(why);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'moat-tlsmon-live-'));
    try {
      const { server, port } = await selfSignedServer(dir, 'c2.moat.test', {
        key: 'rsa',
        reply: 'x',
        tls: { maxVersion: 'TLSv1.2' },
      });
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
        await tlsHandshake(port, 'c2.moat.test');
        await new Promise((r) => setTimeout(r, 500));
        const stats = (await (await fetch(`http://127.0.0.1:${apiPort}/v1/tlsmon/stats`)).json()) as {
          evaluations: number;
          risky: number;
        };
        assert.deepEqual([stats.evaluations, stats.risky], [1, 1]);
        const code = await exitOf(moat);
        assert.equal(code, 0, stderr);
      } finally {
        moat.kill('SIGKILL');
        server.close();
      }
      const events = readEve<Record<string, unknown>>(eve);
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
