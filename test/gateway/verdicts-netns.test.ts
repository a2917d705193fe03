/**
 * Every verdict becomes kernel state (issue 12 points 6 and 7), for real in network namespaces: `moat gateway` runs
 * in `gw`; `lan` holds two static devices, `wan` a server and two attackers, `iot` a port-forwarded device, `dmz` a
 * listener standing in for the honeypot. Each of the eight A-37 operations is put in force through the gateway's bus
 * (`moat gateway verdict add`) and observed on the wire; rule hits of an installed bundle (picked up without a
 * restart) block, reset, hand an inbound attacker to the honeypot and isolate a device with a webhook alert; engine
 * verdicts block destinations; a kill -9 and restart restores the entries without dropping a download.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { ADDR, Topology, canBuildTopology, waitFor } from './topology.js';
import { writeNetTools } from './net-tools.js';
import { writeVerdictTools } from './verdict-tools.js';

const MOAT = fileURLToPath(new URL('../../../bin/moat.js', import.meta.url));
const DEV1 = '192.168.61.50';
const DEV2 = '192.168.61.51';
const DEV3 = '192.168.61.52';
const ATTACKER1 = '10.90.0.6';
const ATTACKER2 = '10.90.0.5';
const TLS_SERVER = '10.90.0.7';
const BLACK_SERVER = '10.90.0.8';
const WEBHOOK_PORT = 42150;

function gatewayYaml(dir: string): string {
  return `zones:
  wan: { interface: wan0, address: ${ADDR.gwWan}/24 }
  lan: { interface: lan0, address: ${ADDR.gwLan}/24 }
  iot: { interface: iot0, address: ${ADDR.gwIot}/24 }
  dmz:
    interface: dmz0
    address: ${ADDR.gwDmz}/24
    honeypot: ${ADDR.honeypot}
portForwards:
  - { protocol: tcp, port: 8080, to: ${ADDR.iotDevice}, toPort: 80 }
stateDir: ${dir}/state
database: ${dir}/moat.db
verdicts:
  deception: { dnsPort: 42153, httpPort: 42154, sinkhole: 10.66.66.66 }
  rules: { bundleDir: ${dir}/bundles, keys: [${dir}/vendor.pub] }
  alerts: { webhooks: ['http://127.0.0.1:${WEBHOOK_PORT}/alert'] }
`;
}

interface Result {
  ok?: boolean;
  error?: string;
  data: string;
}

test('moat gateway enforces every verdict in the kernel: eight operations, rule hits, incidents, restart', async (t) => {
  const why = canBuildTopology();
  if (why) {
    t.skip(why);
    return;
  }
  for (const tool of ['tcpdump'])
    if (!existsTool(tool)) {
      t.skip(`${tool} not installed`);
      return;
    }
  const dir = mkdtempSync(join(tmpdir(), 'moat-gwv-'));
  const topo = new Topology('mv');
  const cfg = join(dir, 'gateway.yaml');
  writeFileSync(cfg, gatewayYaml(dir));
  const net = writeNetTools(dir);
  const vt = writeVerdictTools(dir);
  let gw: ChildProcess | undefined;
  let gwLog = '';

  const moat = (...args: string[]) => topo.exec('gw', process.execPath, [MOAT, ...args], { timeout: 30_000 });
  const verdict = (...args: string[]) => {
    const r = moat('gateway', 'verdict', ...args, '--config', cfg);
    assert.equal(r.status, 0, `verdict ${args.join(' ')}: ${r.stderr}\n${gwLog.slice(-2000)}`);
    return r.stdout;
  };
  const connect = (
    role: 'lan' | 'wan',
    from: string,
    host: string,
    port: number,
    o: { send?: string; timeoutMs?: number; endAfterMs?: number } = {},
  ): Result => {
    const r = topo.exec(role, process.execPath, [
      vt.connectJs,
      JSON.stringify({
        host,
        port,
        from,
        timeoutMs: o.timeoutMs ?? 1500,
        send: o.send,
        endAfterMs: o.endAfterMs,
      }),
    ]);
    try {
      return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Result;
    } catch {
      return { error: `no result: ${r.stderr}`, data: '' };
    }
  };
  const startGateway = async (): Promise<ChildProcess> => {
    const child = topo.start('gw', process.execPath, [MOAT, 'gateway', '--config', cfg]);
    child.stderr!.on('data', (d: Buffer) => (gwLog += d.toString()));
    await waitFor(child, /running \(pid \d+\)/, 30_000);
    return child;
  };
  const server = async (role: 'wan' | 'dmz' | 'iot', spec: object): Promise<ChildProcess> => {
    const child = topo.start(role, process.execPath, [net.serverJs, JSON.stringify(spec)]);
    await waitFor(child, /listening/);
    return child;
  };
  const until = async (what: string, ok: () => boolean, ms = 10_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > end)
        throw new Error(`timed out waiting for ${what}; gateway log:\n${gwLog.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  try {
    topo.build();
    for (const a of [DEV1, DEV2, DEV3]) topo.ip('-n', topo.ns.lan, 'addr', 'add', `${a}/24`, 'dev', 'eth0');
    topo.ip('-n', topo.ns.lan, 'route', 'add', 'default', 'via', ADDR.gwLan);
    for (const a of [ATTACKER1, ATTACKER2, TLS_SERVER, BLACK_SERVER])
      topo.ip('-n', topo.ns.wan, 'addr', 'add', `${a}/24`, 'dev', 'eth0');

    // WAN: echo/label services, a UDP counter, a slow download. DMZ: the honeypot. IoT: the port-forwarded device.
    await server('wan', {
      label: 'wan',
      tcp: [9000, 9100, 9300, 9301, 9302, 443],
      slowHttp: { port: 8088, bytes: 8 << 20, chunk: 64 << 10, everyMs: 50 },
    });
    const udpCount = topo.start('wan', process.execPath, [vt.udpCountJs, '9001']);
    await waitFor(udpCount, /listening/);
    let udpSeen = 0;
    udpCount.stdout!.on('data', (d: Buffer) => {
      const m = /count (\d+)\s*$/.exec(d.toString().trim());
      if (m) udpSeen = Number(m[1]);
    });
    const honeypot = await server('dmz', { label: 'honeypot', tcp: [8080, 9000] });
    let honeypotLog = '';
    honeypot.stdout!.on('data', (d: Buffer) => (honeypotLog += d.toString()));
    const iot = await server('iot', { label: 'iot-device', tcp: [80], echo: true });
    let iotLog = '';
    iot.stdout!.on('data', (d: Buffer) => (iotLog += d.toString()));
    const webhook = topo.start('gw', process.execPath, [vt.webhookJs, String(WEBHOOK_PORT)]);
    let hooks = '';
    webhook.stdout!.on('data', (d: Buffer) => (hooks += d.toString()));
    await waitFor(webhook, /listening/);

    // a signed bundle (drop rule only) installed before the gateway starts.
    mkdirSync(join(dir, 'bundles'));
    assert.equal(moat('rules', 'keygen', '--out', join(dir, 'vendor')).status, 0);
    const bundle = (version: string, rules: string): string => {
      const src = join(dir, `rules-${version}.rules`);
      writeFileSync(src, rules);
      const out = join(dir, `bundle-${version}.json`);
      const r = moat(
        'rules',
        'sign',
        src,
        '--key',
        join(dir, 'vendor.key'),
        '--version',
        version,
        '--out',
        out,
      );
      assert.equal(r.status, 0, r.stderr);
      return out;
    };
    const install = (file: string) => {
      const r = moat(
        'rules',
        'install',
        file,
        '--db',
        join(dir, 'moat.db'),
        '--dir',
        join(dir, 'bundles'),
        '--key',
        join(dir, 'vendor.pub'),
      );
      assert.equal(r.status, 0, r.stderr);
    };
    const DROP_RULE =
      'drop tcp any any -> any 9300 (msg:"test drop"; flow:to_server; content:"EVILDROP"; sid:1000001; priority:3;)\n';
    install(bundle('1.0.0', DROP_RULE));

    gw = await startGateway();
    await until('bundle 1.0.0 in force', () => /rule bundle \S+ 1\.0\.0 in force/.test(gwLog));

    // --- the eight operations, each through the bus, observed on the wire ---
    assert.ok(connect('lan', DEV1, ADDR.wanServer, 9000).ok, 'baseline: lan reaches wan:9000');

    // drop: the connection times out; another port still works; removing lifts it.
    const tAdd = Date.now();
    verdict(
      'add',
      '--op',
      'drop',
      '--src',
      DEV1,
      '--dst',
      ADDR.wanServer,
      '--proto',
      'tcp',
      '--dport',
      '9000',
    );
    t.diagnostic(`verdict add → in the kernel: ${Date.now() - tAdd} ms (the command's start included)`);
    assert.equal(connect('lan', DEV1, ADDR.wanServer, 9000).error, 'TIMEOUT');
    assert.ok(connect('lan', DEV1, ADDR.wanServer, 9100).ok);
    verdict('remove', '--src', DEV1, '--dst', ADDR.wanServer, '--proto', 'tcp', '--dport', '9000');
    assert.ok(connect('lan', DEV1, ADDR.wanServer, 9000).ok, 'drop lifted');

    // reset: the SYN is answered with a RST (ECONNREFUSED), at once.
    verdict(
      'add',
      '--op',
      'reset',
      '--src',
      DEV1,
      '--dst',
      ADDR.wanServer,
      '--proto',
      'tcp',
      '--dport',
      '9000',
    );
    const t0 = Date.now();
    assert.equal(connect('lan', DEV1, ADDR.wanServer, 9000).error, 'ECONNREFUSED');
    assert.ok(Date.now() - t0 < 1400, 'the reset comes at once, not after a timeout');
    verdict('remove', '--src', DEV1, '--dst', ADDR.wanServer, '--proto', 'tcp', '--dport', '9000');

    // forward: an allowed flow passes a device-level drop.
    verdict('add', '--op', 'drop', '--src', DEV2);
    verdict(
      'add',
      '--op',
      'forward',
      '--src',
      DEV2,
      '--dst',
      ADDR.wanServer,
      '--proto',
      'tcp',
      '--dport',
      '9100',
    );
    assert.equal(connect('lan', DEV2, ADDR.wanServer, 9000).error, 'TIMEOUT', 'the device is dropped');
    assert.ok(connect('lan', DEV2, ADDR.wanServer, 9100).ok, 'the forwarded flow passes');
    verdict('remove', '--src', DEV2);
    verdict('remove', '--src', DEV2, '--dst', ADDR.wanServer, '--proto', 'tcp', '--dport', '9100');

    // suppress: 150 datagrams/s for 3 s through a 20/second limit arrive at about 20/s.
    verdict(
      'add',
      '--op',
      'suppress',
      '--arg',
      '20/second',
      '--src',
      DEV1,
      '--dst',
      ADDR.wanServer,
      '--proto',
      'udp',
      '--dport',
      '9001',
    );
    const before = udpSeen;
    const blast = topo.exec('lan', process.execPath, [
      vt.blastJs,
      JSON.stringify({ from: DEV1, host: ADDR.wanServer, port: 9001, count: 450, ms: 3000 }),
    ]);
    const sent = JSON.parse(blast.stdout) as { sent: number; ms: number };
    await new Promise((r) => setTimeout(r, 600));
    const got = udpSeen - before;
    const rate = got / (sent.ms / 1000);
    t.diagnostic(
      `suppress: sent ${sent.sent} in ${sent.ms} ms (${((sent.sent * 1000) / sent.ms).toFixed(0)}/s), received ${got} = ${rate.toFixed(1)}/s (limit 20/s)`,
    );
    assert.ok(rate >= 14 && rate <= 28, `suppressed rate ${rate.toFixed(1)}/s should be about 20/s`);
    verdict('remove', '--src', DEV1, '--dst', ADDR.wanServer, '--proto', 'udp', '--dport', '9001');
    const after = udpSeen;
    topo.exec('lan', process.execPath, [
      vt.blastJs,
      JSON.stringify({ from: DEV1, host: ADDR.wanServer, port: 9001, count: 150, ms: 1000 }),
    ]);
    await new Promise((r) => setTimeout(r, 600));
    assert.ok(udpSeen - after >= 140, `without the entry nearly all arrive (${udpSeen - after} of 150)`);

    // monitor (flow level: one copy per new flow, headers only) and track (every packet, payload included).
    const nflog = (group: number) => {
      const c = topo.start('gw', 'tcpdump', ['-i', `nflog:${group}`, '-n', '-l', '-A', '-s', '0']);
      let out = '';
      c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      return { child: c, text: () => out };
    };
    const mon = nflog(10);
    const trk = nflog(11);
    await until(
      'tcpdump on nflog',
      () => /listening on nflog:10/.test(mon.text()) && /listening on nflog:11/.test(trk.text()),
    );
    verdict(
      'add',
      '--op',
      'monitor',
      '--src',
      DEV1,
      '--dst',
      ADDR.wanServer,
      '--proto',
      'tcp',
      '--dport',
      '9000',
      '--direction',
      'forward',
    );
    verdict(
      'add',
      '--op',
      'track',
      '--src',
      DEV3,
      '--dst',
      ADDR.wanServer,
      '--proto',
      'tcp',
      '--dport',
      '9000',
    );
    for (let i = 0; i < 3; i++)
      assert.ok(connect('lan', DEV1, ADDR.wanServer, 9000, { send: `MONITORED${i}`, endAfterMs: 200 }).ok);
    assert.ok(connect('lan', DEV3, ADDR.wanServer, 9000, { send: 'TRACKED-PAYLOAD-42', endAfterMs: 300 }).ok);
    await until(
      'NFLOG copies',
      () => (mon.text().match(/Flags \[S\]/g) ?? []).length >= 3 && trk.text().includes('TRACKED-PAYLOAD-42'),
    );
    await new Promise((r) => setTimeout(r, 300));
    const monPackets = (mon.text().match(/ IP /g) ?? []).length;
    const trkPackets = (trk.text().match(/ IP /g) ?? []).length;
    t.diagnostic(`monitor: ${monPackets} NFLOG copies for 3 flows; track: ${trkPackets} copies for 1 flow`);
    assert.equal(monPackets, 3, 'monitor copies the first packet of each flow only');
    assert.ok(!mon.text().includes('MONITORED'), 'monitor copies carry no payload');
    assert.ok(trkPackets >= 5, 'track copies every packet of the flow, both ways');
    mon.child.kill('SIGTERM');
    trk.child.kill('SIGTERM');
    verdict('remove', '--src', DEV1, '--dst', ADDR.wanServer, '--proto', 'tcp', '--dport', '9000');
    verdict('remove', '--src', DEV3, '--dst', ADDR.wanServer, '--proto', 'tcp', '--dport', '9000');

    // deceive: the device's DNS answers come from the sinkhole, its web requests get the decoy page.
    verdict('add', '--op', 'deceive', '--src', DEV3, '--direction', 'forward');
    const dns = topo.exec('lan', process.execPath, [
      '-e',
      `const d=require('dns');const r=new d.promises.Resolver();r.setServers(['${ADDR.wanServer}']);r.setLocalAddress('${DEV3}');` +
        `r.resolve4('bank.example.com').then(a=>console.log(a.join(',')),e=>console.log(e.code))`,
    ]);
    assert.equal(dns.stdout.trim(), '10.66.66.66', `deceived DNS answer: ${dns.stdout} ${dns.stderr}`);
    const web = connect('lan', DEV3, ADDR.wanServer, 9100, { send: 'GET / HTTP/1.0\r\nHost: x\r\n\r\n' });
    assert.match(web.data, /<title>Sign in<\/title>/, `the decoy page: ${JSON.stringify(web)}`);
    assert.ok(
      connect('lan', DEV1, ADDR.wanServer, 9100).data.startsWith('wan '),
      'other devices are not deceived',
    );
    verdict('remove', '--src', DEV3);

    // intervene: an attacker's open connection to a port-forward is reset, the next lands in the honeypot,
    // moat opens a new connection to the device and tells the linkage.
    const hold = topo.start('wan', process.execPath, [
      vt.holdJs,
      JSON.stringify({ host: ADDR.gwWan, port: 8080, from: ATTACKER1 }),
    ]);
    let holdOut = '';
    hold.stdout!.on('data', (d: Buffer) => (holdOut += d.toString()));
    await until('held connection', () => holdOut.includes('connected') && iotLog.includes(`${ATTACKER1}`));
    const iotBefore = (iotLog.match(new RegExp(`${ADDR.gwIot.replace(/\./g, '\\.')}:`, 'g')) ?? []).length;
    verdict('add', '--op', 'intervene', '--src', ATTACKER1, '--direction', 'forward');
    await until('the held connection is reset', () => /"error":"ECONNRESET"|"end":true/.test(holdOut));
    assert.match(holdOut, /ECONNRESET/, 'a1: aborted towards the source with a reset');
    const lured = connect('wan', ATTACKER1, ADDR.gwWan, 8080);
    assert.match(
      lured.data,
      /^honeypot 10\.90\.0\.6:\d+ -> 8080/,
      `lured to the honeypot: ${JSON.stringify(lured)}`,
    );
    await until('intervention published', () =>
      /intervention: 10\.90\.0\.6 lured to the honeypot .* reopened: open/.test(gwLog),
    );
    const iotAfter = (iotLog.match(new RegExp(`${ADDR.gwIot.replace(/\./g, '\\.')}:`, 'g')) ?? []).length;
    assert.ok(iotAfter > iotBefore, 'a2: moat opened a new connection to the device');
    assert.ok(
      connect('wan', ATTACKER2, ADDR.gwWan, 8080, { send: 'hello', endAfterMs: 300 }).data.startsWith(
        'iot-device',
      ),
      'others still reach the device',
    );

    // --- rule hits from real traffic ---
    // drop rule (bundle 1.0.0): the hit blocks the next connection.
    assert.ok(connect('lan', DEV1, ADDR.wanServer, 9300, { send: 'xx EVILDROP xx', endAfterMs: 300 }).ok);
    await until('the drop entry from sid 1000001', () =>
      /verdict drop: 192\.168\.61\.50\|10\.90\.0\.1\|\d+\|9300\|6 \(rules sid:1000001\)/.test(gwLog),
    );
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(
      connect('lan', DEV1, ADDR.wanServer, 9300).error,
      'TIMEOUT',
      'the next connection is blocked',
    );

    // A new bundle is picked up without a restart: a reject rule, an outbound and an inbound incident rule.
    install(
      bundle(
        '2.0.0',
        DROP_RULE +
          'reject tcp any any -> any 9301 (msg:"test reject"; flow:to_server; content:"EVILRESET"; sid:1000002; priority:3;)\n' +
          'alert tcp any any -> any 9302 (msg:"C2 beacon"; flow:to_server; content:"C2BEACON"; sid:1000003; priority:1;)\n' +
          'alert tcp any any -> any 80 (msg:"inbound exploit"; flow:to_server; content:"EXPLOIT"; sid:1000004; priority:1;)\n',
      ),
    );
    await until('bundle 2.0.0 in force', () => /rule bundle \S+ 2\.0\.0 in force/.test(gwLog));
    assert.ok(connect('lan', DEV1, ADDR.wanServer, 9301, { send: 'EVILRESET', endAfterMs: 300 }).ok);
    await until('the reset entry from sid 1000002', () =>
      /verdict reset: .*\|9301\|6 \(rules sid:1000002\)/.test(gwLog),
    );
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(
      connect('lan', DEV1, ADDR.wanServer, 9301).error,
      'ECONNREFUSED',
      'the next connection is reset',
    );

    // Outbound anomaly: alert on the webhook, device isolated.
    assert.ok(connect('lan', DEV2, ADDR.wanServer, 9302, { send: 'C2BEACON', endAfterMs: 300 }).ok);
    await until('webhook alert', () => hooks.includes('C2 beacon'));
    assert.match(hooks, /"src_ip":"192\.168\.61\.51".*"isolated":"192\.168\.61\.51"/);
    await until('isolation entry', () => /verdict drop: 192\.168\.61\.51\|\*\|0\|0\|0/.test(gwLog));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(
      connect('lan', DEV2, ADDR.wanServer, 9100).error,
      'TIMEOUT',
      'the isolated device reaches nothing',
    );
    assert.ok(connect('lan', DEV1, ADDR.wanServer, 9100).ok, 'other devices are not isolated');

    // Inbound malicious traffic: the honeypot takes the attacker over.
    const exploit = connect('wan', ATTACKER2, ADDR.gwWan, 8080, { send: 'EXPLOIT', endAfterMs: 300 });
    assert.ok(exploit.data.startsWith('iot-device'), 'the first attempt reached the device');
    await until('intervene entry for the attacker', () => /verdict intervene: 10\.90\.0\.5\|\*/.test(gwLog));
    await new Promise((r) => setTimeout(r, 200));
    assert.match(
      connect('wan', ATTACKER2, ADDR.gwWan, 8080).data,
      /^honeypot 10\.90\.0\.5:/,
      'the next lands in the honeypot',
    );

    // Engine verdicts: a risky TLS handshake with blocking on and a black identification verdict block the destination.
    assert.ok(connect('lan', DEV1, TLS_SERVER, 443).ok);
    verdict(
      'report',
      '--engine',
      'tlsmon',
      '--verdict',
      'risky',
      '--src',
      DEV1,
      '--dst',
      TLS_SERVER,
      '--dport',
      '443',
      '--sid',
      '9100001',
      '--block',
    );
    verdict(
      'report',
      '--engine',
      'ml',
      '--verdict',
      'black',
      '--src',
      DEV1,
      '--dst',
      BLACK_SERVER,
      '--dport',
      '443',
      '--sid',
      '9200001',
      '--block',
    );
    await until(
      'engine verdict entries',
      () =>
        /verdict drop: 192\.168\.61\.50\|10\.90\.0\.7\|0\|0\|0 \(tlsmon/.test(gwLog) &&
        /verdict drop: 192\.168\.61\.50\|10\.90\.0\.8\|0\|0\|0 \(ml/.test(gwLog),
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(connect('lan', DEV1, TLS_SERVER, 443).error, 'TIMEOUT', 'risky TLS destination blocked');
    assert.equal(connect('lan', DEV1, BLACK_SERVER, 443).error, 'TIMEOUT', 'black destination blocked');

    // --- restart: kill -9 mid-download, entries restored, table reconciled, the download completes ---
    verdict(
      'add',
      '--op',
      'drop',
      '--src',
      DEV1,
      '--dst',
      ADDR.wanServer,
      '--proto',
      'tcp',
      '--dport',
      '9000',
      '--lifetime',
      '600',
    );
    verdict('add', '--op', 'track', '--watch', '300', '--src', DEV3, '--dst', ADDR.wanServer);
    const listed = JSON.parse(verdict('list', '--json')) as Array<{ status: string; operation: string }>;
    const dl = topo.start('lan', 'curl', [
      '-s',
      '-o',
      join(dir, 'dl.bin'),
      '-w',
      '%{http_code} %{size_download}',
      '--interface',
      DEV1,
      `http://${ADDR.wanServer}:8088/`,
    ]);
    let dlOut = '';
    dl.stdout!.on('data', (d: Buffer) => (dlOut += d.toString()));
    const dlDone = new Promise<void>((r) => dl.once('exit', () => r()));
    await new Promise((r) => setTimeout(r, 1500));
    gw.kill('SIGKILL');
    await new Promise<void>((r) => gw!.once('exit', () => r()));
    assert.equal(
      connect('lan', DEV1, ADDR.wanServer, 9000).error,
      'TIMEOUT',
      'fail-open: the verdicts stay in the kernel',
    );
    gwLog = '';
    gw = await startGateway();
    await until('entries restored', () => /verdicts: \d+ entries restored/.test(gwLog));
    const relisted = JSON.parse(verdict('list', '--json')) as Array<{ status: string; operation: string }>;
    assert.equal(relisted.length, listed.length, 'every entry is back');
    assert.ok(
      relisted.some((e) => e.status === 'watched'),
      'the A-62 watch state survived',
    );
    assert.equal(
      connect('lan', DEV1, ADDR.wanServer, 9000).error,
      'TIMEOUT',
      'the drop entry is in force after the restart',
    );
    assert.match(connect('wan', ATTACKER2, ADDR.gwWan, 8080).data, /^honeypot/, 'the intervention too');
    await dlDone;
    assert.equal(dlOut.trim(), `200 ${8 << 20}`, 'the download in progress completed');
    assert.equal(readFileSync(join(dir, 'dl.bin')).length, 8 << 20);
  } finally {
    if (gw && gw.exitCode === null) gw.kill('SIGTERM');
    await topo.stopAll();
    topo.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});

function existsTool(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}
