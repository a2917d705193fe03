import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildIdentifyServer } from '../../src/api/identify-server.js';
import { IdentificationService } from '../../src/identify/service.js';
import { mulberry32 as rng } from '../../src/framework/prng.js';
import { trainModel, DEFAULT_TRAIN } from '../../src/identify/train.js';
import { syntheticRequests, toLabelledSet } from '../identify/synthetic.js';

/** Mutates a valid request: wrong types, deleted and extra fields, huge numbers, odd strings. */
function mutate(v: unknown, r: () => number, depth = 0): unknown {
  const weird = [
    null,
    -1,
    1e308,
    -0,
    '',
    'x'.repeat(300),
    '::',
    '1.2.3.4/24',
    [],
    {},
    true,
    'NaN',
    { __proto__: null },
    '\u0000',
    2 ** 53 + 1,
  ];
  if (r() < 0.08 || depth > 6) return weird[Math.floor(r() * weird.length)];
  if (Array.isArray(v)) return v.map((x) => mutate(x, r, depth + 1));
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (r() > 0.05) o[k] = mutate(x, r, depth + 1);
    if (r() < 0.05) o[['constructor', 'extra', 'flows', 'ip'][Math.floor(r() * 4)]] = 1;
    return o;
  }
  return v;
}

test('fuzzed requests: only 200 or 4xx, never 5xx; the service keeps answering', async () => {
  const model = trainModel(toLabelledSet(syntheticRequests(300, 5)), DEFAULT_TRAIN);
  const app = buildIdentifyServer({ service: new IdentificationService({ model, version: 1 }) });
  try {
    const r = rng(42);
    const valid = syntheticRequests(40, 6).map((x) => x.req);
    const statuses = new Map<number, number>();
    for (let i = 0; i < 200; i++) {
      const body =
        i % 2 ? { items: [mutate(valid[i % 40], r), valid[(i + 1) % 40]] } : mutate(valid[i % 40], r);
      const res = await app.inject({
        method: 'POST',
        url: i % 2 ? '/v1/identify/batch' : '/v1/identify',
        payload: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      assert.ok(
        res.statusCode === 200 || (res.statusCode >= 400 && res.statusCode < 500),
        `${res.statusCode}: ${res.body.slice(0, 200)}`,
      );
      if (res.statusCode === 400) assert.ok(typeof JSON.parse(res.body).message === 'string');
    }
    assert.ok((statuses.get(200) ?? 0) > 0 && (statuses.get(400) ?? 0) > 0, JSON.stringify([...statuses]));
    const ok = await app.inject({ method: 'POST', url: '/v1/identify', payload: valid[0] });
    assert.equal(ok.statusCode, 200);
  } finally {
    await app.close();
  }
});

test('the hand-written fast check never accepts what the zod schema refuses', async () => {
  const { fastRequestOk, fastBatchOk } = await import('../../src/identify/fast-validate.js');
  const { identifyRequestSchema, identifyBatchSchema } = await import('../../src/identify/flow-record.js');
  const r = rng(7);
  const valid = syntheticRequests(60, 8).map((x) => x.req);
  for (const v of valid) {
    assert.equal(fastRequestOk(v), true, 'valid compact requests take the fast path');
    assert.equal(identifyRequestSchema.safeParse(v).success, true);
  }
  assert.equal(fastBatchOk({ items: valid }), true);
  let fastAccepted = 0;
  let zodAccepted = 0;
  for (let i = 0; i < 3000; i++) {
    const m = JSON.parse(JSON.stringify(mutate(valid[i % 60], r) ?? null)) as unknown;
    const z = identifyRequestSchema.safeParse(m).success;
    const f = fastRequestOk(m);
    if (f) fastAccepted++;
    if (z) zodAccepted++;
    assert.ok(!f || z, `fast check accepted what zod refuses: ${JSON.stringify(m).slice(0, 300)}`);
    if (i % 10 === 0) {
      const b = { items: [valid[0], m] };
      assert.ok(!fastBatchOk(b) || identifyBatchSchema.safeParse(b).success);
    }
  }
  assert.ok(fastAccepted > 0 && zodAccepted >= fastAccepted);
});
