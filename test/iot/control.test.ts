/**
 * The IoT gateway component on loopback: real mqtt.js devices against the broker, a real CoAP lamp,
 * the device-control API over HTTP. A plug switched through the API changes the state it publishes itself; a step
 * without the user's authorisation is refused with 403 and never reaches the device; a device cannot touch
 * another's topics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/store/index.js';
import { IotGatewayComponent, parseIotConfig, staticDevices, type IotDevice } from '../../src/iot/index.js';
import { SimOutput, writeSims } from './sims.js';

const API_KEY = 'test-key-0123456789abcdef';

test('device control: MQTT plug switched through the API, refused without authorisation, ACLs, CoAP lamp', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-iot-'));
  const sims = writeSims(dir);
  const children: ChildProcess[] = [];
  const run = (script: string, arg: unknown) => {
    const c = spawn(process.execPath, [script, JSON.stringify(arg)], {
      env: sims.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(c);
    return { child: c, out: new SimOutput(c.stdout!) };
  };
  const store = openSqlite(join(dir, 'moat.db'));
  const holder: { component?: IotGatewayComponent } = {};
  t.after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await holder.component?.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // An HTTP heater: GET /status, PUT /control/<key>.
  const heaterState: Record<string, string> = { power: 'off', target: '19' };
  const heaterPuts: string[] = [];
  const heater = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const key = /^\/control\/(\w+)$/.exec(req.url ?? '')?.[1];
      if (req.method === 'GET' && req.url === '/status') return res.end(JSON.stringify(heaterState));
      if (req.method === 'PUT' && key && key in heaterState) {
        heaterPuts.push(`${key}=${body}`);
        heaterState[key] = body;
        res.writeHead(204);
        return res.end();
      }
      res.writeHead(404);
      res.end();
    });
  });
  await new Promise<void>((r) => heater.listen(0, '127.0.0.1', () => r()));
  t.after(() => heater.close());
  const heaterPort = (heater.address() as AddressInfo).port;

  const lamp = run(sims.coapLamp, { host: '127.0.0.1', port: 0 });
  const lampPort = Number((await lamp.out.wait((e) => e.event === 'ready')).port);
  const devices: IotDevice[] = [
    { id: 'plug-a', address: '127.0.0.1', zone: 'iot', protocols: ['mqtt'] },
    { id: 'plug-b', address: '127.0.0.1', zone: 'iot', protocols: ['mqtt'] },
    { id: 'lamp', address: '127.0.0.1', zone: 'iot', coap: { port: lampPort } },
    { id: 'heater', address: '127.0.0.1', zone: 'iot', protocols: ['http'], http: { port: heaterPort } },
    { id: 'laptop', address: '127.0.0.1', zone: 'lan' },
  ];
  const config = parseIotConfig(
    JSON.stringify({
      broker: { host: '127.0.0.1', port: 0 },
      api: { host: '127.0.0.1', port: 0 },
      timeoutMs: 1000,
      check: { onFirstDeployment: false },
    }),
    'test',
  );
  const component = new IotGatewayComponent({
    config,
    store,
    devices: staticDevices(devices),
    apiKey: API_KEY,
  });
  holder.component = component;
  await component.start();
  const base = `http://127.0.0.1:${component.apiPort}`;
  const mqttUrl = `mqtt://127.0.0.1:${component.broker!.port}`;
  const api = async (method: string, path: string, body?: unknown, key = API_KEY) => {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const grant = async (g: Record<string, unknown>) => {
    const r = await api('POST', '/v1/iot/authorisations', { who: 'alice', ...g });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return String(r.body.id);
  };

  // Bearer auth on every route.
  assert.equal((await api('GET', '/v1/iot/devices', undefined, 'wrong-key')).status, 401);
  // credentials are a configuration step too.
  const noAuth = await api('POST', '/v1/iot/devices/plug-a/credentials', {});
  assert.equal(noAuth.status, 403);
  const credsA = (
    await api('POST', '/v1/iot/devices/plug-a/credentials', {
      authorisation: await grant({ deviceId: 'plug-a', action: 'credentials' }),
    })
  ).body;
  const credsB = (
    await api('POST', '/v1/iot/devices/plug-b/credentials', {
      authorisation: await grant({ deviceId: 'plug-b', action: 'credentials' }),
    })
  ).body;
  assert.equal(credsA.prefix, 'devices/plug-a');
  assert.equal(typeof credsA.password, 'string');
  const hashed = store.db.prepare('SELECT hash FROM iot_credentials WHERE device_id = ?').get('plug-a') as {
    hash: string;
  };
  assert.ok(!hashed.hash.includes(String(credsA.password)), 'only a hash is stored');

  const plug = run(sims.plug, {
    url: mqttUrl,
    username: 'plug-a',
    password: credsA.password,
    clientId: 'plug-a',
    prefix: 'devices/plug-a',
  });
  const ready = await plug.out.wait((e) => e.event === 'ready');
  assert.deepEqual(
    (ready.granted as Array<{ qos: number }>).map((g) => g.qos),
    [1],
    'its own command topics: granted',
  );
  await waitUntil(() => component.broker!.states.get('plug-a')?.values.power === 'off');
  assert.equal(
    (await api('GET', '/v1/iot/devices/plug-a/status')).body.values &&
      ((await api('GET', '/v1/iot/devices/plug-a/status')).body.values as Record<string, string>).power,
    'off',
  );

  // Without authorisation: 403 and nothing reaches the plug.
  const refused = await api('POST', '/v1/iot/devices/plug-a/control', { action: 'power', value: 'on' });
  assert.equal(refused.status, 403);
  assert.match(String(refused.body.error), /nothing was sent/);
  // An authorisation for another value, or another device, does not do either.
  const offOnly = await grant({ deviceId: 'plug-a', action: 'power', value: 'off' });
  assert.equal(
    (
      await api('POST', '/v1/iot/devices/plug-a/control', {
        action: 'power',
        value: 'on',
        authorisation: offOnly,
      })
    ).status,
    403,
  );
  const forB = await grant({ deviceId: 'plug-b', action: 'power' });
  assert.equal(
    (
      await api('POST', '/v1/iot/devices/plug-a/control', {
        action: 'power',
        value: 'on',
        authorisation: forB,
      })
    ).status,
    403,
  );
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(plug.out.events.filter((e) => e.event === 'cmd').length, 0, 'no command reached the plug');

  // Authorised: on, as the plug itself reports.
  const on = await grant({ deviceId: 'plug-a', action: 'power', value: 'on' });
  const switched = await api('POST', '/v1/iot/devices/plug-a/control', {
    action: 'power',
    value: 'on',
    authorisation: on,
  });
  assert.equal(switched.status, 200, JSON.stringify(switched.body));
  assert.equal(switched.body.via, 'mqtt');
  assert.equal(switched.body.confirmed, true);
  await plug.out.wait((e) => e.event === 'state' && e.power === 'on');
  assert.equal(
    ((await api('GET', '/v1/iot/devices/plug-a/status')).body.values as Record<string, string>).power,
    'on',
  );
  // One authorisation, one step.
  assert.equal(
    (await api('POST', '/v1/iot/devices/plug-a/control', { action: 'power', value: 'on', authorisation: on }))
      .status,
    403,
  );
  // …and off again.
  const off = await api('POST', '/v1/iot/devices/plug-a/control', {
    action: 'power',
    value: 'off',
    authorisation: offOnly,
  });
  assert.equal(off.status, 200, JSON.stringify(off.body));
  await plug.out.wait((e) => e.event === 'state' && e.power === 'off');
  assert.deepEqual(
    plug.out.events.filter((e) => e.event === 'cmd').map((e) => e.value),
    ['on', 'off'],
  );

  // ACL: plug B's credentials cannot read or write plug A's topics.
  const rogue = run(sims.rogue, {
    url: mqttUrl,
    username: 'plug-b',
    password: credsB.password,
    clientId: 'plug-b',
    victimPrefix: 'devices/plug-a',
  });
  const sub = await rogue.out.wait((e) => e.event === 'subscribed');
  // SUBACK 0x80, which mqtt.js reports as "Subscribe error: Unspecified error".
  assert.match(
    String(sub.error),
    /Subscribe error: Unspecified error/,
    `subscription refused: ${JSON.stringify(sub)}`,
  );
  await rogue.out.wait((e) => e.event === 'done' || e.event === 'closed');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(
    plug.out.events.filter((e) => e.event === 'cmd').map((e) => e.value),
    ['on', 'off'],
    'the forged command never arrived',
  );
  assert.ok(component.broker!.counters.refusedPublishes >= 1);
  // Wrong password, and another device's client id (which would take over its session), are refused at login.
  const wrong = run(sims.rogue, {
    url: mqttUrl,
    username: 'plug-b',
    password: 'guess',
    clientId: 'plug-b',
    victimPrefix: 'devices/plug-a',
  });
  assert.match(
    String((await wrong.out.wait((e) => e.event === 'error')).message),
    /Bad username or password/i,
  );
  const takeover = run(sims.rogue, {
    url: mqttUrl,
    username: 'plug-b',
    password: credsB.password,
    clientId: 'plug-a',
    victimPrefix: 'devices/plug-a',
  });
  assert.match(String((await takeover.out.wait((e) => e.event === 'error')).message), /not authori[sz]ed/i);
  assert.ok(component.broker!.connected.has('plug-a'), 'plug A kept its session');

  // CoAP: identified by resource discovery, read, set.
  const ident = await api('POST', '/v1/iot/devices/lamp/identify');
  assert.ok(
    (ident.body.protocols as Array<{ protocol: string; source: string }>).some(
      (p) => p.protocol === 'coap' && p.source === 'probe',
    ),
  );
  const lampState = await api('GET', '/v1/iot/devices/lamp/status');
  assert.equal(lampState.body.via, 'coap');
  assert.deepEqual(lampState.body.values, { power: 'off', brightness: 50 });
  assert.equal(
    (await api('POST', '/v1/iot/devices/lamp/control', { action: 'set', key: 'brightness', value: 80 }))
      .status,
    403,
  );
  const b80 = await grant({ deviceId: 'lamp', action: 'set', key: 'brightness', value: '80' });
  const set = await api('POST', '/v1/iot/devices/lamp/control', {
    action: 'set',
    key: 'brightness',
    value: 80,
    authorisation: b80,
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.equal(set.body.via, 'coap');
  const lampOn = await api('POST', '/v1/iot/devices/lamp/control', {
    action: 'power',
    value: 'on',
    authorisation: await grant({ deviceId: 'lamp', action: 'power' }),
  });
  assert.equal(lampOn.status, 200);
  assert.deepEqual((await api('GET', '/v1/iot/devices/lamp/status')).body.values, {
    power: 'on',
    brightness: 80,
  });
  assert.deepEqual(
    lamp.out.events.filter((e) => e.event === 'set').map((e) => [e.key, e.value]),
    [
      ['brightness', 80],
      ['power', 'on'],
    ],
  );

  // HTTP: read and set.
  assert.deepEqual((await api('GET', '/v1/iot/devices/heater/status')).body.values, {
    power: 'off',
    target: '19',
  });
  assert.equal(
    (await api('POST', '/v1/iot/devices/heater/control', { action: 'set', key: 'target', value: 22 })).status,
    403,
  );
  assert.deepEqual(heaterPuts, []);
  const t22 = await api('POST', '/v1/iot/devices/heater/control', {
    action: 'set',
    key: 'target',
    value: 22,
    authorisation: await grant({ deviceId: 'heater', action: 'set', key: 'target' }),
  });
  assert.equal(t22.status, 200, JSON.stringify(t22.body));
  assert.equal(t22.body.via, 'http');
  assert.deepEqual(heaterPuts, ['target=22']);
  assert.deepEqual((await api('GET', '/v1/iot/devices/heater/status')).body.values, {
    power: 'off',
    target: '22',
  });

  // Outside the zones served, unknown, malformed.
  assert.equal(
    (await api('POST', '/v1/iot/authorisations', { who: 'alice', deviceId: 'laptop', action: 'power' }))
      .status,
    404,
  );
  const bad = await api('POST', '/v1/iot/devices/plug-a/control', { action: 'dim', value: 1 });
  assert.equal(bad.status, 400);
  assert.match(JSON.stringify(bad.body.problems), /action/);

  // The audit log holds every step, refused or done, with who authorised it.
  const audit = (await api('GET', '/v1/iot/audit?device=plug-a')).body.audit as Array<
    Record<string, unknown>
  >;
  assert.deepEqual(
    audit.map((a) => [a.action, a.value, a.outcome, a.who]),
    [
      ['credentials', null, 'refused', null],
      ['credentials', null, 'sent', 'alice'],
      ['power', 'on', 'refused', null],
      ['power', 'on', 'refused', null],
      ['power', 'on', 'refused', null],
      ['power', 'on', 'sent', 'alice'],
      ['power', 'on', 'refused', null],
      ['power', 'off', 'sent', 'alice'],
    ],
  );
});

async function waitUntil(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
