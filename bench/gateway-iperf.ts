/**
 * `node dist/bench/gateway-iperf.js [--runs N] [--seconds S]`: TCP throughput from `lan` to `wan` through the
 * `gw` namespace, both sides in one run, alternating: (a) kernel forwarding with a bare masquerade table, (b) the
 * table `moat gateway` generates (DMZ policy, low-priority DNAT, counters) with moat running. Median Gbit/s of
 * iperf3's receiver side and moat's CPU seconds over its runs. Needs root, iperf3, nft, dnsmasq. moat does not
 * inspect traffic yet, so (b) measures the cost of its ruleset, not of inspection.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADDR, Topology, canBuildTopology, waitFor } from '../test/gateway/topology.js';

const MOAT = fileURLToPath(new URL('../../bin/moat.js', import.meta.url));
const LAN_HOST = '192.168.61.10';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime (fields 14, 15 of stat; 12, 13 after the command name), in clock ticks of 1/100 s.
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function main(): Promise<void> {
  const why = canBuildTopology();
  if (why) throw new Error(why);
  if (spawnSync('sh', ['-c', 'command -v iperf3']).status !== 0) throw new Error('iperf3 not installed');
  const runs = arg('--runs', 3);
  const seconds = arg('--seconds', 5);
  const dir = mkdtempSync(join(tmpdir(), 'moat-gw-bench-'));
  const topo = new Topology('gb');
  const cfg = join(dir, 'gateway.yaml');
  writeFileSync(
    cfg,
    `zones:
  wan: { interface: wan0, address: ${ADDR.gwWan}/24 }
  lan: { interface: lan0, address: ${ADDR.gwLan}/24, dhcp: { from: 192.168.61.100, to: 192.168.61.120 } }
  iot: { interface: iot0, address: ${ADDR.gwIot}/24 }
  dmz: { interface: dmz0, address: ${ADDR.gwDmz}/24, honeypot: ${ADDR.honeypot} }
backup: { port: 8443 }
stateDir: ${dir}/state
database: ${dir}/moat.db
`,
  );
  const bare = `table inet bench_bare
delete table inet bench_bare
table inet bench_bare {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan0" masquerade
  }
}
`;
  let gw: ChildProcess | undefined;
  const result = { kernel: [] as number[], moat: [] as number[], moatCpu: [] as number[] };
  try {
    topo.build();
    topo.ip('-n', topo.ns.gw, 'addr', 'add', `${ADDR.gwWan}/24`, 'dev', 'wan0');
    topo.ip('-n', topo.ns.gw, 'addr', 'add', `${ADDR.gwLan}/24`, 'dev', 'lan0');
    for (const i of ['wan0', 'lan0', 'iot0', 'dmz0']) topo.ip('-n', topo.ns.gw, 'link', 'set', i, 'up');
    topo.ip('-n', topo.ns.lan, 'addr', 'add', `${LAN_HOST}/24`, 'dev', 'eth0');
    topo.ip('-n', topo.ns.lan, 'route', 'add', 'default', 'via', ADDR.gwLan);
    topo.exec('gw', 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    const server = topo.start('wan', 'iperf3', ['-s', '-B', ADDR.wanServer, '--forceflush']);
    await waitFor(server, /Server listening/);

    const iperf = (): number => {
      const r = topo.exec(
        'lan',
        'iperf3',
        ['-c', ADDR.wanServer, '-t', String(seconds), '-J', '--connect-timeout', '5000'],
        {
          timeout: (seconds + 20) * 1000,
        },
      );
      if (r.status !== 0)
        throw new Error(`iperf3 -c: status ${r.status} ${r.stdout.slice(-400)} ${r.stderr}`);
      const j = JSON.parse(r.stdout) as { end: { sum_received: { bits_per_second: number } } };
      return j.end.sum_received.bits_per_second / 1e9;
    };
    // (a) kernel only: moat's table gone, a bare masquerade in its place.
    const kernelOnly = (): void => {
      topo.exec('gw', 'nft', ['delete', 'table', 'inet', 'moat_gateway']);
      const nft = spawnSync('ip', ['netns', 'exec', topo.ns.gw, 'nft', '-f', '-'], {
        input: bare,
        encoding: 'utf8',
      });
      if (nft.status !== 0) throw new Error(`nft: ${nft.stderr}`);
      result.kernel.push(iperf());
    };
    // (b) moat's ruleset with moat running.
    const withMoat = async (): Promise<void> => {
      spawnSync('ip', ['netns', 'exec', topo.ns.gw, 'nft', 'delete', 'table', 'inet', 'bench_bare']);
      gw = topo.start('gw', process.execPath, [MOAT, 'gateway', '--config', cfg]);
      await waitFor(gw, /running \(pid \d+\)/, 30_000);
      const before = cpuSeconds(gw.pid!);
      result.moat.push(iperf());
      result.moatCpu.push(cpuSeconds(gw.pid!) - before);
      const stopped = new Promise((r) => gw!.once('exit', r));
      gw.kill('SIGTERM');
      await stopped;
    };
    // Alternating order, so a trend in the machine's load does not favour one side.
    for (let i = 0; i < runs; i++) {
      if (i % 2 === 0) {
        kernelOnly();
        await withMoat();
      } else {
        await withMoat();
        kernelOnly();
      }
      process.stderr.write(
        `run ${i + 1}: kernel ${result.kernel[i].toFixed(2)} Gbit/s, moat ruleset ${result.moat[i].toFixed(2)} Gbit/s\n`,
      );
    }
  } finally {
    await topo.stopAll();
    topo.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  const k = median(result.kernel);
  const m = median(result.moat);
  console.log(
    JSON.stringify(
      {
        runs,
        seconds,
        loadAverage: loadavg()[0],
        kernelOnlyGbps: result.kernel,
        moatRulesetGbps: result.moat,
        medianKernelGbps: Number(k.toFixed(2)),
        medianMoatGbps: Number(m.toFixed(2)),
        ratio: Number((m / k).toFixed(3)),
        moatCpuSecondsPerRun: result.moatCpu,
      },
      null,
      2,
    ),
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`gateway-iperf: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});
