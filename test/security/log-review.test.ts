/**
 * Log review on real captures: the synthetic SYN scan and telnet brute force, a real nmap SYN scan
 * from the attack corpus (also under 1:4 sampling), per-device baselines that persist across restarts and flag
 * new peers and volume spikes, and a hit enforced by the kernel in a network namespace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeToEvents } from '../../src/pipeline/index.js';
import { encodePcap, synthesize } from '../../src/synth/index.js';
import { FlowSampler } from '../../src/flow/sampling.js';
import { EventCacheTable } from '../../src/security/event-cache.js';
import { LogReview, reviewConfig, type LogReviewConfig } from '../../src/security/log-review.js';
import { LogReviewInspector } from '../../src/security/review-inspector.js';
import { Enforcer } from '../../src/security/enforcement.js';
import { openSqlite, type SqliteStore } from '../../src/store/index.js';
import type { ReviewAlert } from '../../src/finding/index.js';

const SYNSCAN = '../shared/corpus/attacks/chrissanders-packets/synscan.pcapng';

async function review(
  pcap: string,
  cfg: LogReviewConfig = reviewConfig(),
  extra: { db?: SqliteStore; sampler?: FlowSampler; cache?: EventCacheTable; reported?: ReviewAlert[] } = {},
) {
  const cache = extra.cache ?? new EventCacheTable(extra.db);
  const rv = new LogReview({ cache, store: extra.db, report: (e) => extra.reported?.push(e) }, cfg);
  const ins = new LogReviewInspector(rv, extra.sampler);
  const { events } = await analyzeToEvents(pcap, { inspectors: [ins] });
  return { rv, ins, cache, alerts: events.filter((e) => e.event_type === 'alert') };
}

let dir = '';
const synthPcap = async (seed: number, flows?: number): Promise<string> => {
  dir ||= mkdtempSync(join(tmpdir(), 'moat-review-'));
  const p = join(dir, `synth-${seed}-${flows ?? 'default'}.pcap`);
  writeFileSync(p, encodePcap((await synthesize({ seed, flows })).frames));
  return p;
};

test.after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('synthetic scan and telnet brute force: exactly those two devices are restricted and reported', async () => {
  const reported: ReviewAlert[] = [];
  const { rv, alerts, cache } = await review(await synthPcap(1), reviewConfig(), { reported });
  const hits = rv.hits.map((h) => `${h.device} ${h.rule} ${h.entry.operation}`).sort();
  assert.deepEqual(hits, ['10.0.0.66 port-diversity drop', '192.168.1.199 repeat drop']);
  assert.equal(alerts.length, 2);
  assert.equal(reported.length, 2, 'each hit goes to the alert dispatcher too');
  const scan = alerts.find((a) => a.src_ip === '10.0.0.66')!;
  assert.equal((scan.alert as { action: string }).action, 'blocked');
  assert.match(String((scan.alert as { signature: string }).signature), /destination ports/);
  // The restriction is a device-level cache entry: any flow from the scanner, to any peer, is dropped first.
  const now = rv.hits[0].entry.createdUs + 1e6;
  const l = cache.lookup('10.0.0.66', '198.51.100.99', 50000, 8080, 6, now);
  assert.equal(l?.entry.operation, 'drop');
  assert.equal(l?.entry.diagnosis, 'log-review');
  assert.equal(cache.lookup('198.51.100.99', '10.0.0.66', 8080, 50000, 6, now)?.forward, false);
  assert.equal(cache.lookup('10.0.0.15', '198.51.100.99', 50000, 443, 6, now), undefined);
  assert.equal(
    cache.lookup('10.0.0.66', '198.51.100.99', 50000, 8080, 6, now + 3601e6),
    undefined,
    'expired',
  );
});

test('real nmap SYN scan from the corpus is caught, also when only 1 flow in 4 is sampled', async () => {
  const full = await review(SYNSCAN);
  assert.deepEqual(
    full.rv.hits.map((h) => `${h.device} ${h.rule}`),
    ['172.16.0.8 port-diversity'],
  );
  const sampler = new FlowSampler({
    zones: [{ name: 'lan', nets: ['172.16.0.0/12'] }],
    rates: [{ pair: 'lan->*', rate: 4 }],
    defaultRate: 1,
  });
  const sparse = await review(SYNSCAN, reviewConfig(), { sampler });
  assert.ok(
    sparse.ins.sampled > 300 && sparse.ins.sampled < 700,
    `${sparse.ins.sampled} of 1994 flows sampled`,
  );
  assert.deepEqual(
    sparse.rv.hits.map((h) => `${h.device} ${h.rule}`),
    ['172.16.0.8 port-diversity'],
  );
  assert.equal(sparse.rv.hits[0].value % 4, 0, 'counts are scaled by the sampling rate');
  // Thresholds are configuration: a limit above the scan's 1,000 ports lets it pass.
  const lenient = await review(SYNSCAN, reviewConfig({ maxPorts: 2000, maxPeers: 2000, maxRepeat: 2000 }));
  assert.equal(lenient.rv.hits.length, 0);
});

test('baselines persist across restarts; new peers and volume spikes are judged against them', async () => {
  const path = join(dir || mkdtempSync(join(tmpdir(), 'moat-review-')), 'review.db');
  const cfg = reviewConfig({ minBaselineWindows: 2, maxNewPeers: 4, volumeFactor: 3, minVolumeBytes: 1000 });
  const one = await synthPcap(1);
  const baselineOnly = <T extends { rule: string }>(hits: T[]): T[] =>
    hits.filter((h) => h.rule === 'new-peers' || h.rule === 'volume');
  for (let run = 0; run < 2; run++) {
    const db = openSqlite(path);
    const { rv } = await review(one, cfg, { db });
    // Before a baseline exists only the absolute rules can fire.
    assert.deepEqual(baselineOnly(rv.hits), []);
    db.close();
  }
  let db = openSqlite(path);
  let r = await review(one, cfg, { db });
  assert.ok((r.rv.baseline('10.0.0.15')?.windows ?? 0) >= 2, 'baseline kept across restarts');
  assert.ok((r.rv.baseline('10.0.0.15')?.peers ?? 0) >= 5);
  assert.deepEqual(baselineOnly(r.rv.hits), [], 'the same traffic again is normal for every device');
  db.close();
  // Another ordinary day (other seed, same amount of traffic): still normal.
  db = openSqlite(path);
  r = await review(await synthPcap(2), cfg, { db });
  assert.deepEqual(baselineOnly(r.rv.hits), []);
  db.close();
  // A busy day: four times the flows — some devices reach servers they never used and send far more.
  db = openSqlite(path);
  r = await review(await synthPcap(3, 40), cfg, { db });
  const flagged = baselineOnly(r.rv.hits).map((h) => `${h.device} ${h.rule} ${h.entry.operation}`);
  assert.ok(flagged.includes('10.0.0.42 new-peers monitor'), flagged.join(', '));
  assert.ok(flagged.includes('10.0.0.42 volume track'), flagged.join(', '));
  assert.ok(!flagged.some((f) => f.startsWith('10.0.0.66')), 'the scanner has no baseline: never learnt');
  db.close();
  // The restrictions were persisted with the event cache table.
  db = openSqlite(path);
  const cache = new EventCacheTable(db);
  assert.ok([...cache.entries()].some((e) => e.eventId === 'log-review:volume' && e.srcIp === '10.0.0.42'));
  db.close();
});

test('bad review configuration is refused with the field named', () => {
  assert.throws(() => reviewConfig({ maxPorts: -1 }), /maxPorts must be a positive number/);
  assert.throws(() => reviewConfig({ actions: { scan: { operation: 'drop' } } }), /unknown rule 'scan'/);
  assert.throws(
    () => reviewConfig({ actions: { fanout: { operation: 'explode' as 'drop' } } }),
    /actions.fanout.operation 'explode'/,
  );
});

const NS = `moat-review-${process.pid}`;

function connectFrom(local: string): string {
  const js = `const s=require('net').connect({port:8080,host:'10.97.0.1',localAddress:'${local}'});let d='';s.on('data',c=>d+=c);s.on('end',()=>console.log(d||'EMPTY'));s.on('error',e=>console.log(e.code));s.setTimeout(1200,()=>{console.log('TIMEOUT');s.destroy()})`;
  return spawnSync('ip', ['netns', 'exec', NS, process.execPath, '-e', js], {
    encoding: 'utf8',
    timeout: 10_000,
  }).stdout.trim();
}

test('live: the scanner found in the corpus capture is cut off by nftables, other devices are not', async (t) => {
  if (process.getuid?.() !== 0 || spawnSync('sh', ['-c', 'command -v nft && command -v ip']).status !== 0) {
    t.skip('needs root, nft and ip');
    return;
  }
  let server: ChildProcess | undefined;
  spawnSync('ip', ['netns', 'del', NS]);
  assert.equal(spawnSync('ip', ['netns', 'add', NS]).status, 0);
  try {
    for (const a of ['10.97.0.1/32', '172.16.0.8/32', '172.16.0.9/32'])
      assert.equal(spawnSync('ip', ['-n', NS, 'addr', 'add', a, 'dev', 'lo']).status, 0);
    assert.equal(spawnSync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']).status, 0);
    const js = `require('net').createServer(s=>s.end('ok')).listen(8080,'10.97.0.1',()=>console.log('up'))`;
    server = spawn('ip', ['netns', 'exec', NS, process.execPath, '-e', js], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((r) => server?.stdout?.once('data', () => r()));
    const enf = new Enforcer({ netns: NS, table: 'moat_review_test', hookOutput: true });
    await enf.install();
    assert.equal(connectFrom('172.16.0.8'), 'ok');
    const cache = new EventCacheTable();
    const rv = new LogReview({ cache, enforce: (e) => enf.apply(e) });
    await analyzeToEvents(SYNSCAN, { inspectors: [new LogReviewInspector(rv)] });
    assert.deepEqual(rv.enforceErrors, []);
    assert.equal(rv.hits.length, 1);
    assert.equal(connectFrom('172.16.0.8'), 'TIMEOUT', 'the scanning device is restricted');
    assert.equal(connectFrom('172.16.0.9'), 'ok', 'its neighbour is not');
    assert.ok((await enf.remove(rv.hits[0].entry)) >= 1);
    assert.equal(connectFrom('172.16.0.8'), 'ok', 'lifted');
    await enf.uninstall();
  } finally {
    server?.kill('SIGTERM');
    spawnSync('ip', ['netns', 'del', NS]);
  }
});
