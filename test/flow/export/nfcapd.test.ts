/**
 * NetFlow v9 and IPFIX export checked by real collectors: Debian's nfcapd receives on loopback, nfdump reads the file
 * back, and every exported record (addresses, ports, protocol, packets, bytes) must be there. Sampling is per flow
 * and deterministic; a sampled zone pair's rate must reach nfdump through the option data: it lists the sampler under
 * that rate's source id / observation domain (`nfdump -E`) and scales the sampled records' packets and bytes by N.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { freePort } from '../../helpers/free-port.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowExporter } from '../../../src/flow/export/exporter.js';
import { FlowSampler } from '../../../src/flow/sampling.js';
import { parseIp } from '../../../src/address/index.js';
import type { FlowView } from '../../../src/flow/types.js';

function flow(i: number, v6 = false): FlowView {
  const src = parseIp(v6 ? `2001:db8::${(i % 200) + 1}` : `10.1.${i >> 8}.${i & 255}`)!.words;
  const dst = parseIp(v6 ? '2001:db8:ffff::53' : '198.51.100.80')!.words;
  return {
    id: i,
    ipVersion: v6 ? 6 : 4,
    src,
    dst,
    srcPort: 40000 + i,
    dstPort: v6 ? 53 : 443,
    proto: v6 ? 17 : 6,
    vlan: [],
    startUs: Date.UTC(2026, 0, 5, 10, 0, 0) * 1000 + i * 1e6,
    lastUs: Date.UTC(2026, 0, 5, 10, 0, 0) * 1000 + i * 1e6 + 2.5e6,
    pkts: [10 + i, 8 + i],
    bytes: [1000 + i * 3, 5000 + i * 7],
    state: 'closed',
    appProto: 'unknown',
    tcpFlags: v6 ? [0, 0] : [0x1b, 0x1b],
    gapBytes: 0,
    communityId: () => '',
  };
}

interface NfRecord {
  src4_addr?: string;
  dst4_addr?: string;
  src6_addr?: string;
  dst6_addr?: string;
  src_port: number;
  dst_port: number;
  proto: number;
  in_packets: number;
  in_bytes: number;
  sampled: number;
}

for (const protocol of ['netflow9', 'ipfix'] as const) {
  test(`${protocol}: nfcapd receives every record and nfdump reads them back`, async (t) => {
    if (spawnSync('sh', ['-c', 'command -v nfcapd && command -v nfdump']).status !== 0) {
      t.skip('nfdump not installed (scripts/setup.sh installs it)');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), `moat-nf-${protocol}-`));
    const port = await freePort();
    const cap = spawn('nfcapd', ['-w', dir, '-p', String(port), '-b', '127.0.0.1', '-t', '3600'], {
      stdio: 'ignore',
    });
    try {
      await new Promise((r) => setTimeout(r, 500));
      // IoT → anywhere is sampled 1:4; the IPv6 flows (zone wan → wan) are not sampled.
      const sampler = new FlowSampler({
        zones: [{ name: 'iot', nets: ['10.1.0.0/16'] }],
        rates: [{ pair: 'iot->*', rate: 4 }],
        defaultRate: 1,
      });
      const exp = new FlowExporter({ host: '127.0.0.1', port, protocol, sampler });
      const all = [
        ...Array.from({ length: 120 }, (_, i) => flow(i)),
        ...Array.from({ length: 10 }, (_, i) => flow(i, true)),
      ];
      const flows = all.filter((f) => sampler.sample(f).sampled);
      const sampled4 = flows.filter((f) => f.ipVersion === 4).length;
      assert.ok(sampled4 >= 10 && sampled4 <= 50, `about a quarter of the IoT flows sampled: ${sampled4}`);
      for (const f of all) exp.onFlowEnd(f, 'shutdown', f.lastUs);
      await exp.close();
      assert.equal(exp.exported, flows.length * 2);
      assert.equal(exp.sampledOut, 120 - sampled4);
      await new Promise((r) => setTimeout(r, 500));
      cap.kill('SIGTERM');
      await new Promise((r) => cap.once('exit', r));
      const files = readdirSync(dir).filter((f) => f.startsWith('nfcapd.'));
      assert.ok(files.length >= 1, `nfcapd wrote ${files.join(', ')}`);
      const out = spawnSync('nfdump', ['-r', join(dir, files[0]), '-o', 'json'], {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      });
      assert.equal(out.status, 0, out.stderr);
      const recs = JSON.parse(out.stdout) as NfRecord[];
      assert.equal(recs.length, flows.length * 2);
      const key = (r: NfRecord): string =>
        `${r.src4_addr ?? r.src6_addr}|${r.src_port}|${r.dst4_addr ?? r.dst6_addr}|${r.dst_port}|${r.proto}|${r.in_packets}|${r.in_bytes}|${r.sampled}`;
      const got = new Set(recs.map(key));
      for (const f of flows) {
        const v6 = f.ipVersion === 6;
        const a = v6 ? `2001:db8::${(f.id % 200) + 1}` : `10.1.${f.id >> 8}.${f.id & 255}`;
        const b = v6 ? '2001:db8:ffff::53' : '198.51.100.80';
        // nfdump estimates the unsampled volume: counts × N, and marks the record sampled.
        const n = v6 ? 1 : 4;
        const flag = v6 ? 0 : 1;
        assert.ok(
          got.has(
            `${a}|${f.srcPort}|${b}|${f.dstPort}|${f.proto}|${f.pkts[0] * n}|${f.bytes[0] * n}|${flag}`,
          ),
          `client→server of flow ${f.id}`,
        );
        assert.ok(
          got.has(
            `${b}|${f.dstPort}|${a}|${f.srcPort}|${f.proto}|${f.pkts[1] * n}|${f.bytes[1] * n}|${flag}`,
          ),
          `server→client of flow ${f.id}`,
        );
      }
      // The exporter listing: the unsampled domain 1 without a sampler, domain 4 with 1 packet in every 4.
      const ex = spawnSync('nfdump', ['-E', join(dir, files[0])], { encoding: 'utf8' });
      assert.equal(ex.status, 0, ex.stderr);
      const blocks = ex.stdout.split(/\n(?=SysID)/);
      const dom4 = blocks.find((b) => /, ID:\s+4,/.test(b));
      const dom1 = blocks.find((b) => /, ID:\s+1,/.test(b));
      assert.ok(dom4 && /Sampler:.*packet interval: 1, packet space: 3/.test(dom4), ex.stdout);
      assert.ok(dom1 && !/Sampler/.test(dom1), ex.stdout);
    } finally {
      cap.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('sampling is per flow, deterministic, and follows the zone pair', () => {
  const s = new FlowSampler({
    zones: [
      { name: 'iot', nets: ['10.1.0.0/16'] },
      { name: 'user', nets: ['192.168.0.0/16'] },
    ],
    rates: [
      { pair: 'iot->user', rate: 10 },
      { pair: 'iot->*', rate: 4 },
    ],
    defaultRate: 1,
  });
  const flows = Array.from({ length: 4000 }, (_, i) => flow(i % 3000));
  const picks = flows.map((f) => s.sample(f));
  assert.ok(
    picks.every((p) => p.rate === 4),
    'iot → wan: dense 1:4',
  );
  const frac = picks.filter((p) => p.sampled).length / picks.length;
  assert.ok(frac > 0.2 && frac < 0.3, `about a quarter sampled: ${frac}`);
  // The same flow always gets the same answer, whichever endpoint is taken as its client.
  const even = new FlowSampler({ zones: [], rates: [], defaultRate: 3 });
  for (let i = 0; i < 200; i++) {
    const f = flow(i);
    const rev = { ...f, src: f.dst, dst: f.src, srcPort: f.dstPort, dstPort: f.srcPort };
    assert.equal(even.sample(f).sampled, even.sample(rev).sampled);
    assert.equal(even.sample(f).sampled, even.sample(flow(i)).sampled);
  }
  const f = flow(7);
  assert.equal(s.sample({ ...f, dst: parseIp('192.168.3.3')!.words }).rate, 10);
  assert.throws(
    () => new FlowSampler({ zones: [{ name: 'x', nets: ['nope'] }], rates: [], defaultRate: 1 }),
    /zone x: 'nope'/,
  );
});
