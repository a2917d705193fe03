/**
 * A-45 "user → IoT … checked by the model": the kernel's samples of the configured pairs go to the deployed payload
 * CNN (src/ml, trained here on a small seeded sample of the USTC-TFC2016 corpus and deployed through its registry).
 * NFLOG records as the kernel writes them (family header, prefix TLV = the pair, payload TLV = the IPv4 packet) go
 * through the daemon's sampler: a user device that sends malware sessions to an IoT device is restricted by the
 * model's verdict and alerted on the webhook; the same payloads on a pair the model does not check never reach it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_ARCH,
  MlRegistry,
  USTC_CLASS_NAMES,
  USTC_MALICIOUS,
  exportModel,
  subset,
  tfReady,
  trainModel,
  type SessionSet,
} from '../../src/ml/index.js';
import { DeviceService } from '../../src/devices/index.js';
import { parseGatewayConfig } from '../../src/gateway/index.js';
import { openSqlite } from '../../src/store/index.js';
import { SKIP, ustcSplit } from '../ml/corpus.js';

const LAPTOP = { mac: '02:00:5e:30:00:01', ip: '192.168.61.20' };
const PHONE = { mac: '02:00:5e:30:00:02', ip: '192.168.61.21' };
const PLUG = { mac: '02:00:5e:30:00:03', ip: '192.168.62.30' };

/** One NFLOG record (linktype 239) for an IPv4/UDP packet carrying `payload`, logged with `prefix`. */
function nflogRecord(prefix: string, src: string, dst: string, sport: number, payload: Uint8Array): Buffer {
  const ip = Buffer.alloc(28 + payload.length);
  ip[0] = 0x45;
  ip.writeUInt16BE(ip.length, 2);
  ip[8] = 64;
  ip[9] = 17;
  Buffer.from(src.split('.').map(Number)).copy(ip, 12);
  Buffer.from(dst.split('.').map(Number)).copy(ip, 16);
  ip.writeUInt16BE(sport, 20);
  ip.writeUInt16BE(4000, 22);
  ip.writeUInt16BE(8 + payload.length, 24);
  ip.set(payload, 28);
  const tlv = (type: number, value: Buffer) => {
    const len = 4 + value.length;
    const b = Buffer.alloc((len + 3) & ~3);
    b.writeUInt16LE(len, 0);
    b.writeUInt16LE(type, 2);
    value.copy(b, 4);
    return b;
  };
  return Buffer.concat([Buffer.from([2, 0, 0, 40]), tlv(10, Buffer.from(`${prefix}\0`)), tlv(9, ip)]);
}

function rowsWhere(s: SessionSet, keep: (label: number) => boolean): SessionSet {
  const rows: number[] = [];
  for (let i = 0; i < s.n; i++) if (keep(s.labels[i])) rows.push(i);
  return subset(s, rows);
}

test(
  'the payload CNN checks the user → IoT samples: malware sessions restrict the sender',
  { skip: SKIP },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'moat-dev-model-'));
    mkdirSync(join(dir, 'state'));
    const store = openSqlite(join(dir, 'moat.db'));
    const alerts: string[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        alerts.push(body);
        res.writeHead(204);
        res.end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    t.after(() => {
      hook.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    // A quick model (30 sessions a class, 4 epochs), deployed through the registry's deployment test.
    const tf = await tfReady();
    const { train, test: held } = ustcSplit(30, 5, 23);
    const isMal = (l: number) => USTC_MALICIOUS.includes(l);
    const reg = new MlRegistry(store, tf);
    reg.addReference('malicious', rowsWhere(held, isMal), 'corpus');
    reg.addReference(
      'benign',
      rowsWhere(held, (l) => !isMal(l)),
      'corpus',
    );
    const trained = await trainModel(tf, train, { arch: DEFAULT_ARCH, epochs: 4, seed: 5 });
    const file = exportModel(trained.model, DEFAULT_ARCH, {
      name: 'devices-test',
      version: '0.1',
      classNames: USTC_CLASS_NAMES,
      maliciousClasses: USTC_MALICIOUS,
      training: {},
      metrics: {},
    });
    assert.ok(reg.add(file, { gates: { minDetection: 0.3, maxFalseAlarm: 0.7 } }).deployed);

    const port = (hook.address() as AddressInfo).port;
    const loaded = parseGatewayConfig(
      `zones:
  wan: { interface: wan0, address: 10.90.0.2/24 }
  lan: { interface: lan0, address: 192.168.61.1/24 }
  iot: { interface: iot0, address: 192.168.62.1/24 }
stateDir: ${dir}/state
devices:
  model: { minConfidence: 0.5, idleSeconds: 1 }
  alerts: { webhook: http://127.0.0.1:${port}/ }
`,
      'gateway.yaml',
    );
    const service = new DeviceService({ store, plan: () => loaded.plan, log: () => {} });
    for (const d of [LAPTOP, PHONE]) service.registry.observe({ ...d, zone: 'lan' });
    service.registry.observe({ ...PLUG, zone: 'iot', protocol: 'mqtt' });
    await service.loadModel();
    assert.ok(service.modelCheck);

    // Held-out malware sessions (trailing zero padding cut), each a UDP flow of 4 datagrams, every one sampled.
    const mal = rowsWhere(held, isMal);
    const send = (pair: string, from: string, sportBase: number) => {
      let flows = 0;
      for (let i = 0; i < mal.n; i++) {
        const row = mal.bytes.subarray(i * mal.width, (i + 1) * mal.width);
        let end = row.length;
        while (end > 0 && row[end - 1] === 0) end--;
        if (end < 16) continue;
        flows++;
        const step = Math.ceil(end / 4);
        for (let o = 0; o < end; o += step) {
          const rec = nflogRecord(
            pair,
            from,
            PLUG.ip,
            sportBase + i,
            row.subarray(o, Math.min(end, o + step)),
          );
          service.sampler.onRecord(rec, rec.length);
        }
      }
      return flows;
    };
    // The phone's copies are sampled for the device → internet pair, which the model does not check.
    send('to_internet', PHONE.ip, 30000);
    assert.equal(service.modelCheck.stats.samples, 0, 'pairs the model does not check never reach it');
    const flows = send('user_to_iot', LAPTOP.ip, 20000);
    assert.equal(service.sampler.received.user_to_iot, service.modelCheck.stats.samples);
    await new Promise((r) => setTimeout(r, 1100));
    service.tick();
    const s = service.modelCheck.stats;
    t.diagnostic(`${flows} malware flows: ${s.classified} classified, ${s.malicious} malicious`);
    assert.equal(s.classified, flows, 'each sampled flow classified once');
    assert.ok(s.malicious >= 1, `${s.malicious} of ${flows} flagged`);

    // The sender is quarantined by the model's verdict, alerted; the phone and the plug are not.
    const laptop = service.registry.get(LAPTOP.mac)!;
    assert.equal(laptop.restriction?.level, 'quarantined');
    assert.equal(laptop.restriction?.by, 'model');
    assert.match(
      laptop.restriction?.reason ?? '',
      /^payload model: \S+ \(confidence 0\.\d\d\) in udp 192\.168\.61\.20:\d+ → 192\.168\.62\.30:4000, sampled user_to_iot$/,
    );
    assert.equal(service.registry.get(PHONE.mac)!.restriction, null);
    assert.equal(service.registry.get(PLUG.mac)!.restriction, null);
    for (let i = 0; i < 50 && alerts.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(alerts.length, 1, 'one alert: the device is restricted once');
    const a = JSON.parse(alerts[0]) as {
      alert: { signature_id: number; signature: string };
      moat: { device: { mac: string }; restriction: { level: string; rule: string } };
    };
    assert.equal(a.alert.signature_id, 9_500_101);
    assert.match(a.alert.signature, /^MOAT payload model: /);
    assert.deepEqual(
      [a.moat.device.mac, a.moat.restriction.level, a.moat.restriction.rule],
      [LAPTOP.mac, 'quarantined', 'model'],
    );
    assert.equal(service.snapshot().model?.classified, flows);
    await service.stop();
  },
);
