/**
 * Identify service hardening (issue 15 §6): burst = k × rate; the rate is checked from Content-Length before a
 * body is parsed (a body the parser would refuse with 400 gets its 429 instead); HTTPS with a configured or generated certificate, checked by a real TLS client.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openSqlite } from '../../src/store/index.js';
import { buildIdentifyServer, BYTES_PER_VERDICT } from '../../src/api/identify-server.js';
import { ApiKeyStore, BURST_SECONDS, defaultBurst } from '../../src/api/api-keys.js';
import { selfSignedServerCert } from '../../src/api/self-signed.js';
import { IdentificationService } from '../../src/identify/service.js';
import { trainModel, DEFAULT_TRAIN } from '../../src/identify/train.js';
import { syntheticRequests, toLabelledSet } from '../identify/synthetic.js';
import { startServe } from '../identify/cli-child.js';

let app: FastifyInstance;
let base: string;
let keys: ApiKeyStore;
const db = openSqlite(':memory:');
const model = trainModel(toLabelledSet(syntheticRequests(600, 1)), DEFAULT_TRAIN);

before(async () => {
  keys = new ApiKeyStore(db);
  app = buildIdentifyServer({ service: new IdentificationService({ model, version: 1 }), keys });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});

after(async () => {
  await app.close();
  db.close();
});

async function post(
  path: string,
  body: string | Buffer,
  key: string,
): Promise<{ status: number; text: string; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body,
  });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - t0 };
}

const batchOf = (n: number): string =>
  JSON.stringify({
    items: Array.from({ length: n }, (_, i) => ({ ip: `8.${i >> 16}.${(i >> 8) & 255}.${i & 255}` })),
  });

test('burst = k × rate: a key with a rate of 2/s cannot pass a 9,990-item batch', async () => {
  assert.equal(defaultBurst(2), 2 * BURST_SECONDS);
  assert.equal(defaultBurst(50_000), 50_000 * BURST_SECONDS);
  const slow = keys.issue('rate-2', { ratePerS: 2 });
  const big = await post('/v1/identify/batch', batchOf(9990), slow);
  assert.equal(big.status, 413, big.text);
  assert.match(big.text, /costs 189 verdicts, more than terminal 'rate-2' may spend at once \(burst 4 /);
  // Where the body is small for its item count, the items are what costs: still refused, after parsing.
  const mid = keys.issue('rate-150', { ratePerS: 150 });
  const byItems = await post('/v1/identify/batch', batchOf(9990), mid);
  assert.equal(byItems.status, 413, byItems.text);
  assert.match(
    byItems.text,
    /9990 items costs 9801 verdicts, more than terminal 'rate-150' may spend at once \(burst 300 /,
  );
  const small = await post('/v1/identify/batch', batchOf(4), slow);
  assert.equal(small.status, 200, small.text);
  assert.equal((await post('/v1/identify', '{"ip":"8.8.8.8"}', slow)).status, 429, 'the burst is spent');
});

test('a 35 MB body gets its 429 before it is parsed', async () => {
  // Invalid JSON at the very end: parsing it gives 400, so a 429 proves the body was never parsed.
  const body = `{"items":[${'{"ip":"8.8.8.8"},'.repeat(Math.ceil(35e6 / 16))}`;
  const cost = Math.ceil(Buffer.byteLength(body) / BYTES_PER_VERDICT);
  const k = keys.issue('big-body', { ratePerS: 2, burst: cost + 100 });
  const parsed = await post('/v1/identify/batch', body, k);
  assert.equal(
    parsed.status,
    400,
    'the first time the tokens suffice: the body is read and refused as bad JSON',
  );
  const refused = await post('/v1/identify/batch', body, k);
  assert.equal(refused.status, 429, refused.text);
  assert.match(refused.text, /a body of \d+ bytes costs \d+/);
  // A key whose burst cannot ever pay for that size: 413 at once, unparsed too.
  const tiny = keys.issue('tiny', { ratePerS: 2 });
  const over = await post('/v1/identify/batch', body, tiny);
  assert.equal(over.status, 413, over.text);
  console.log(
    `# 35 MB body: parsed and refused 400 in ${parsed.ms.toFixed(0)} ms; 429 unparsed in ${refused.ms.toFixed(0)} ms; 413 in ${over.ms.toFixed(0)} ms`,
  );
  assert.ok(refused.ms < parsed.ms, 'the refusal does not wait for the parse');
});

test('HTTPS: a real TLS client verifies the generated certificate and reaches the API', async () => {
  const c = selfSignedServerCert('127.0.0.1');
  const tlsApp = buildIdentifyServer({
    service: new IdentificationService({ model, version: 1 }),
    https: { key: c.key, cert: c.cert },
  });
  const addr = await tlsApp.listen({ host: '127.0.0.1', port: 0 });
  try {
    assert.match(addr, /^https:\/\//);
    const port = Number(new URL(addr).port);
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest(
        { host: '127.0.0.1', port, path: '/v1/health', ca: c.cert, servername: 'localhost' },
        (res) => {
          let t = '';
          res.on('data', (d: Buffer) => (t += d.toString()));
          res.on('end', () => resolve(t));
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.deepEqual(JSON.parse(body), { status: 'ok', model_version: 1 });
    // Without the certificate as trust anchor the client refuses it: it is not a publicly trusted one.
    await assert.rejects(
      new Promise((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost' }, () => resolve(s));
        s.on('error', reject);
      }),
      /self-signed|self signed/,
    );
    const fp = await new Promise<string>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port, ca: c.cert, servername: 'localhost' }, () => {
        resolve(new X509Certificate(s.getPeerCertificate(true).raw).fingerprint256);
        s.end();
      });
      s.on('error', reject);
    });
    assert.equal(fp, c.fingerprint256);
  } finally {
    await tlsApp.close();
  }
});

test('moat identify serve --tls-self-signed prints the fingerprint of the certificate it serves', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-identify-tls-'));
  const { child, base: addr, out } = await startServe(join(dir, 'm.db'), ['--tls-self-signed']);
  try {
    assert.match(addr, /^https:\/\/127\.0\.0\.1:\d+$/);
    const printed = /SHA-256 fingerprint ([0-9A-F:]{95})/.exec(out())?.[1];
    assert.ok(printed, out());
    const fp = await new Promise<string>((resolve, reject) => {
      const s = tlsConnect(
        { host: '127.0.0.1', port: Number(new URL(addr).port), rejectUnauthorized: false },
        () => {
          resolve(new X509Certificate(s.getPeerCertificate(true).raw).fingerprint256);
          s.end();
        },
      );
      s.on('error', reject);
    });
    assert.equal(fp, printed);
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});
