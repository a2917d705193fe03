/**
 * Acceptance in network namespaces (issue 13: "Initial check", "Device control"): the controller runs
 * `moat iot serve` in its own namespace, each device runs in another behind a bridge. A camera namespace runs a
 * Telnet login with admin/admin and a UPnP Internet Gateway Device; a plug namespace runs an mqtt.js plug and nothing
 * else. The first-deployment check and `moat iot check` find the camera's default password and IGD and nothing on
 * the plug; the plug is switched on and off through the API (curl in the controller's namespace).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MOAT } from '../helpers/moat-cli.js';
import { SimOutput, writeSims } from './sims.js';

const API_KEY = 'netns-key-0123456789abcdef';
const NET = { ctl: '10.231.0.1', cam: '10.231.0.11', plug: '10.231.0.12', hub: '10.231.0.13' } as const;

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  for (const tool of ['ip', 'python3', 'curl'])
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} not installed`;
  return undefined;
}

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
}

test(
  'IoT gateway in namespaces: first-deployment and on-demand check, plug switched through the API',
  { skip: skipReason() },
  async (t) => {
    const id = `iot${process.pid}`;
    const ns = { ctl: `${id}c`, cam: `${id}cam`, plug: `${id}plug`, hub: `${id}hub` };
    const dir = mkdtempSync(join(tmpdir(), 'moat-iot-ns-'));
    const sims = writeSims(dir);
    const children: ChildProcess[] = [];
    const destroy = () => {
      for (const n of Object.values(ns)) spawnSync('ip', ['netns', 'del', n]);
    };
    t.after(async () => {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              c.once('exit', () => resolve());
              c.kill('SIGTERM');
              setTimeout(() => c.kill('SIGKILL'), 3000).unref();
            }),
        ),
      );
      destroy();
      rmSync(dir, { recursive: true, force: true });
    });
    destroy();
    for (const n of Object.values(ns)) {
      ip('netns', 'add', n);
      ip('-n', n, 'link', 'set', 'lo', 'up');
    }
    ip('-n', ns.ctl, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', ns.ctl, 'addr', 'add', `${NET.ctl}/24`, 'dev', 'br0');
    ip('-n', ns.ctl, 'link', 'set', 'br0', 'up');
    for (const dev of ['cam', 'plug', 'hub'] as const) {
      ip('-n', ns.ctl, 'link', 'add', `v${dev}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns[dev]);
      ip('-n', ns.ctl, 'link', 'set', `v${dev}`, 'master', 'br0', 'up');
      ip('-n', ns[dev], 'addr', 'add', `${NET[dev]}/24`, 'dev', 'eth0');
      ip('-n', ns[dev], 'link', 'set', 'eth0', 'up');
    }
    const start = (n: string, cmd: string, args: string[]) => {
      const c = spawn('ip', ['netns', 'exec', n, cmd, ...args], {
        env: sims.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(c);
      return { child: c, out: new SimOutput(c.stdout!), err: new SimOutput(c.stderr!) };
    };
    const inCtl = (cmd: string, args: string[]) =>
      spawnSync('ip', ['netns', 'exec', ns.ctl, cmd, ...args], {
        encoding: 'utf8',
        timeout: 120_000,
        maxBuffer: 1 << 24,
      });
    const api = (method: string, path: string, body?: unknown) => {
      const r = inCtl('curl', [
        '-s',
        '-w',
        '\n%{http_code}',
        '-X',
        method,
        '-H',
        `Authorization: Bearer ${API_KEY}`,
        ...(body === undefined
          ? []
          : ['-H', 'content-type: application/json', '--data', JSON.stringify(body)]),
        `http://127.0.0.1:42400${path}`,
      ]);
      const i = r.stdout.lastIndexOf('\n');
      return {
        status: Number(r.stdout.slice(i + 1)),
        body: JSON.parse(r.stdout.slice(0, i) || 'null') as Record<string, unknown>,
      };
    };

    // The camera: Telnet with admin/admin, and an Internet Gateway Device over SSDP.
    const telnetd = start(ns.cam, 'python3', [sims.telnetd, 'admin', 'admin', '23']);
    const igd = start(ns.cam, 'python3', [sims.igd, NET.cam]);
    await telnetd.out.wait((e) => e.line === 'listening');
    await igd.out.wait((e) => e.line === 'listening');
    // The hub answers the IGD search with a LOCATION on another host (the camera): never fetched from there.
    const hub = start(ns.hub, 'python3', [sims.igd, NET.hub, `http://${NET.cam}:5000/elsewhere.xml`]);
    await hub.out.wait((e) => e.line === 'listening');

    const config = join(dir, 'iot.yaml');
    writeFileSync(
      config,
      JSON.stringify({
        zones: ['iot'],
        broker: { host: NET.ctl, port: 1883 },
        api: { host: '127.0.0.1', port: 42400 },
        check: { perDeviceSeconds: 30 },
        devices: [
          { id: 'cam', address: NET.cam, zone: 'iot' },
          { id: 'plug', address: NET.plug, zone: 'iot', protocols: ['mqtt'] },
          { id: 'hub', address: NET.hub, zone: 'iot' },
        ],
        database: join(dir, 'moat.db'),
      }),
    );
    const serve = start(ns.ctl, process.execPath, [
      MOAT,
      'iot',
      'serve',
      '--config',
      config,
      '--api-key',
      API_KEY,
    ]);
    await serve.err.wait((e) => /running \(pid/.test(String(e.line)), 20_000);

    // Device control: credentials for the plug, then on and off, each under its own authorisation.
    const grant = (g: Record<string, unknown>) => {
      const r = api('POST', '/v1/iot/authorisations', { who: 'alice', deviceId: 'plug', ...g });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return String(r.body.id);
    };
    const creds = api('POST', '/v1/iot/devices/plug/credentials', {
      authorisation: grant({ action: 'credentials' }),
    });
    assert.equal(creds.status, 200, JSON.stringify(creds.body));
    const plug = start(ns.plug, process.execPath, [
      sims.plug,
      JSON.stringify({
        url: `mqtt://${NET.ctl}:1883`,
        username: 'plug',
        clientId: 'plug',
        password: creds.body.password,
        prefix: creds.body.prefix,
      }),
    ]);
    await plug.out.wait((e) => e.event === 'ready');
    const refused = api('POST', '/v1/iot/devices/plug/control', { action: 'power', value: 'on' });
    assert.equal(refused.status, 403);
    for (const value of ['on', 'off']) {
      const r = api('POST', '/v1/iot/devices/plug/control', {
        action: 'power',
        value,
        authorisation: grant({ action: 'power', value }),
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.confirmed, true);
      await plug.out.wait((e) => e.event === 'state' && e.power === value);
    }
    assert.deepEqual(
      plug.out.events.filter((e) => e.event === 'cmd').map((e) => e.value),
      ['on', 'off'],
      'the refused step never reached the plug',
    );

    // The first-deployment check ran when serve started on an empty store.
    await serve.err.wait((e) => /check \(first-deployment\)/.test(String(e.line)), 60_000);
    const first = api('GET', '/v1/iot/check');
    assert.equal(first.status, 200);
    assert.equal(first.body.reason, 'first-deployment');
    const assertReport = (r: { devices: Array<Record<string, unknown>> }) => {
      const cam = r.devices.find((d) => d.deviceId === 'cam')!;
      const plugReport = r.devices.find((d) => d.deviceId === 'plug')!;
      const findings = cam.findings as Array<{ check: string; service: string; detail: string }>;
      const cred = findings.find((f) => f.check === 'default-credentials');
      assert.ok(cred, JSON.stringify(cam));
      assert.equal(cred.service, 'tcp/23');
      assert.match(cred.detail, /^admin\/admin logged in/);
      const upnp = findings.find((f) => f.check === 'upnp-igd');
      assert.ok(upnp, JSON.stringify(cam));
      assert.match(upnp.detail, /WANIPConnection:1 at http:\/\/10\.231\.0\.11:5000\/rootDesc\.xml/);
      assert.ok(findings.some((f) => f.check === 'management-port' && f.service === 'tcp/23'));
      assert.equal(cam.status, 'findings');
      assert.deepEqual(plugReport.findings, [], JSON.stringify(plugReport));
      assert.equal(plugReport.status, 'clean');
      const hubReport = r.devices.find((d) => d.deviceId === 'hub')!;
      const hubFindings = hubReport.findings as Array<{ check: string; service: string }>;
      assert.deepEqual(
        hubFindings.map((f) => `${f.check} ${f.service}`),
        ['management-port udp/1900'],
      );
      assert.match(
        JSON.stringify(hubReport.notes),
        /LOCATION points outside the device \(http:\/\/10\.231\.0\.11:5000\): not fetched/,
      );
    };
    assertReport(first.body as { devices: Array<Record<string, unknown>> });

    // On demand, from the CLI: JSON, exit 1 for findings.
    const cli = inCtl(process.execPath, [MOAT, 'iot', 'check', '--config', config, '--json']);
    assert.equal(cli.status, 1, cli.stderr);
    const onDemand = JSON.parse(cli.stdout) as { devices: Array<Record<string, unknown>> };
    assertReport(onDemand);
    t.diagnostic(
      `check time per device (ms): ${onDemand.devices.map((d) => `${String(d.deviceId)} ${String(d.durationMs)}`).join(', ')}`,
    );
    const table = inCtl(process.execPath, [MOAT, 'iot', 'check', '--device', `cam=${NET.cam}`]);
    assert.match(table.stdout, /cam\s+10\.231\.0\.11\s+high\s+default-credentials\s+tcp\/23/);
    assert.ok(
      telnetd.out.events.some((e) => e.line === 'login admin'),
      'the Telnet server saw the login',
    );
    assert.ok(
      igd.out.events.some((e) => String(e.line).startsWith('GET /rootDesc.xml')),
      'the camera served its description',
    );
    assert.ok(
      !igd.out.events.some((e) => String(e.line).includes('elsewhere')),
      'the hub’s LOCATION was never fetched',
    );
  },
);
