/**
 * Batches in a worker thread (issue 15 §6): the worker opens the store, loads the active model, follows
 * activations (hot swap), answers exactly what the in-thread path answers, and refuses bad bodies with the path
 * of the bad field; single requests keep being answered on the service's thread meanwhile.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openSqlite } from '../../src/store/index.js';
import { buildIdentifyServer } from '../../src/api/identify-server.js';
import { BatchWorker } from '../../src/api/batch-worker.js';
import { IdentificationService } from '../../src/identify/service.js';
import { ModelRegistry, SKIP_OOD_GATE } from '../../src/identify/registry.js';
import { trainModel, DEFAULT_TRAIN } from '../../src/identify/train.js';
import { syntheticRequests, toLabelledSet } from '../identify/synthetic.js';

const dir = mkdtempSync(join(tmpdir(), 'moat-batch-worker-'));
const dbPath = join(dir, 'm.db');
const store = openSqlite(dbPath);
const registry = new ModelRegistry(store);
const gates = { minPrecision: 0.9, minCoverage: 0.8 };
const good = { precision: 0.99, coverage: 0.9 };
const deep = trainModel(toLabelledSet(syntheticRequests(600, 1)), DEFAULT_TRAIN);
const stump = trainModel(toLabelledSet(syntheticRequests(600, 2)), {
  ...DEFAULT_TRAIN,
  tree: { ...DEFAULT_TRAIN.tree, maxDepth: 1 },
});
const v1 = registry.submit(deep, good, gates, SKIP_OOD_GATE).version;
const v2 = registry.submit(stump, good, gates, SKIP_OOD_GATE).version;
registry.activate(v1);

const service = new IdentificationService({ registry });
const worker = new BatchWorker({ db: dbPath, reloadMs: 3_600_000 });
let app: FastifyInstance;
let plain: FastifyInstance;

after(async () => {
  await app?.close();
  await plain?.close();
  await worker.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(
  base: string,
  path: string,
  body: string | Buffer,
): Promise<{ status: number; text: string }> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, text: await res.text() };
}

test('the worker answers batches as the in-thread path does, and follows activations', async () => {
  await worker.ready();
  app = buildIdentifyServer({ service, batchWorker: worker });
  plain = buildIdentifyServer({ service });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const basePlain = await plain.listen({ host: '127.0.0.1', port: 0 });
  const reqs = syntheticRequests(300, 7).map((x) => x.req);
  const body = JSON.stringify({ items: reqs });
  const a = await post(base, '/v1/identify/batch', body);
  const b = await post(basePlain, '/v1/identify/batch', body);
  assert.equal(a.status, 200, a.text);
  assert.equal(a.text, b.text, 'worker and in-thread answers are the same bytes');
  const parsed = JSON.parse(a.text) as { model_version: number; results: { verdict: string }[] };
  assert.equal(parsed.model_version, v1);
  assert.equal(parsed.results.length, 300);
  assert.ok(new Set(parsed.results.map((r) => r.verdict)).size >= 2, 'the model judged, not a constant');

  registry.activate(v2);
  assert.equal(await worker.reload(), v2, 'the worker loaded the newly activated model');
  const c = JSON.parse((await post(base, '/v1/identify/batch', body)).text) as { model_version: number };
  assert.equal(c.model_version, v2);
});

test('bad batch bodies are refused by the worker with the path of the bad field', async () => {
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const bad = await post(base, '/v1/identify/batch', '{"items":[{"ip":"8.8.8.8"},');
  assert.equal(bad.status, 400, bad.text);
  assert.match(bad.text, /JSON/);
  const wrong = await post(
    base,
    '/v1/identify/batch',
    JSON.stringify({ items: [{ ip: '8.8.8.8' }, { ip: '8.8.4.4', traffic: { flows: [{ peer: 'x' }] } }] }),
  );
  assert.equal(wrong.status, 400, wrong.text);
  assert.match(wrong.text, /items\[1\]\.traffic\.flows\[0\]/);
  const small = buildIdentifyServer({ service, batchWorker: worker, bodyLimit: 1000 });
  const smallBase = await small.listen({ host: '127.0.0.1', port: 0 });
  try {
    const big = await post(
      smallBase,
      '/v1/identify/batch',
      JSON.stringify({ items: syntheticRequests(50, 3).map((x) => x.req) }),
    );
    assert.equal(big.status, 413, big.text);
  } finally {
    await small.close();
  }
  // The worker is still serving after the refusals.
  const ok = await post(base, '/v1/identify/batch', '{"items":[{"ip":"8.8.8.8"}]}');
  assert.equal(ok.status, 200, ok.text);
});

test('single requests are answered promptly while a 30 MB batch runs in the worker', async () => {
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const body = Buffer.from(JSON.stringify({ items: syntheticRequests(10_000, 5).map((x) => x.req) }));
  let done = false;
  const batch = post(base, '/v1/identify/batch', body).then((r) => {
    done = true;
    return r;
  });
  const lat: number[] = [];
  while (!done) {
    const t0 = performance.now();
    const r = await fetch(`${base}/v1/health`);
    await r.text();
    lat.push(performance.now() - t0);
  }
  const b = await batch;
  assert.equal(b.status, 200);
  assert.equal((JSON.parse(b.text) as { results: unknown[] }).results.length, 10_000);
  lat.sort((x, y) => x - y);
  const p = (q: number): number => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))];
  console.log(
    `# worker: batch of 10,000 (${(body.length / 1e6).toFixed(1)} MB); ${lat.length} health requests meanwhile: p50 ${p(0.5).toFixed(1)} ms, p99 ${p(0.99).toFixed(1)} ms, max ${lat[lat.length - 1].toFixed(1)} ms`,
  );
  assert.ok(lat.length >= 100, `only ${lat.length} single requests were answered during the batch`);
  // Latency goals are measured by bench/identify-batch-latency.ts (server, batch client and prober apart).
});
