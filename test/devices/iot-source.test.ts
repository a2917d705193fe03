/**
 * The IoT gateway component takes its devices from the device registry: devices registered by discovery
 * (by MAC, with the zone and the protocols seen) are the ones it serves, a device registered later or with a new
 * address shows at once, and a registry plug is provisioned and switched on and off through the API by its MAC.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/store/index.js';
import { DeviceCatalog, DeviceRegistry, registryIotSource } from '../../src/devices/index.js';
import { IotGatewayComponent, parseIotConfig } from '../../src/iot/index.js';
import { SimOutput, writeSims } from '../iot/sims.js';
import { moat } from '../helpers/moat-cli.js';

const API_KEY = 'registry-iot-key-0123456789';
const PLUG = '02:00:5e:20:00:01';
const CAM = '44:47:cc:20:00:02';
const LAPTOP = '02:00:5e:20:00:03';

test('the IoT component serves the registry’s devices: listed by MAC, followed live, switched through the API', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-dev-iot-'));
  const sims = writeSims(dir);
  const children: ChildProcess[] = [];
  const store = openSqlite(join(dir, 'moat.db'));
  const holder: { c?: IotGatewayComponent } = {};
  t.after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await holder.c?.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const registry = new DeviceRegistry(store, { catalog: new DeviceCatalog() });
  // What discovery reports: the plug's MQTT traffic, the camera's RTSP announcement, a laptop on the user LAN.
  registry.observe({ mac: PLUG, ip: '127.0.0.1', zone: 'iot', hostname: 'plug1', protocol: 'mqtt' });
  registry.observe({ mac: CAM, ip: '127.0.0.2', zone: 'iot', services: ['_rtsp._tcp'] });
  registry.observe({ mac: LAPTOP, ip: '127.0.0.3', zone: 'lan', hostname: 'laptop1' });
  assert.equal(registry.get(PLUG)?.type, 'smart-plug');

  const config = parseIotConfig(
    JSON.stringify({
      broker: { host: '127.0.0.1', port: 0 },
      api: { host: '127.0.0.1', port: 0 },
      timeoutMs: 500,
      check: { onFirstDeployment: false },
    }),
    'test',
  );
  const c = new IotGatewayComponent({ config, store, devices: registryIotSource(registry), apiKey: API_KEY });
  holder.c = c;
  await c.start();
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${c.apiPort}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${API_KEY}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  type Served = { id: string; address: string; zone: string; name?: string; protocols: string[] };
  const served = async () => (await api('GET', '/v1/iot/devices')).body.devices as Served[];

  // The IoT zone's devices, by MAC, with what the registry knows; the laptop (user LAN) is not the component's.
  let list = await served();
  assert.deepEqual(list.map((d) => d.id).sort(), [CAM, PLUG].sort());
  const plug = list.find((d) => d.id === PLUG)!;
  assert.deepEqual([plug.address, plug.zone, plug.name], ['127.0.0.1', 'iot', 'plug1']);
  assert.ok(plug.protocols.includes('mqtt'), JSON.stringify(plug));
  assert.equal((await api('GET', `/v1/iot/devices/${encodeURIComponent(LAPTOP)}/status`)).status, 404);

  // Registry changes are seen on the next request: a new device, a new address.
  registry.observe({ mac: '02:00:5e:20:00:04', ip: '127.0.0.4', zone: 'iot', protocol: 'coap' });
  registry.observe({ mac: CAM, ip: '127.0.0.5', zone: 'iot' });
  list = await served();
  assert.equal(list.length, 3);
  assert.equal(list.find((d) => d.id === CAM)?.address, '127.0.0.5');

  // The registry's plug (id = its MAC) is provisioned and switched through the API.
  const grant = async (g: Record<string, unknown>) =>
    String((await api('POST', '/v1/iot/authorisations', { who: 'alice', deviceId: PLUG, ...g })).body.id);
  const path = `/v1/iot/devices/${encodeURIComponent(PLUG)}`;
  const creds = await api('POST', `${path}/credentials`, {
    authorisation: await grant({ action: 'credentials' }),
  });
  assert.equal(creds.status, 200, JSON.stringify(creds.body));
  const proc = spawn(
    process.execPath,
    [
      sims.plug,
      JSON.stringify({
        url: `mqtt://127.0.0.1:${c.broker!.port}`,
        username: PLUG,
        clientId: PLUG,
        password: creds.body.password,
        prefix: creds.body.prefix,
      }),
    ],
    { env: sims.env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(proc);
  const out = new SimOutput(proc.stdout!);
  await out.wait((e) => e.event === 'ready');
  for (const value of ['on', 'off']) {
    const r = await api('POST', `${path}/control`, {
      action: 'power',
      value,
      authorisation: await grant({ action: 'power', value }),
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await out.wait((e) => e.event === 'state' && e.power === value);
  }
});

test('moat gateway --iot without a devices section: exit 2 naming the file, nothing started', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-dev-iot-cfg-'));
  try {
    const cfg = join(dir, 'gateway.yaml');
    writeFileSync(
      cfg,
      `zones:
  wan: { interface: wan0, address: 10.90.0.2/24 }
  lan: { interface: lan0, address: 192.168.61.1/24 }
stateDir: ${dir}/state
database: ${dir}/moat.db
`,
    );
    const iot = join(dir, 'iot.yaml');
    writeFileSync(iot, 'check: { onFirstDeployment: false }\n');
    const r = moat(['gateway', '--config', cfg, '--iot', iot]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      /gateway\.yaml: --iot takes its devices from the device registry: the configuration needs a devices section/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
