/**
 * Verdicts from live traffic in the gateway's own inspection: `moat gateway` with `inspection.model`
 * and `inspection.review` judges the flows it captures on the LAN side.
 *
 * - The identification model (trained here and registered in the store, as `moat identify train` does) sees a
 *   device's periodic check-ins to a WAN server and calls the server black; the verdict becomes a drop entry
 *   (diagnosis ml) and the kernel blocks that destination for the device on every port, counted by the verdict
 *   table's counter, while the device's downloads from another WAN server are judged clean and untouched.
 * - Log review sees a second device touch many ports and restricts it (diagnosis log-review, device level): its
 *   entry is announced on the bus and enforced like any other verdict; the first device is not restricted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADDR, Topology, canBuildTopology, waitFor } from './topology.js';
import { writeVerdictTools } from './verdict-tools.js';
import { trainBeaconModel } from './beacon-model.js';
import { liveCaptureMissing } from '../helpers/live-capture.js';

const MOAT = fileURLToPath(new URL('../../../bin/moat.js', import.meta.url));
const DEV = '192.168.61.50';
const SCANNER = '192.168.61.51';
/** Public-looking addresses (inside the test's namespaces only): the model judges public addresses alone. */
const C2 = '45.77.12.34';
const WEB = '151.101.9.67';

// 8080/4444: answers each check-in with 300 bytes and closes; 80: a 200 kB download; others refuse (RST).
const SERVER = String.raw`
const net = require('net');
let n = 3;
const up = () => { if (--n === 0) console.log('listening'); };
for (const port of [8080, 4444]) net.createServer((s) => {
  s.on('error', () => {});
  s.once('data', () => s.end(Buffer.alloc(300, 0x42)));
}).listen(port, '0.0.0.0', up);
net.createServer((s) => { s.on('error', () => {}); s.end(Buffer.alloc(200000, 0x61)); }).listen(80, '0.0.0.0', up);
`;

// o.count connections to o.host:o.port from o.from, o.gapMs apart, each sending 250 bytes and reading to the end.
const CHECKINS = String.raw`
const net = require('net');
const o = JSON.parse(process.argv[2]);
const out = [];
const one = (i) => {
  if (i >= o.count) { console.log(JSON.stringify(out)); return; }
  const s = net.connect({ host: o.host, port: o.port, localAddress: o.from });
  let got = 0;
  const next = (r) => { out.push(r); setTimeout(() => one(i + 1), o.gapMs); };
  s.setTimeout(2000, () => { s.destroy(); next('TIMEOUT'); });
  s.on('connect', () => { if (o.send) s.write(Buffer.alloc(250, 0x41)); });
  s.on('data', (d) => { got += d.length; });
  s.on('end', () => next(got));
  s.on('error', (e) => next(e.code));
};
one(0);
`;

test('the identification model and log review in the gateway: live verdicts enforced in the kernel', async (t) => {
  const why = canBuildTopology() ?? liveCaptureMissing();
  if (why) {
    t.skip(why);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'moat-gwe-'));
  const topo = new Topology('me');
  const vt = writeVerdictTools(dir);
  const serverJs = join(dir, 'server.cjs');
  const checkinsJs = join(dir, 'checkins.cjs');
  writeFileSync(serverJs, SERVER);
  writeFileSync(checkinsJs, CHECKINS);
  const db = join(dir, 'moat.db');
  const version = trainBeaconModel(db);
  const cfg = join(dir, 'gateway.yaml');
  writeFileSync(
    cfg,
    `zones:
  wan: { interface: wan0, address: ${ADDR.gwWan}/24, router: ${ADDR.wanServer} }
  lan: { interface: lan0, address: ${ADDR.gwLan}/24 }
stateDir: ${dir}/state
database: ${db}
inspection:
  model: {}
  review: { maxPorts: 10 }
verdicts: { deception: { dnsPort: 41163, httpPort: 41164 } }
`,
  );
  let gwLog = '';
  const until = async (what: string, ok: () => boolean, ms = 40_000): Promise<number> => {
    const t0 = Date.now();
    while (!ok()) {
      if (Date.now() - t0 > ms)
        throw new Error(`timed out waiting for ${what}\ngateway:\n${gwLog.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return Date.now();
  };
  const connect = (from: string, host: string, port: number) => {
    const r = topo.exec('lan', process.execPath, [
      vt.connectJs,
      JSON.stringify({ host, port, from, timeoutMs: 1500, send: 'hello' }),
    ]);
    return JSON.parse(r.stdout.trim() || '{"error":"none"}') as {
      ok?: boolean;
      error?: string;
      data?: string;
    };
  };
  const checkins = (from: string, host: string, port: number, count: number, gapMs: number) => {
    const r = topo.exec('lan', process.execPath, [
      checkinsJs,
      JSON.stringify({ from, host, port, count, gapMs, send: true }),
    ]);
    return JSON.parse(r.stdout.trim() || '[]') as Array<number | string>;
  };
  const nft = (...args: string[]) => topo.exec('gw', 'nft', args).stdout;
  try {
    topo.build();
    for (const a of [DEV, SCANNER]) topo.ip('-n', topo.ns.lan, 'addr', 'add', `${a}/24`, 'dev', 'eth0');
    topo.ip('-n', topo.ns.lan, 'route', 'add', 'default', 'via', ADDR.gwLan);
    for (const a of [C2, WEB]) topo.ip('-n', topo.ns.wan, 'addr', 'add', `${a}/32`, 'dev', 'eth0');
    const server = topo.start('wan', process.execPath, [serverJs]);
    await waitFor(server, /listening/);
    const gw: ChildProcess = topo.start('gw', process.execPath, [MOAT, 'gateway', '--config', cfg]);
    gw.stderr!.on('data', (d: Buffer) => (gwLog += d.toString()));
    await waitFor(gw, /running \(pid \d+\)/, 30_000);
    assert.match(gwLog, new RegExp(`identification model v${version} checks every flow`));
    assert.match(gwLog, /log review of every flow/);

    // Benign first: two downloads from the web server.
    assert.deepEqual(checkins(DEV, WEB, 80, 2, 200), [200000, 200000]);

    // The device checks in with the C2 eight times, half a second apart: all answered (no verdict yet).
    assert.deepEqual(checkins(DEV, C2, 8080, 8, 500), Array(8).fill(300));
    const lastCheckin = Date.now();
    const seen = await until('the model verdict enforced', () =>
      new RegExp(
        `verdict drop: ${DEV.replace(/\./g, '\\.')}\\|${C2.replace(/\./g, '\\.')}\\|0\\|0\\|0 \\(ml ml:9500001\\)`,
      ).test(gwLog),
    );
    // From the verdict's announcement to the element in the kernel's set.
    const pair = `${DEV} . ${C2}`;
    const inKernel = await until(
      'the element in the kernel',
      () => nft('list', 'set', 'inet', 'moat_gateway_verdicts', 'drop_pair_both').includes(pair),
      5000,
    );
    t.diagnostic(
      `model verdict: log line ${((seen - lastCheckin) / 1000).toFixed(1)} s after the last check-in (closed flows end 10 s after their FIN), in the kernel ${inKernel - seen} ms later`,
    );

    // The next connection to the C2, on any port, goes nowhere; the web server still answers.
    assert.equal(connect(DEV, C2, 8080).error, 'TIMEOUT');
    assert.equal(connect(DEV, C2, 4444).error, 'TIMEOUT');
    assert.deepEqual(checkins(DEV, WEB, 80, 1, 0), [200000], 'the benign destination is untouched');
    const table = nft('list', 'table', 'inet', 'moat_gateway_verdicts');
    const counted = /ip saddr \. ip daddr @drop_pair_both counter packets (\d+)/.exec(table);
    assert.ok(counted && Number(counted[1]) >= 2, `the kernel counted the blocked SYNs:\n${table}`);
    assert.doesNotMatch(table, new RegExp(WEB.replace(/\./g, '\\.')), 'no entry for the web server');
    t.diagnostic(`drop_pair_both counted ${counted?.[1]} packets`);

    // Log review: the second device touches 14 closed ports of the WAN router within a minute.
    for (let p = 20001; p <= 20014; p++) connect(SCANNER, ADDR.wanServer, p);
    await until('the log review restriction enforced', () =>
      /verdict drop: 192\.168\.61\.51\|\*\|0\|0\|0 \(log-review log-review:port-diversity\)/.test(gwLog),
    );
    await until(
      'the device in the kernel set',
      () => nft('list', 'set', 'inet', 'moat_gateway_verdicts', 'drop_dev_both').includes(SCANNER),
      5000,
    );
    assert.equal(connect(SCANNER, WEB, 80).error, 'TIMEOUT', 'the restricted device reaches nothing');
    assert.equal(connect(DEV, WEB, 80).data?.length, 200000, 'the other device is not restricted');
    const list = topo.exec('gw', process.execPath, [
      MOAT,
      'gateway',
      'verdict',
      'list',
      '--config',
      cfg,
      '--json',
    ]);
    const rows = JSON.parse(list.stdout) as Array<{
      diagnosis: string;
      operation: string;
      srcIp: string;
      dstIp: string;
    }>;
    assert.deepEqual(rows.map((r) => [r.diagnosis, r.operation, r.srcIp, r.dstIp]).sort(), [
      ['log-review', 'drop', SCANNER, '*'],
      ['ml', 'drop', DEV, C2],
    ]);
  } finally {
    await topo.stopAll();
    topo.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
