import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { openSqlite } from '../../src/store/index.js';
import { buildIdentifyServer } from '../../src/api/identify-server.js';
import { ApiKeyStore } from '../../src/api/api-keys.js';
import { SqliteRequestLog } from '../../src/api/request-log.js';
import { IdentificationService } from '../../src/identify/service.js';
import { trainModel, DEFAULT_TRAIN } from '../../src/identify/train.js';
import { IntelIndex } from '../../src/intel/intel-index.js';
import { syntheticRequests, toLabelledSet } from '../identify/synthetic.js';

let app: FastifyInstance;
let base: string;
let key: string;
let log: SqliteRequestLog;
const store = openSqlite(':memory:');
const db = store.db;

before(async () => {
  const model = trainModel(toLabelledSet(syntheticRequests(600, 1)), DEFAULT_TRAIN);
  const intel = new IntelIndex();
  intel.add({ type: 'ip', value: '93.184.216.66/32', source: 'test-feed', category: 'C2', list_count: null });
  const service = new IdentificationService({ model, version: 1, intel });
  const keys = new ApiKeyStore(store);
  key = keys.issue('terminal-a');
  keys.issue('slow', { ratePerS: 1, burst: 2 });
  log = new SqliteRequestLog(store, 50);
  app = buildIdentifyServer({ service, keys, log, bodyLimit: 4 * 1024 * 1024 });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});

after(async () => {
  await app.close();
  await log.close();
  db.close();
});

async function post(
  path: string,
  body: unknown,
  k: string | null = key,
  raw = false,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(k ? { authorization: `Bearer ${k}` } : {}) },
    body: raw ? (body as string) : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

test('single request: verdict with rules and reasons (B-1/B-3)', async () => {
  const [black] = syntheticRequests(50, 9, 0).filter((x) => x.y === 1);
  const r = await post('/v1/identify', black.req);
  assert.equal(r.status, 200);
  assert.equal(r.json.ip, black.req.ip);
  assert.ok(['black', 'gray'].includes(r.json.verdict as string), JSON.stringify(r.json));
  assert.ok((r.json.rules_fired as string[])[0].startsWith('R'));
  assert.equal(r.json.model_version, 1);
  const listed = await post('/v1/identify', { ip: '93.184.216.66' });
  assert.equal(listed.json.verdict, 'black');
  assert.ok((listed.json.rules_fired as string[]).includes('INTEL-LISTED'));
  assert.equal(listed.json.category, 'C2');
});

test('IPv6 subjects and EVE flow records are accepted', async () => {
  const r = await post('/v1/identify', {
    ip: '2001:db8::5',
    traffic: {
      flows: [
        {
          event_type: 'flow',
          src_ip: '2001:db8::9',
          dest_ip: '2001:db8::5',
          src_port: 50000,
          dest_port: 443,
          proto: 'TCP',
          flow_id: 1,
          flow: {
            pkts_toserver: 4,
            pkts_toclient: 3,
            bytes_toserver: 500,
            bytes_toclient: 300,
            start: '2024-01-01T00:00:00.000000+0000',
            end: '2024-01-01T00:00:01.000000+0000',
            state: 'closed',
          },
          tls: { sni: 'qx7z9k2v.example', ja3: { hash: 'e7d705a3286e19ea42f587b344ee6865' } },
        },
      ],
    },
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.ip, '2001:db8::5');
});

test('batch of 10,000 answered in order; 10,001 refused with the path', async () => {
  const items = Array.from({ length: 10_000 }, (_, i) => ({
    ip: `10.${(i >> 8) & 255}.${i & 255}.1`,
    traffic: { stats: { flows: 1 + (i % 50), peers: 1 + (i % 7), bytes_out: 100 * i, bytes_in: 50 } },
  }));
  const r = await post('/v1/identify/batch', { items });
  assert.equal(r.status, 200);
  const results = r.json.results as { ip: string }[];
  assert.equal(results.length, 10_000);
  assert.equal(results[4321].ip, items[4321].ip);
  const over = await post('/v1/identify/batch', { items: [...items, items[0]] });
  assert.equal(over.status, 400);
  assert.equal(over.json.path, 'items');
});

test('bad input: 4xx with the field path, and the service stays alive', async () => {
  const cases: [unknown, number, string | undefined][] = [
    [{ ip: 12345 }, 400, 'ip'],
    [{ ip: '300.1.1.1' }, 400, 'ip'],
    [{ ip: '2001:db8::1::2' }, 400, 'ip'],
    [{ ip: '1.2.3.4', extra: true }, 400, '(body)'],
    [
      {
        ip: '1.2.3.4',
        traffic: {
          flows: [{ peer: '1.1.1.1', proto: 'tcp', pkts_out: -1, pkts_in: 0, bytes_out: 0, bytes_in: 0 }],
        },
      },
      400,
      'traffic.flows[0].pkts_out',
    ],
    [{ ip: '1.2.3.4', traffic: { stats: { flows: 'many' } } }, 400, 'traffic.stats.flows'],
    [
      {
        ip: '1.2.3.4',
        traffic: {
          flows: [{ peer: '1.1.1.1', proto: 'tcp', pkts_out: 'x', pkts_in: 0, bytes_out: 0, bytes_in: 0 }],
        },
      },
      400,
      'traffic.flows[0].pkts_out',
    ],
    [
      {
        ip: '1.2.3.4',
        traffic: { flows: [{ event_type: 'flow', src_ip: '1.2.3.4', dest_ip: 'bad', proto: 'TCP' }] },
      },
      400,
      'traffic.flows[0].dest_ip',
    ],
    [
      {
        ip: '1.2.3.4',
        traffic: {
          flows: [
            {
              peer: '1.1.1.1',
              proto: 'tcp',
              pkts_out: 1,
              pkts_in: 0,
              bytes_out: 0,
              bytes_in: 0,
              colour: 'red',
            },
          ],
        },
      },
      400,
      'traffic.flows[0]',
    ],
    [{ items: [{ ip: '1.2.3.4' }, { ip: 'nope' }] }, 400, undefined],
    [[], 400, undefined],
    [null, 400, undefined],
  ];
  for (const [body, status, path] of cases) {
    const r = await post('/v1/identify', body);
    assert.equal(r.status, status, `${JSON.stringify(body)} → ${JSON.stringify(r.json)}`);
    if (path) assert.equal(r.json.path, path, JSON.stringify(r.json));
  }
  const batchBad = await post('/v1/identify/batch', { items: [{ ip: '1.2.3.4' }, { ip: 'nope' }] });
  assert.equal(batchBad.json.path, 'items[1].ip');
  assert.equal((await post('/v1/identify', '{"ip": "1.2.3.4"', key, true)).status, 400);
  assert.equal(
    (await post('/v1/identify', '{"__proto__": {"x": 1}, "ip": "1.2.3.4"}', key, true)).status,
    400,
  );
  const huge = JSON.stringify({ ip: '1.2.3.4', rdns: 'x'.repeat(2 * 1024 * 1024) });
  assert.equal((await post('/v1/identify', huge, key, true)).status, 413);
  const hugeBatch = JSON.stringify({ items: [{ ip: '1.2.3.4', rdns: 'y'.repeat(5 * 1024 * 1024) }] });
  assert.equal((await post('/v1/identify/batch', hugeBatch, key, true)).status, 413);
  const text = await fetch(`${base}/v1/identify`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', authorization: `Bearer ${key}` },
    body: 'hello',
  });
  assert.equal(text.status, 400); // fastify parses text/plain as a string; the schema refuses it
  assert.equal((await fetch(`${base}/v1/health`)).status, 200);
  assert.equal((await post('/v1/identify', { ip: '1.2.3.4' })).status, 200);
});

test('API keys: missing or wrong key 401; per-key rate limit 429', async () => {
  assert.equal((await post('/v1/identify', { ip: '1.2.3.4' }, null)).status, 401);
  assert.equal((await post('/v1/identify', { ip: '1.2.3.4' }, 'moat_wrong')).status, 401);
  const keys = new ApiKeyStore(store);
  const slow = keys.issue('slow2', { ratePerS: 0.5, burst: 2 });
  assert.equal((await post('/v1/identify', { ip: '1.2.3.4' }, slow)).status, 200);
  assert.equal((await post('/v1/identify', { ip: '1.2.3.4' }, slow)).status, 200);
  const limited = await post('/v1/identify', { ip: '1.2.3.4' }, slow);
  assert.equal(limited.status, 429);
  // Keys are stored hashed only.
  const rows = db.prepare('SELECT key_hash FROM identify_api_keys').all() as { key_hash: string }[];
  assert.ok(rows.every((r) => /^[0-9a-f]{64}$/.test(r.key_hash) && r.key_hash !== slow));
});

test('request log records terminal, route, status and items', async () => {
  await post('/v1/identify/batch', { items: [{ ip: '1.2.3.4' }, { ip: '5.6.7.8' }] });
  await log.flush();
  const row = db
    .prepare(
      "SELECT * FROM identify_requests WHERE route = '/v1/identify/batch' AND status = 200 ORDER BY id DESC LIMIT 1",
    )
    .get() as Record<string, unknown>;
  assert.equal(row.terminal, 'terminal-a');
  assert.equal(row.items, 2);
  const denied = db.prepare('SELECT COUNT(*) AS n FROM identify_requests WHERE status = 401').get() as {
    n: number;
  };
  assert.ok(denied.n >= 2);
});
