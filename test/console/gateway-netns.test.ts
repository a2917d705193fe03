/**
 * The console served by `moat gateway` in network namespaces, driven by Debian's chromium running in the user LAN's
 * namespace (playwright talks to it over a pipe, so the browser's traffic is the LAN's): first deployment against
 * the running gateway (subnets into its configuration and reloaded, devices found by DHCP registered one
 * authorisation at a time — the IoT plug gets its broker login —, the IoT component's initial check, the vendor's
 * bundle and model fetched from a server on the WAN and verified), a SYN scan from the WAN namespace through a
 * port-forward seen by live inspection and shown as an alert with its rule, the LAN device in the alert quarantined
 * (the forwarded port stops answering) and let out again, the plug switched from the devices page, a honeypot
 * session made by a telnet attacker on the WAN replayed, a bundle rolled back; the console port refused from the IoT
 * and WAN namespaces and answered on the LAN.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { findWebDir } from '../../src/console/index.js';
import { generateVendorKey, signBundle } from '../../src/verify/index.js';
import { FEATURE_NAMES, MODEL_FORMAT } from '../../src/identify/index.js';
import { MOAT } from '../helpers/moat-cli.js';
import { ADDR, Topology, UDHCPC_SCRIPT, canBuildTopology, waitFor } from '../gateway/topology.js';
import { SimOutput, writeSims } from '../iot/sims.js';
import { CHROMIUM_ARGS, unnamedControls } from './browser.js';

const PASSWORD = 'a long admin passphrase';
const CONSOLE_PORT = 43443;
const BACKUP_PORT = 43022;
const VENDOR_PORT = 43080;
const FORWARDED = [43201, 43202, 43203, 43204, 43205, 43206];
const NAS_IP = '192.168.61.20';
const BROWSER_IP = '192.168.61.10';
const SCAN_SID = 8000101;
const SCAN_RULE = `alert tcp ${ADDR.wanServer} any -> any any (msg:"moat netns: SYN scan from the WAN"; flags:S,12; threshold: type both, track by_src, count 5, seconds 60; sid:${SCAN_SID}; rev:1;)`;
const SHOTS = process.env.MOAT_SCREENSHOTS ?? join(tmpdir(), 'moat-console-gw-screenshots');

/** A telnet attacker: logs in with a Mirai pair, looks around, leaves. */
const ATTACKER = String.raw`
const net = require('net');
const [host, port] = process.argv.slice(2);
const steps = [['login: ', 'root'], ['Password: ', 'xc3511'], ['# ', 'cat /proc/cpuinfo'], ['# ', 'uname -a'], ['# ', 'exit']];
let buf = '';
const s = net.connect(Number(port), host);
s.on('data', (d) => {
  buf += d.toString('latin1');
  while (steps.length && buf.includes(steps[0][0])) {
    buf = buf.slice(buf.indexOf(steps[0][0]) + steps[0][0].length);
    s.write(steps.shift()[1] + '\r\n');
  }
});
s.on('close', () => { console.log(steps.length ? 'cut' : 'done'); process.exit(steps.length ? 1 : 0); });
s.on('error', (e) => { console.log(e.message); process.exit(2); });
setTimeout(() => { console.log('timeout'); process.exit(3); }, 20000);
`;

function vendorFiles(root: string, privatePem: string, version: string): void {
  mkdirSync(join(root, 'rules'), { recursive: true });
  mkdirSync(join(root, 'models'), { recursive: true });
  const bundle = signBundle(`${SCAN_RULE}\n`, { name: 'vendor-rules', version, privatePem });
  writeFileSync(join(root, 'rules', 'latest.json'), JSON.stringify(bundle));
  const payload = JSON.stringify({
    model: {
      format: MODEL_FORMAT,
      features: [...FEATURE_NAMES],
      tree: { leaf: true, id: 0, p: 0, n: 1, pos: 0 },
      thresholds: { black: 0.5, gray: 0.2 },
      trainedAt: new Date(0).toISOString(),
      info: {},
    },
    metrics: { precision: 0.97, coverage: 0.4 },
  });
  const model = signBundle(payload, { name: 'vendor-model', version, privatePem });
  writeFileSync(join(root, 'models', 'latest.json'), JSON.stringify(model));
}

async function until<T>(what: string, probe: () => T | undefined | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test(
  'console on moat gateway in namespaces: the journey in chromium from the LAN, reachable from the LAN only',
  { skip: canBuildTopology() ?? (findWebDir() ? undefined : 'the web app is not built'), timeout: 420_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'moat-console-gw-'));
    const topo = new Topology('cg');
    const nas = `${topo.ns.lan}2`;
    const sims = writeSims(dir);
    const opened: { browser?: Browser } = {};
    const pages: Page[] = [];
    t.after(async () => {
      await pages[0]?.screenshot({ path: join(tmpdir(), 'moat-console-gw-last.png') }).catch(() => {});
      await opened.browser?.close();
      await topo.stopAll();
      spawnSync('ip', ['netns', 'del', nas]);
      topo.destroy();
      rmSync(dir, { recursive: true, force: true });
    });
    topo.build();
    // A second LAN device (the "NAS"): a macvlan on the LAN namespace's link, in a namespace of its own.
    topo.ip('netns', 'add', nas);
    topo.ip(
      '-n',
      topo.ns.lan,
      'link',
      'add',
      'link',
      'eth0',
      'name',
      'nas0',
      'type',
      'macvlan',
      'mode',
      'bridge',
    );
    topo.ip('-n', topo.ns.lan, 'link', 'set', 'nas0', 'netns', nas);
    topo.ip('-n', nas, 'link', 'set', 'lo', 'up');
    topo.ip('-n', nas, 'link', 'set', 'nas0', 'up');
    // The user's PC (where the browser runs) has a fixed address; the NAS and the plug lease theirs.
    topo.ip('-n', topo.ns.lan, 'addr', 'add', `${BROWSER_IP}/24`, 'dev', 'eth0');
    topo.ip('-n', topo.ns.lan, 'route', 'add', 'default', 'via', ADDR.gwLan);
    topo.ip('-n', topo.ns.iot, 'addr', 'flush', 'dev', 'eth0');

    const key = generateVendorKey();
    writeFileSync(join(dir, 'vendor.pub'), key.publicPem);
    const vendorRoot = join(dir, 'vendor');
    vendorFiles(vendorRoot, key.privatePem, '2026.1.0');
    const gwCfg = join(dir, 'gateway.yaml');
    writeFileSync(
      gwCfg,
      `zones:
  wan: { interface: wan0, address: ${ADDR.gwWan}/24 }
  lan:
    interface: lan0
    address: ${ADDR.gwLan}/24
    dhcp: { from: ${NAS_IP}, to: ${NAS_IP}, leaseSeconds: 600 }
  iot:
    interface: iot0
    address: ${ADDR.gwIot}/24
    dhcp: { from: 192.168.62.100, to: 192.168.62.120, leaseSeconds: 600 }
    services: [{ protocol: tcp, port: 1883 }]
  dmz: { interface: dmz0, address: ${ADDR.gwDmz}/24, honeypot: ${ADDR.honeypot} }
portForwards:
${FORWARDED.map((p, i) => `  - { protocol: tcp, port: ${p}, to: ${NAS_IP}, toPort: ${i === 0 ? 8080 : 9000 + i} }`).join('\n')}
inspection: { statsSeconds: 5, ringMB: 0 }
verdicts: { rules: { bundleDir: ${dir}/bundles, keys: [${dir}/vendor.pub] } }
devices: { restrictOn: {} }
console: { port: ${CONSOLE_PORT}, vendorKeys: [${dir}/vendor.pub] }
nftables: { table: moat_cg${process.pid} }
stateDir: ${dir}/state
database: ${dir}/moat.db
`,
    );
    writeFileSync(
      join(dir, 'iot.yaml'),
      JSON.stringify({ broker: { host: ADDR.gwIot, port: 1883 }, check: { onFirstDeployment: false } }),
    );
    writeFileSync(
      join(dir, 'honeypot.yaml'),
      `bind: 0.0.0.0
telnet: [23]
ssh: []
http: []
mqtt: []
quarantineDir: ${dir}/quarantine
database: ${dir}/moat.db
eve: ${dir}/honeypot-eve.json
sandbox: { enabled: false }
timing: { scale: 0 }
`,
    );
    const gw = topo.start('gw', process.execPath, [
      MOAT,
      'gateway',
      '--config',
      gwCfg,
      '--iot',
      join(dir, 'iot.yaml'),
    ]);
    let gwLog = '';
    gw.stderr!.on('data', (d: Buffer) => (gwLog += d.toString()));
    t.after(() => {
      if (process.env.MOAT_TEST_VERBOSE) console.log(gwLog);
    });
    await waitFor(gw, /running \(pid \d+\)/, 60_000);
    const url = `https://${ADDR.gwLan}:${CONSOLE_PORT}`;
    assert.match(gwLog, new RegExp(`console: ${url.replace(/\./g, '\\.')}/`));
    const hp = topo.start('dmz', process.execPath, [
      MOAT,
      'honeypot',
      '--config',
      join(dir, 'honeypot.yaml'),
    ]);
    await waitFor(hp, /telnet on 0\.0\.0\.0:23/, 30_000);
    const vendor = topo.start('wan', 'python3', [
      '-m',
      'http.server',
      String(VENDOR_PORT),
      '--bind',
      ADDR.wanServer,
      '--directory',
      vendorRoot,
    ]);
    await waitFor(vendor, /Serving HTTP/, 15_000);
    // Not one of the topology's roles: started and ended here, by its PID.
    const nasServer = spawn('ip', ['netns', 'exec', nas, 'python3', '-m', 'http.server', '8080'], {
      stdio: 'ignore',
    });
    t.after(() => {
      nasServer.kill('SIGTERM');
    });

    // DHCP: the NAS on the LAN, the plug in the IoT zone.
    const script = join(dir, 'udhcpc.sh');
    writeFileSync(script, UDHCPC_SCRIPT);
    chmodSync(script, 0o755);
    const nasLease = spawnSync(
      'ip',
      [
        'netns',
        'exec',
        nas,
        'udhcpc',
        '-i',
        'nas0',
        '-n',
        '-q',
        '-t',
        '5',
        '-T',
        '1',
        '-x',
        'hostname:nas',
        '-s',
        script,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.match(
      nasLease.stderr,
      new RegExp(`lease of ${NAS_IP.replace(/\./g, '\\.')} obtained`),
      nasLease.stderr,
    );
    const plugLease = topo.exec('iot', 'udhcpc', [
      '-i',
      'eth0',
      '-n',
      '-q',
      '-t',
      '5',
      '-T',
      '1',
      '-x',
      'hostname:plug',
      '-s',
      script,
    ]);
    assert.equal(plugLease.status, 0, plugLease.stderr);
    const plugMac = topo.exec('iot', 'cat', ['/sys/class/net/eth0/address']).stdout.trim();

    // Reachable from the user zone only: the IoT and WAN namespaces are refused, the LAN is answered.
    const curl = (role: 'lan' | 'iot' | 'wan', target: string) =>
      topo.exec(role, 'curl', ['-sk', '--max-time', '3', '-o', '/dev/null', '-w', '%{http_code}', target]);
    const counter = (name: string): number => {
      const r = topo.exec('gw', 'nft', ['list', 'counter', 'inet', `moat_cg${process.pid}`, name]);
      return Number(/packets (\d+)/.exec(r.stdout)?.[1] ?? NaN);
    };
    const refusedBefore = counter('console_refused');
    const fromIot = curl('iot', `${url}/api/session`);
    assert.notEqual(fromIot.status, 0, 'the IoT zone reached the console');
    assert.equal(fromIot.stdout, '000');
    assert.ok(counter('console_refused') > refusedBefore, 'console_refused counted the IoT attempt');
    topo.ip('-n', topo.ns.wan, 'route', 'add', '192.168.61.0/24', 'via', ADDR.gwWan);
    const fromWan = curl('wan', `${url}/api/session`);
    assert.notEqual(fromWan.status, 0, 'the WAN reached the console');
    const fromWanAddr = curl('wan', `https://${ADDR.gwWan}:${CONSOLE_PORT}/api/session`);
    assert.notEqual(fromWanAddr.status, 0, 'the WAN reached the console on the WAN address');
    const fromLan = curl('lan', `${url}/api/session`);
    assert.equal(fromLan.stdout, '200', `from the LAN: ${fromLan.stderr}`);
    const ruleset = topo.exec('gw', 'nft', [
      'list',
      'chain',
      'inet',
      `moat_cg${process.pid}`,
      'input',
    ]).stdout;
    assert.match(
      ruleset,
      new RegExp(`iifname != "lan0" tcp dport ${CONSOLE_PORT} counter name "console_refused" drop`),
    );

    // The browser runs in the LAN namespace: playwright starts it through `ip netns exec` and talks over a pipe.
    const wrapper = join(dir, 'chromium-lan.sh');
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${topo.ns.lan} /usr/bin/chromium "$@"\n`);
    chmodSync(wrapper, 0o755);
    const browser = await chromium.launch({ executablePath: wrapper, args: CHROMIUM_ARGS });
    opened.browser = browser;
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      bypassCSP: true,
      viewport: { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    pages.push(page);
    page.on('dialog', (d) => void d.accept());
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    mkdirSync(SHOTS, { recursive: true });
    const a11y: Record<string, string[]> = {};
    const timings: Record<string, number> = {};
    const shot = async (name: string) => {
      await page.screenshot({ path: join(SHOTS, `gw-${name}.png`), fullPage: true });
      a11y[name] = await unnamedControls(page);
    };
    const visit = async (path: string, ready: () => Promise<void>) => {
      const t0 = Date.now();
      await page.goto(`${url}${path}`);
      await ready();
      timings[path] = Date.now() - t0;
    };

    // First deployment: the admin account.
    await visit('/', () =>
      page.getByRole('heading', { name: 'First boot: create the admin account' }).waitFor(),
    );
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create admin and log in' }).click();
    await page.getByRole('heading', { name: 'First deployment' }).waitFor();

    // Subnets: written into the running gateway's configuration and reloaded by it.
    const fields: Array<[string, string]> = [
      ['WAN interface', 'wan0'],
      ['LAN interface', 'lan0'],
      ['LAN gateway address/prefix', `${ADDR.gwLan}/24`],
      ['IoT interface', 'iot0'],
      ['IoT gateway address/prefix', `${ADDR.gwIot}/24`],
      ['DMZ interface', 'dmz0'],
      ['DMZ gateway address/prefix', `${ADDR.gwDmz}/24`],
      ['Honeypot address', ADDR.honeypot],
      ['Backup WAN port', String(BACKUP_PORT)],
    ];
    for (const [label, value] of fields) await page.getByLabel(label, { exact: true }).fill(value);
    await page.getByRole('button', { name: 'Save subnets' }).click();
    // Whatever the page answers (success or the gateway's refusal) is the status line; a refusal fails here with
    // its words and the gateway's log rather than as a bare timeout.
    const answer = page.locator('p[role="status"]');
    await answer.waitFor({ timeout: 90_000 });
    assert.equal(
      (await answer.innerText()).trim(),
      'Subnets saved as the gateway configuration.',
      `the console's answer to saving the subnets; the gateway's log:\n${gwLog.slice(-3000)}`,
    );
    const saved = readFileSync(gwCfg, 'utf8');
    assert.match(saved, new RegExp(`port: ${BACKUP_PORT}`));
    assert.match(
      saved,
      /services:\s*\n\s*- protocol: tcp\s*\n\s*port: 1883/,
      'the IoT zone kept its services',
    );
    await until('the gateway reloaded', () => /reloaded: ruleset/.test(gwLog));
    const input = topo.exec('gw', 'nft', ['list', 'chain', 'inet', `moat_cg${process.pid}`, 'input']).stdout;
    assert.match(input, new RegExp(`iifname "wan0" tcp dport ${BACKUP_PORT} accept`));

    // Devices found by DHCP, one authorisation each (A-12): the plug gets its broker login.
    await page.goto(`${url}/setup`);
    await page.getByRole('button', { name: 'Authorise nas', exact: true }).click();
    await page.getByRole('button', { name: 'Authorise plug', exact: true }).click();
    const creds = await page.getByTestId('iot-credentials').innerText();
    const password = /password (\S+),/.exec(creds)?.[1];
    const prefix = /topics under (\S+)/.exec(creds)?.[1];
    assert.ok(password && prefix, creds);
    // The initial security check of the IoT component (A-13).
    await page.getByRole('button', { name: 'Run the security check' }).click();
    await page.getByTestId('check-summary').waitFor({ timeout: 60_000 });
    assert.match(await page.getByTestId('check-summary').innerText(), /^1 devices checked, \d+ findings\.$/);
    // The vendor's bundle and model from the WAN, verified by A-2 before they are installed.
    await page.getByLabel('Vendor URL').fill(`http://${ADDR.wanServer}:${VENDOR_PORT}`);
    await page.getByRole('button', { name: 'Fetch and verify' }).click();
    await page.getByText('Rule bundle: version 2026.1.0 verified and installed').waitFor();
    await page.getByText(/Model: verified, stored as version \d+/).waitFor();
    await page.getByRole('button', { name: 'Finish set-up' }).click();
    await page.getByText('Set-up finished.').waitFor();
    await shot('setup');

    // The plug logs in with what the console showed, and is switched from the devices page.
    process.env.MQTT_MODULE = sims.env.MQTT_MODULE;
    const plugProc = topo.start('iot', process.execPath, [
      sims.plug,
      JSON.stringify({
        url: `mqtt://${ADDR.gwIot}:1883`,
        username: plugMac,
        clientId: plugMac,
        password,
        prefix,
      }),
    ]);
    const plug = new SimOutput(plugProc.stdout!);
    await plug.wait((e) => e.event === 'ready');
    await visit('/devices', () => page.getByRole('button', { name: 'Switch plug on' }).waitFor());
    await page.getByRole('button', { name: 'Switch plug on' }).click();
    await page.getByText('plug switched on').waitFor();
    await plug.wait((e) => e.event === 'state' && e.power === 'on');
    await page.getByTestId(`power-${plugMac}`).getByText('power on').waitFor();
    await shot('devices');
    await page.getByRole('button', { name: 'Switch plug off' }).click();
    await page.getByText('plug switched off').waitFor();
    await plug.wait((e) => e.event === 'state' && e.power === 'off');

    // A SYN scan from the WAN through the port-forwards; live inspection on the LAN sees it.
    const openPort = () => curl('wan', `http://${ADDR.gwWan}:${FORWARDED[0]}/`).stdout;
    assert.equal(openPort(), '200', 'the NAS answers through its port-forward');
    const scan = topo.exec(
      'wan',
      'nmap',
      ['-Pn', '-sS', '-n', '--max-retries', '0', '-p', FORWARDED.join(','), ADDR.gwWan],
      { timeout: 60_000 },
    );
    assert.equal(scan.status, 0, scan.stderr);
    // From the scan's end until the alert is on the console (inspection's 1 s EVE flush, the console's follower).
    const scanned = Date.now();
    await page.goto(`${url}/alerts`);
    await page
      .getByRole('link', { name: 'moat netns: SYN scan from the WAN' })
      .first()
      .waitFor({ timeout: 30_000 });
    const alertLatency = Date.now() - scanned;
    await visit('/alerts', () =>
      page.getByRole('link', { name: 'moat netns: SYN scan from the WAN' }).first().waitFor(),
    );
    await shot('alerts');
    await page.getByRole('link', { name: 'moat netns: SYN scan from the WAN' }).first().click();
    await page.getByRole('heading', { name: `Rule ${SCAN_SID}` }).waitFor();
    assert.equal(await page.locator('pre').first().innerText(), SCAN_RULE);
    // The scanner is an address on the WAN: the user blocks it (a verdict the gateway enforces), then lifts it.
    await page.getByRole('button', { name: `Block ${ADDR.wanServer}` }).click();
    await page.getByText(`${ADDR.wanServer} blocked`).waitFor();
    await until('the scanner is cut off', () => openPort() === '000');
    const both = topo.exec('gw', 'nft', ['list', 'ruleset']).stdout;
    assert.match(both, new RegExp(`elements = \\{[^}]*${ADDR.wanServer.replace(/\./g, '\\.')}`));
    await page.getByRole('button', { name: `Lift block on ${ADDR.wanServer}` }).click();
    await page.getByText(`${ADDR.wanServer} unblocked`).waitFor();
    await until('the scanner reaches the NAS again', () => openPort() === '200');
    // The device of this network in the alert is the NAS the scan reached: the user quarantines it, then lets it out.
    await page.getByRole('button', { name: 'Restrict nas' }).click();
    await page.getByText('nas restricted').waitFor();
    await shot('alert-explanation');
    await until('the forwarded port is cut', () => openPort() === '000');
    const set = topo.exec('gw', 'nft', [
      'list',
      'set',
      'inet',
      `moat_cg${process.pid}`,
      'dev_quarantined',
    ]).stdout;
    assert.match(set, new RegExp(NAS_IP.replace(/\./g, '\\.')));
    await page.getByRole('button', { name: 'Lift restriction on nas' }).click();
    await page.getByText('nas unrestricted').waitFor();
    await until('the forwarded port answers again', () => openPort() === '200');

    // A telnet attacker on the WAN meets the honeypot through the low-priority mapping; its session replayed.
    const attacker = join(dir, 'attacker.cjs');
    writeFileSync(attacker, ATTACKER);
    const att = topo.exec('wan', process.execPath, [attacker, ADDR.gwWan, '23'], { timeout: 30_000 });
    assert.equal(att.stdout.trim(), 'done', att.stdout + att.stderr);
    await visit('/honeypot', () => page.locator('main table a').first().waitFor({ timeout: 15_000 }));
    await page.locator('main table a').first().click();
    await page.getByRole('button', { name: 'Replay transcript' }).click();
    await page.getByTestId('transcript').getByText('$ cat /proc/cpuinfo').waitFor();
    await page.getByTestId('transcript').getByText('$ uname -a').waitFor({ timeout: 10_000 });
    await shot('honeypot');

    // The vendor publishes a newer bundle; fetched and verified; the user rolls back to the first.
    vendorFiles(vendorRoot, key.privatePem, '2026.2.0');
    await page.goto(`${url}/setup`);
    // The subnets step shows what the gateway runs on.
    const backupField = page.getByLabel('Backup WAN port', { exact: true });
    for (let i = 0; i < 50 && (await backupField.inputValue()) !== String(BACKUP_PORT); i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.equal(await backupField.inputValue(), String(BACKUP_PORT));
    assert.equal(
      await page.getByLabel('LAN gateway address/prefix', { exact: true }).inputValue(),
      `${ADDR.gwLan}/24`,
    );
    await page.getByLabel('Vendor URL').fill(`http://${ADDR.wanServer}:${VENDOR_PORT}`);
    await page.getByRole('button', { name: 'Fetch and verify' }).click();
    await page.getByText('Rule bundle: version 2026.2.0 verified and installed').waitFor();
    await visit('/rules', () => page.getByRole('button', { name: 'Roll back to bundle 2026.1.0' }).waitFor());
    await page.getByRole('button', { name: 'Roll back to bundle 2026.1.0' }).click();
    await page.getByText('bundle 2026.1.0 active').waitFor();
    // What the user activates is what the live inspection runs: the gateway loads 2.0, then the rolled-back 1.0.
    const inForce = () => [...gwLog.matchAll(/rule bundle vendor-rules (\S+) in force/g)].map((m) => m[1]);
    await until('the gateway runs bundle 2026.1.0 again', () =>
      inForce().join(',').endsWith('2026.1.0,2026.2.0,2026.1.0'),
    );
    await shot('rules');

    for (const [path, name, sel] of [
      ['/', 'dashboard', '.card strong'],
      ['/tls', 'tls', 'main input'],
      ['/network', 'network', 'main tbody tr'],
      ['/settings', 'settings', 'main tbody tr'],
    ] as const) {
      await visit(path, () => page.locator(sel).first().waitFor());
      await shot(name);
    }
    console.log(`# gateway console page loads from the LAN namespace (ms): ${JSON.stringify(timings)}`);
    console.log(`# scan end → alert on the console: ${alertLatency} ms`);
    console.log(`# accessibility (axe name rules) per page: ${JSON.stringify(a11y)}`);
    for (const [p, v] of Object.entries(a11y))
      assert.deepEqual(v, [], `${p}: controls without an accessible name`);
    assert.deepEqual(pageErrors, []);
  },
);
