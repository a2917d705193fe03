/**
 * `node dist/bench/identify-load.js [--seconds N] [--pg URL]`: load test of the identification API (B-1) on loopback.
 * The server runs in a child process (one Node thread = one core) with a model trained on the USTC corpus
 * (synthetic traffic when the corpus is absent) and Spamhaus/IPsum intel loaded; autocannon drives it from
 * this process. Reports batched verdicts/s (1,000 items per request, 3 flows each) and single-request
 * latency percentiles. Acceptance (issue 5): ≥ 20,000 verdicts/s batched, p99 < 5 ms single.
 */
import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { openSqlite, PgStore } from '../src/store/index.js';
import { ApiKeyStore } from '../src/api/api-keys.js';
import { buildIdentifyServer } from '../src/api/identify-server.js';
import { PgRequestLog, SqliteRequestLog, type RequestLog } from '../src/api/request-log.js';
import { IdentificationService } from '../src/identify/service.js';
import { DEFAULT_TRAIN, trainModel } from '../src/identify/train.js';
import { featurise } from '../src/identify/evaluate.js';
import { loadUstcConversations } from '../src/identify/datasets/ustc-conversations.js';
import { IntelIndex } from '../src/intel/intel-index.js';
import { parseFeed } from '../src/intel/feeds/index.js';
import type { CompactFlow } from '../src/identify/flow-record.js';

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; p99_9?: number; average: number; max: number };
  non2xx: number;
  errors: number;
  duration: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;

async function serve(): Promise<void> {
  const store = openSqlite(':memory:');
  const db = store.db;
  const ustc = join(CORPUS, 'ml', 'ustc-tfc2016-conversations');
  let model;
  if (existsSync(ustc)) model = trainModel(featurise(loadUstcConversations(ustc), {}), DEFAULT_TRAIN);
  else {
    const { syntheticRequests, toLabelledSet } = await import('../test/identify/synthetic.js');
    model = trainModel(toLabelledSet(syntheticRequests(2000, 1)), DEFAULT_TRAIN);
  }
  const intel = new IntelIndex();
  for (const f of [
    'spamhaus/drop.txt',
    'spamhaus/edrop.txt',
    'spamhaus/drop_ipv6.txt',
    'ipsum/ipsum.txt',
    'abusech-ja3/ja3_fingerprints.csv',
  ]) {
    const p = join(CORPUS, 'intel', 'feeds', f);
    if (!existsSync(p)) continue;
    for (const ind of parseFeed(p, readFileSync(p, 'utf8')).indicators)
      intel.add({
        type: ind.type,
        value: ind.value,
        source: f,
        category: ind.category ?? null,
        list_count: ind.listCount ?? null,
      });
  }
  const keys = new ApiKeyStore(store);
  const key = keys.issue('bench', { ratePerS: 1e9, burst: 1e9 });
  // --pg URL: the request log goes to that PostgreSQL server instead of SQLite (as `serve --fleet-db` does).
  const pgAt = process.argv.indexOf('--pg');
  const pgUrl = pgAt > 0 ? process.argv[pgAt + 1] : undefined;
  const pg = pgUrl ? await PgStore.connect(pgUrl) : undefined;
  const log: RequestLog = pg ? await PgRequestLog.open(pg) : new SqliteRequestLog(store);
  const app = buildIdentifyServer({
    service: new IdentificationService({ model, version: 1, intel }),
    keys,
    log,
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  process.send?.({ address, key, rules: model.rules.size });
  process.on('message', async (m) => {
    if (m === 'cpu') {
      const u = process.cpuUsage();
      process.send?.({ cpuUs: u.user + u.system });
      return;
    }
    await app.close();
    await log.close();
    await pg?.close();
    const n = pgUrl
      ? await countPg(pgUrl)
      : (db.prepare('SELECT COUNT(*) AS n FROM identify_requests').get() as { n: number }).n;
    process.send?.({ logged: n });
    process.exit(0);
  });
}

async function countPg(url: string): Promise<number> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const r = await c.query('SELECT COUNT(*)::int AS n FROM identify_requests');
  await c.end();
  return (r.rows[0] as { n: number }).n;
}

function item(i: number): { ip: string; traffic: { flows: CompactFlow[] } } {
  const ip = `${((i * 37) % 223) + 1}.${(i * 11) % 256}.${(i * 7) % 256}.${(i % 250) + 1}`;
  const flows: CompactFlow[] = [];
  for (let k = 0; k < 3; k++)
    flows.push({
      peer: `10.0.${k}.${(i % 200) + 1}`,
      port: 443,
      peer_port: 40000 + k,
      proto: 'tcp',
      pkts_out: 5 + (i % 9),
      pkts_in: 4 + k,
      bytes_out: 800 + i * 13,
      bytes_in: 300 + k * 50,
      start: 1_700_000_000 + k * 60 + (i % 5),
      duration: 0.3 + k,
    });
  return { ip, traffic: { flows } };
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 10;
  const require = createRequire(import.meta.url);
  const autocannon = require('autocannon') as Autocannon;
  const pgAt = process.argv.indexOf('--pg');
  const child = fork(
    fileURLToPath(import.meta.url),
    ['--serve', ...(pgAt > 0 ? ['--pg', process.argv[pgAt + 1]] : [])],
    { stdio: 'inherit' },
  );
  const info = await new Promise<{ address: string; key: string; rules: number }>((resolve) =>
    child.once('message', (m) => resolve(m as never)),
  );
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${info.key}` };
  const batchSize = 1000;
  const batchBody = JSON.stringify({ items: Array.from({ length: batchSize }, (_, i) => item(i)) });
  const singleBody = JSON.stringify(item(7));
  // Warm-up so JIT and caches are in steady state before measuring.
  await autocannon({
    url: `${info.address}/v1/identify/batch`,
    method: 'POST',
    headers,
    body: batchBody,
    connections: 2,
    duration: 2,
  });
  const cpu = (): Promise<number> =>
    new Promise((resolve) => {
      child.once('message', (m) => resolve((m as { cpuUs: number }).cpuUs));
      child.send('cpu');
    });
  const cpu0 = await cpu();
  const batch = await autocannon({
    url: `${info.address}/v1/identify/batch`,
    method: 'POST',
    headers,
    body: batchBody,
    connections: 4,
    duration: seconds,
  });
  const batchCpuS = ((await cpu()) - cpu0) / 1e6;
  await autocannon({
    url: `${info.address}/v1/identify`,
    method: 'POST',
    headers,
    body: singleBody,
    connections: 4,
    duration: 2,
  });
  const single = await autocannon({
    url: `${info.address}/v1/identify`,
    method: 'POST',
    headers,
    body: singleBody,
    connections: 4,
    duration: seconds,
  });
  const singleLight = await autocannon({
    url: `${info.address}/v1/identify`,
    method: 'POST',
    headers,
    body: singleBody,
    connections: 1,
    duration: seconds,
    overallRate: 1000,
  });
  child.send('stop');
  const logged = await new Promise<{ logged: number }>((resolve) =>
    child.once('message', (m) => resolve(m as never)),
  );
  const report = {
    model_rules: info.rules,
    batch: {
      items_per_request: batchSize,
      body_bytes: batchBody.length,
      requests_per_s: batch.requests.average,
      verdicts_per_s: batch.requests.average * batchSize,
      server_cpu_s: Number(batchCpuS.toFixed(2)),
      // Contention-free measure of "one core": verdicts answered per second of server CPU time.
      verdicts_per_server_cpu_s: Math.round((batch.requests.total * batchSize) / batchCpuS),
      latency_ms_p50: batch.latency.p50,
      latency_ms_p99: batch.latency.p99,
      non2xx: batch.non2xx,
      errors: batch.errors,
    },
    single_saturated: {
      connections: 4,
      requests_per_s: single.requests.average,
      latency_ms_p50: single.latency.p50,
      latency_ms_p99: single.latency.p99,
      latency_ms_max: single.latency.max,
      non2xx: single.non2xx,
    },
    single_1000rps: {
      connections: 1,
      requests_per_s: singleLight.requests.average,
      latency_ms_p50: singleLight.latency.p50,
      latency_ms_p99: singleLight.latency.p99,
      latency_ms_max: singleLight.latency.max,
      non2xx: singleLight.non2xx,
    },
    requests_logged: logged.logged,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

if (process.argv.includes('--serve')) void serve();
else void main();
