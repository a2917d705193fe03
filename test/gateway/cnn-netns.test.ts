/**
 * The deployed payload CNN in the gateway's sampled inspection (issue 16, "in the gateway"; ): a model
 * trained with `moat ml train` on a small sample of USTC-TFC2016 sits in the gateway's store; a LAN device sends
 * sessions the model never saw (their payload bytes, one TCP connection each, each to its own WAN address) through
 * the gateway. The live inspection classifies the flows in batches once a second; malicious verdicts become entries
 * with diagnosis `cnn` and the kernel blocks those destinations for the device, while unflagged ones stay reachable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { USTC_MALICIOUS } from '../../src/ml/index.js';
import { SKIP, USTC_DIR, ustcSplit } from '../ml/corpus.js';
import { ADDR, Topology, canBuildTopology, waitFor } from './topology.js';
import { writeVerdictTools } from './verdict-tools.js';
import { liveCaptureMissing } from '../helpers/live-capture.js';

const MOAT = fileURLToPath(new URL('../../../bin/moat.js', import.meta.url));
const DEV = '192.168.61.50';
const PORT = 7000;

// Reads what each connection sends and closes when the client is done.
const SINK = String.raw`
const net = require('net');
net.createServer((s) => { s.on('error', () => {}); s.on('data', () => {}); s.on('end', () => s.end()); })
  .listen(${PORT}, '0.0.0.0', () => console.log('listening'));
`;

// One connection per item: sends the payload (hex) from o.from, half-closes, waits for the close.
const SEND = String.raw`
const net = require('net');
const o = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const out = [];
const one = (i) => {
  if (i >= o.items.length) { console.log(JSON.stringify(out)); return; }
  const it = o.items[i];
  const s = net.connect({ host: it.host, port: o.port, localAddress: o.from });
  const next = (r) => { out.push(r); setTimeout(() => one(i + 1), 20); };
  s.setTimeout(3000, () => { s.destroy(); next('TIMEOUT'); });
  s.on('connect', () => s.end(Buffer.from(it.hex, 'hex')));
  s.on('close', () => next('ok'));
  s.on('error', (e) => next(e.code));
};
one(0);
`;

test(
  'the deployed CNN judges live flows in the gateway: cnn entries, destinations blocked',
  { skip: SKIP },
  async (t) => {
    const why = canBuildTopology() ?? liveCaptureMissing();
    if (why) {
      t.skip(why);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'moat-gwc-'));
    const topo = new Topology('mc');
    const vt = writeVerdictTools(dir);
    writeFileSync(join(dir, 'sink.cjs'), SINK);
    writeFileSync(join(dir, 'send.cjs'), SEND);
    const db = join(dir, 'moat.db');
    const tr = spawnSync(
      process.execPath,
      [
        MOAT,
        'ml',
        'train',
        '--ustc',
        USTC_DIR,
        '--db',
        db,
        '--per-class',
        '30',
        '--epochs',
        '4',
        '--min-detection',
        '0.5',
        '--max-false-alarm',
        '0.5',
      ],
      { encoding: 'utf8', timeout: 240_000 },
    );
    assert.equal(tr.status, 0, tr.stderr);

    // Two held-out sessions per class (another seed's sample), trailing zero padding cut; each to its own address.
    const { test: held } = ustcSplit(60, 2, 99);
    const items: Array<{ host: string; hex: string; malicious: boolean }> = [];
    for (let i = 0; i < held.n; i++) {
      let end = held.width;
      while (end > 0 && held.bytes[i * held.width + end - 1] === 0) end--;
      if (end < 16) continue;
      const hex = Buffer.from(held.bytes.subarray(i * held.width, i * held.width + end)).toString('hex');
      items.push({
        host: `45.77.${10 + (i >> 8)}.${(i & 255) + 1}`,
        hex,
        malicious: USTC_MALICIOUS.includes(held.labels[i]),
      });
    }
    writeFileSync(join(dir, 'items.json'), JSON.stringify({ port: PORT, from: DEV, items }));
    const cfg = join(dir, 'gateway.yaml');
    writeFileSync(
      cfg,
      `zones:
  wan: { interface: wan0, address: ${ADDR.gwWan}/24, router: ${ADDR.wanServer} }
  lan: { interface: lan0, address: ${ADDR.gwLan}/24 }
stateDir: ${dir}/state
database: ${db}
inspection:
  cnn: { minConfidence: 0.5 }
verdicts: { deception: { dnsPort: 41165, httpPort: 41166 } }
`,
    );
    let gwLog = '';
    const until = async (what: string, ok: () => boolean, ms = 40_000): Promise<void> => {
      const t0 = Date.now();
      while (!ok()) {
        if (Date.now() - t0 > ms)
          throw new Error(`timed out waiting for ${what}\ngateway:\n${gwLog.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const connect = (host: string) => {
      const r = topo.exec('lan', process.execPath, [
        vt.connectJs,
        JSON.stringify({ host, port: PORT, from: DEV, timeoutMs: 1500, send: 'x', endAfterMs: 200 }),
      ]);
      return JSON.parse(r.stdout.trim() || '{"error":"none"}') as { ok?: boolean; error?: string };
    };
    const verdicts = () => {
      const r = topo.exec('gw', process.execPath, [
        MOAT,
        'gateway',
        'verdict',
        'list',
        '--config',
        cfg,
        '--json',
      ]);
      return JSON.parse(r.stdout || '[]') as Array<{
        diagnosis: string;
        operation: string;
        srcIp: string;
        dstIp: string;
        eventId: string;
      }>;
    };
    try {
      topo.build();
      topo.ip('-n', topo.ns.lan, 'addr', 'add', `${DEV}/24`, 'dev', 'eth0');
      topo.ip('-n', topo.ns.lan, 'route', 'add', 'default', 'via', ADDR.gwLan);
      for (const it of items) topo.ip('-n', topo.ns.wan, 'addr', 'add', `${it.host}/32`, 'dev', 'eth0');
      const sink = topo.start('wan', process.execPath, [join(dir, 'sink.cjs')]);
      await waitFor(sink, /listening/);
      const gw: ChildProcess = topo.start('gw', process.execPath, [MOAT, 'gateway', '--config', cfg]);
      gw.stderr!.on('data', (d: Buffer) => (gwLog += d.toString()));
      await waitFor(gw, /running \(pid \d+\)/, 60_000);
      assert.match(gwLog, /payload CNN \S+ \([0-9a-f]{16}\) checks every flow on a worker thread/);

      const sent = topo.exec('lan', process.execPath, [join(dir, 'send.cjs'), join(dir, 'items.json')], {
        timeout: 120_000,
      });
      const results = JSON.parse(sent.stdout.trim()) as string[];
      assert.equal(results.length, items.length);
      assert.ok(
        results.every((r) => r === 'ok'),
        `every session went through before any verdict: ${sent.stdout}`,
      );

      // The flows end 10 s after their close; each batch is classified at the next tick. The daemon's status (written
      // every 5 s) counts what the CNN judged.
      const cnnStatus = () => {
        const st = topo.exec('gw', process.execPath, [MOAT, 'gateway', 'status', '--config', cfg, '--json']);
        return /cnn (\d+) classified \((\d+) too short\), (\d+) malicious, (\d+) batches handed to the worker in ([\d.]+) ms mean, ([\d.]+) ms max/.exec(
          st.stdout,
        );
      };
      let m: RegExpExecArray | null = null;
      await until('every session judged', () => {
        m = cnnStatus();
        return m !== null && Number(m[1]) + Number(m[2]) >= items.length;
      });
      assert.ok(m);
      const [, classified, short, , batches, meanMs, maxMs] = m as RegExpExecArray;
      assert.equal(Number(classified) + Number(short), items.length, 'every session was sampled and judged');
      t.diagnostic(
        `cnn: ${batches} batches for ${classified} flows, handed to the worker in ${meanMs} ms mean, ${maxMs} ms max`,
      );
      const rows = verdicts().filter((r) => r.diagnosis === 'cnn');
      const malicious = new Set(items.filter((i) => i.malicious).map((i) => i.host));
      const hits = rows.filter((r) => malicious.has(r.dstIp));
      assert.ok(
        rows.every((r) => r.operation === 'drop' && r.srcIp === DEV && r.eventId === 'cnn:9500101'),
        JSON.stringify(rows),
      );
      assert.ok(hits.length >= 5, `${hits.length} of ${malicious.size} malicious sessions flagged`);
      assert.ok(
        rows.length - hits.length < hits.length,
        `${rows.length - hits.length} benign sessions flagged`,
      );
      t.diagnostic(
        `cnn: ${hits.length} of ${malicious.size} malicious flagged, ${rows.length - hits.length} of ${items.length - malicious.size} benign`,
      );

      // In the kernel: a flagged destination is blocked for the device, an unflagged one answers.
      const flagged = hits[0].dstIp;
      const spared = items.find((i) => !rows.some((r) => r.dstIp === i.host))!.host;
      assert.equal(connect(flagged).error, 'TIMEOUT', `${flagged} is blocked`);
      assert.equal(connect(spared).ok, true, `${spared} was not flagged and answers`);
    } finally {
      await topo.stopAll();
      topo.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
