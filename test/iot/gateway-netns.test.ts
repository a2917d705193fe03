/**
 * The IoT gateway component run by the gateway daemon (`moat gateway --iot`): a device in the IoT zone gets a
 * DHCP lease from the gateway, is registered by the device registry, appears among the devices the component serves
 * (id = its MAC, from the registry), is given MQTT
 * credentials under an authorisation, logs in to the broker on the zone's gateway address and is switched on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MOAT } from '../helpers/moat-cli.js';
import { ADDR, Topology, UDHCPC_SCRIPT, canBuildTopology, waitFor } from '../gateway/topology.js';
import { SimOutput, writeSims } from './sims.js';

const API_KEY = 'gw-iot-key-0123456789abcdef';

test(
  'moat gateway --iot: a leased IoT device is served, provisioned and switched',
  { skip: canBuildTopology() },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'moat-gw-iot-'));
    const topo = new Topology('gi');
    const sims = writeSims(dir);
    t.after(async () => {
      await topo.stopAll();
      topo.destroy();
      rmSync(dir, { recursive: true, force: true });
    });
    topo.build();
    const gwCfg = join(dir, 'gateway.yaml');
    writeFileSync(
      gwCfg,
      `zones:
  wan: { interface: wan0, address: ${ADDR.gwWan}/24 }
  lan: { interface: lan0, address: ${ADDR.gwLan}/24 }
  iot:
    interface: iot0
    address: ${ADDR.gwIot}/24
    dhcp: { from: 192.168.62.100, to: 192.168.62.120, leaseSeconds: 600 }
    services: [{ protocol: tcp, port: 1883 }]
nftables: { table: moat_gi${process.pid} }
stateDir: ${dir}/state
database: ${dir}/moat.db
devices: {}
`,
    );
    const iotCfg = join(dir, 'iot.yaml');
    writeFileSync(
      iotCfg,
      JSON.stringify({
        broker: { host: ADDR.gwIot, port: 1883 },
        api: { host: '127.0.0.1', port: 42401, apiKey: API_KEY },
        check: { onFirstDeployment: false },
      }),
    );
    const gw = topo.start('gw', process.execPath, [MOAT, 'gateway', '--config', gwCfg, '--iot', iotCfg]);
    await waitFor(gw, /running \(pid \d+\)/, 30_000);

    const script = join(dir, 'udhcpc.sh');
    writeFileSync(script, UDHCPC_SCRIPT);
    chmodSync(script, 0o755);
    const lease = topo.exec('iot', 'udhcpc', ['-i', 'eth0', '-n', '-q', '-t', '5', '-T', '1', '-s', script]);
    assert.equal(lease.status, 0, `udhcpc: ${lease.stderr}`);
    const ip = /lease of (\S+) obtained/.exec(lease.stderr)?.[1] ?? '';
    const mac = topo.exec('iot', 'cat', ['/sys/class/net/eth0/address']).stdout.trim();

    const api = (method: string, path: string, body?: unknown) => {
      const r = topo.exec('gw', 'curl', [
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
        `http://127.0.0.1:42401${path}`,
      ]);
      const i = r.stdout.lastIndexOf('\n');
      return {
        status: Number(r.stdout.slice(i + 1)),
        body: JSON.parse(r.stdout.slice(0, i) || 'null') as Record<string, unknown>,
      };
    };
    // The lease reaches the device table when dnsmasq rewrites its file.
    let listed: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 50 && !listed.some((d) => d.id === mac); i++) {
      listed = api('GET', '/v1/iot/devices').body.devices as Array<Record<string, unknown>>;
      if (!listed.some((d) => d.id === mac)) await new Promise((r) => setTimeout(r, 200));
    }
    const dev = listed.find((d) => d.id === mac);
    assert.ok(dev, `device ${mac} not served: ${JSON.stringify(listed)}`);
    assert.equal(dev.address, ip);
    assert.equal(dev.zone, 'iot');

    const grant = (g: Record<string, unknown>) =>
      String(api('POST', '/v1/iot/authorisations', { who: 'alice', deviceId: mac, ...g }).body.id);
    const path = `/v1/iot/devices/${encodeURIComponent(mac)}`;
    const creds = api('POST', `${path}/credentials`, { authorisation: grant({ action: 'credentials' }) });
    assert.equal(creds.status, 200, JSON.stringify(creds.body));
    // topo.start passes this process's environment: the plug finds mqtt.js through MQTT_MODULE.
    process.env.MQTT_MODULE = sims.env.MQTT_MODULE;
    const plugProc = topo.start('iot', process.execPath, [
      sims.plug,
      JSON.stringify({
        url: `mqtt://${ADDR.gwIot}:1883`,
        username: mac,
        clientId: mac,
        password: creds.body.password,
        prefix: creds.body.prefix,
      }),
    ]);
    const plug = new SimOutput(plugProc.stdout!);
    await plug.wait((e) => e.event === 'ready');
    assert.equal(api('POST', `${path}/control`, { action: 'power', value: 'on' }).status, 403);
    const on = api('POST', `${path}/control`, {
      action: 'power',
      value: 'on',
      authorisation: grant({ action: 'power', value: 'on' }),
    });
    assert.equal(on.status, 200, JSON.stringify(on.body));
    await plug.wait((e) => e.event === 'state' && e.power === 'on');
  },
);
