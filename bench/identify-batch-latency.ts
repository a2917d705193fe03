/**
 * `node dist/bench/identify-batch-latency.js [--rounds N]`: single-request latency of the identification API
 * while a 35 MB batch is processed (issue 15 §6, goal p99 < 5 ms), in one run:
 *
 * - the server runs in a child process with its store on disk (an active model trained on USTC conversations,
 *   synthetic traffic without the corpus; IPsum/Spamhaus intel when present) and the request log on;
 * - another child process sends the 35 MB, 10,000-item batch again and again (its JSON encoding, its socket
 *   writes and the answer's decoding never share a thread with the server or the prober);
 * - this process sends single `POST /v1/identify` requests one after another and records each latency.
 *
 * Three phases per server: no batch (the baseline), batches with the worker thread (`identify serve`'s default),
 * and batches handled in the service's own thread in 2 ms slices (the path before the worker). Reported: p50,
 * p99, max, and each phase's p99 over the baseline p99.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqlite } from '../src/store/index.js';
import { buildIdentifyServer, BatchWorker, SqliteRequestLog } from '../src/api/index.js';
import {
  DEFAULT_TRAIN,
  IdentificationService,
  ModelRegistry,
  SKIP_OOD_GATE,
  featurise,
  loadUstcConversations,
  trainModel,
  type CompactFlow,
  type IdentifyRequest,
} from '../src/identify/index.js';
import { IntelStore, parseFeed } from '../src/intel/index.js';

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');
const BATCH_BYTES = 35e6;
const ITEMS = 10_000;

async function prepareStore(db: string): Promise<string> {
  const store = openSqlite(db);
  const ustc = join(CORPUS, 'ml', 'ustc-tfc2016-conversations');
  let model;
  let trained = 'USTC-TFC2016 conversations';
  if (existsSync(ustc)) model = trainModel(featurise(loadUstcConversations(ustc), {}), DEFAULT_TRAIN);
  else {
    const { syntheticRequests, toLabelledSet } = await import('../test/identify/synthetic.js');
    model = trainModel(toLabelledSet(syntheticRequests(2000, 1)), DEFAULT_TRAIN);
    trained = 'synthetic traffic (no corpus)';
  }
  const reg = new ModelRegistry(store);
  // A load test measures serving, not the model: its quality gates do not apply.
  const v = reg.submit(
    model,
    { precision: 1, coverage: 1 },
    { minPrecision: 0, minCoverage: 0 },
    SKIP_OOD_GATE,
  );
  reg.activate(v.version);
  const intel = new IntelStore(store);
  for (const f of ['spamhaus/drop.txt', 'spamhaus/edrop.txt', 'ipsum/ipsum.txt']) {
    const p = join(CORPUS, 'intel', 'feeds', f);
    if (existsSync(p)) intel.load(p, parseFeed(p, readFileSync(p, 'utf8')));
  }
  store.close();
  return trained;
}

async function serve(db: string, mode: string): Promise<void> {
  const store = openSqlite(db);
  const registry = new ModelRegistry(store);
  const intel = new IntelStore(store);
  const { IntelIndex } = await import('../src/intel/index.js');
  const service = new IdentificationService({
    registry,
    intelSource: { stamp: () => intel.stamp(), load: () => IntelIndex.fromRows(intel.live()) },
  });
  const worker = mode === 'worker' ? new BatchWorker({ db }) : undefined;
  await worker?.ready();
  const log = new SqliteRequestLog(store);
  const app = buildIdentifyServer({ service, log, ...(worker ? { batchWorker: worker } : {}) });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  process.send?.({ address });
  process.on('message', () => {
    void (async () => {
      await app.close();
      await worker?.close();
      await log.close();
      store.close();
      process.exit(0);
    })();
  });
}

/** Posts the batch file again and again until told to stop; reports how many batches were answered. */
async function batchClient(address: string, file: string): Promise<void> {
  const body = readFileSync(file);
  let stop = false;
  let answered = 0;
  let failed = 0;
  let ms = 0;
  process.on('message', () => (stop = true));
  process.send?.('ready');
  while (!stop) {
    const t0 = performance.now();
    const r = await fetch(`${address}/v1/identify/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const text = await r.text();
    if (r.status === 200 && text.includes('"results"')) answered++;
    else failed++;
    ms += performance.now() - t0;
  }
  process.send?.({ answered, failed, meanMs: answered ? ms / answered : 0 });
  process.exit(0);
}

function batchBody(): Buffer {
  const r = (seed: number): (() => number) => {
    let s = seed >>> 0;
    return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  };
  const rnd = r(7);
  const items: IdentifyRequest[] = [];
  const perItem = Math.ceil(BATCH_BYTES / ITEMS);
  for (let i = 0; i < ITEMS; i++) {
    const ip = `${23 + (i % 180)}.${(i >> 8) & 255}.${i & 255}.${1 + (i % 250)}`;
    const flows: CompactFlow[] = [];
    let size = 30;
    for (let k = 0; size < perItem; k++) {
      const f: CompactFlow = {
        peer: `192.168.${k & 255}.${1 + Math.floor(rnd() * 250)}`,
        port: 443,
        peer_port: 40000 + k,
        proto: 'tcp',
        pkts_out: 3 + Math.floor(rnd() * 40),
        pkts_in: 3 + Math.floor(rnd() * 40),
        bytes_out: 200 + Math.floor(rnd() * 90000),
        bytes_in: 200 + Math.floor(rnd() * 9000),
        start: 1_700_000_000 + k * 31 + rnd(),
        duration: rnd() * 20,
      };
      flows.push(f);
      size += JSON.stringify(f).length + 1;
    }
    items.push({ ip, traffic: { flows } });
  }
  return Buffer.from(JSON.stringify({ items }));
}

const single = JSON.stringify({
  ip: '93.184.216.34',
  traffic: {
    flows: [
      {
        peer: '192.168.1.20',
        port: 443,
        peer_port: 50000,
        proto: 'tcp',
        pkts_out: 12,
        pkts_in: 9,
        bytes_out: 9000,
        bytes_in: 1200,
        start: 1_700_000_000,
        duration: 1.5,
      },
    ],
  },
});

function once(agent: Agent, address: string): Promise<number> {
  const u = new URL(`${address}/v1/identify`);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(single) },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - t0)
            : reject(new Error(`status ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(single);
  });
}

interface Phase {
  name: string;
  n: number;
  p50: number;
  p99: number;
  max: number;
  batches?: number;
}

async function probe(name: string, address: string, ms: number): Promise<Phase> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const lat: number[] = [];
  const until = performance.now() + ms;
  while (performance.now() < until) lat.push(await once(agent, address));
  agent.destroy();
  lat.sort((a, b) => a - b);
  const q = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  return { name, n: lat.length, p50: q(0.5), p99: q(0.99), max: lat[lat.length - 1] };
}

const message = <T>(c: ChildProcess): Promise<T> => new Promise((r) => c.once('message', (m) => r(m as T)));

async function measure(db: string, file: string, mode: string, seconds: number): Promise<Phase[]> {
  const self = fileURLToPath(import.meta.url);
  const server = fork(self, ['--serve', db, mode], { stdio: 'inherit' });
  try {
    const { address } = await message<{ address: string }>(server);
    for (let i = 0; i < 200; i++) await once(new Agent(), address); // warm-up
    const base = await probe(`${mode}: no batch`, address, seconds * 1000);
    const client = fork(self, ['--batch', address, file], { stdio: 'inherit' });
    await message(client);
    const during = await probe(`${mode}: during 35 MB batches`, address, seconds * 1000);
    client.send('stop');
    const b = await message<{ answered: number; failed: number; meanMs: number }>(client);
    if (b.failed) throw new Error(`${b.failed} batches failed`);
    during.batches = b.answered;
    during.name += ` (${b.answered} answered, ${b.meanMs.toFixed(0)} ms each)`;
    return [base, during];
  } finally {
    server.send('stop');
    await new Promise((r) => server.once('exit', r));
  }
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--seconds');
  const seconds = at > 0 ? Number(process.argv[at + 1]) : 10;
  const dir = mkdtempSync(join(tmpdir(), 'moat-batch-latency-'));
  try {
    const db = join(dir, 'bench.db');
    const trained = await prepareStore(db);
    const file = join(dir, 'batch.json');
    const body = batchBody();
    writeFileSync(file, body);
    console.log(
      `model: ${trained}; batch: ${ITEMS} items, ${(body.length / 1e6).toFixed(1)} MB; ${seconds} s per phase`,
    );
    const rows = [
      ...(await measure(db, file, 'worker', seconds)),
      ...(await measure(db, file, 'in-thread', seconds)),
    ];
    const baseP99 = rows[0].p99;
    console.log('phase | requests | p50 ms | p99 ms | max ms | p99 / baseline p99');
    for (const r of rows)
      console.log(
        `${r.name} | ${r.n} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(1)} | ${(r.p99 / baseP99).toFixed(2)}`,
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve') void serve(process.argv[3], process.argv[4]);
else if (process.argv[2] === '--batch') void batchClient(process.argv[3], process.argv[4]);
else void main();
