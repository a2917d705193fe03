/**
 * `node dist/bench/gateway-iperf.js [--runs N] [--seconds S]`: the gateway's throughput and live inspection, both
 * sides in one run (issue 12's benchmark):
 * 1. TCP from `lan` to `wan` through `gw`, alternating: (a) kernel forwarding with a bare masquerade table,
 *    (b) `moat gateway` running — its generated table and live inspection of the internal zones (libpcap
 *    capture → pipeline → EVE). Median Gbit/s of iperf3's receiver side, ratio b/a (goal ≥ 0.9).
 * 2. With moat inspecting: the highest offered UDP rate (`iperf3 -u -b`, doubling then bisecting) at which moat's
 *    capture loses < 0.1% of packets, from libpcap's counters (kernel_drops / kernel_packets) read through the
 *    daemon's API before and after each step.
 * 3. moat's CPU at 1 Gbit/s offered (`iperf3 -b 1G`, TCP): CPU seconds of the moat process / wall seconds.
 * Needs root, iperf3, nft, dnsmasq. The load average is printed with the results: the machine is shared.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADDR, Topology, canBuildTopology, waitFor } from '../test/gateway/topology.js';
import { getFromDaemon, type CaptureStatus } from '../src/gateway/index.js';

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
  const result = {
    kernel: [] as number[],
    moat: [] as number[],
    moatCpu: [] as number[],
    udpLossFreeMbps: 0,
    /** What the capture saw during each TCP run with moat (GSO/GRO: one captured packet carries up to 64 KiB). */
    tcpCapture: [] as Array<{ packets: number; lossRatio: number }>,
  };
  const udpSteps: Array<{
    offeredMbps: number;
    receivedMbps: number;
    packets: number;
    dropped: number;
    lossRatio: number;
  }> = [];
  let cpuAt1G:
    | {
        offered: string;
        gbps: number;
        cpuSeconds: number;
        wallSeconds: number;
        cpuShare: number;
        lossRatio: number;
      }
    | undefined;
  const socket = join(dir, 'state', 'api.sock');
  const capture = () => getFromDaemon<CaptureStatus>(socket, '/api/capture');
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

    const iperf = (extra: string[] = [], secs = seconds): number => {
      const r = topo.exec(
        'lan',
        'iperf3',
        ['-c', ADDR.wanServer, '-t', String(secs), '-J', '--connect-timeout', '5000', ...extra],
        {
          timeout: (seconds + 20) * 1000,
        },
      );
      if (r.status !== 0)
        throw new Error(`iperf3 -c: status ${r.status} ${r.stdout.slice(-400)} ${r.stderr}`);
      const j = JSON.parse(r.stdout) as {
        end: { sum_received?: { bits_per_second: number }; sum?: { bits_per_second: number } };
      };
      return ((j.end.sum_received ?? j.end.sum)?.bits_per_second ?? 0) / 1e9;
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
    const startMoat = async (): Promise<ChildProcess> => {
      spawnSync('ip', ['netns', 'exec', topo.ns.gw, 'nft', 'delete', 'table', 'inet', 'bench_bare']);
      const child = topo.start('gw', process.execPath, [MOAT, 'gateway', '--config', cfg]);
      await waitFor(child, /running \(pid \d+\)/, 30_000);
      return child;
    };
    // (b) moat's ruleset with moat running and inspecting.
    const withMoat = async (): Promise<void> => {
      gw = await startMoat();
      const before = cpuSeconds(gw.pid!);
      const c0 = await capture();
      result.moat.push(iperf());
      result.moatCpu.push(cpuSeconds(gw.pid!) - before);
      const c1 = await capture();
      const got = c1.total.received - c0.total.received;
      result.tcpCapture.push({
        packets: got,
        lossRatio: got > 0 ? (c1.total.dropped - c0.total.dropped) / got : 0,
      });
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
        `run ${i + 1}: kernel ${result.kernel[i].toFixed(2)} Gbit/s, moat inspecting ${result.moat[i].toFixed(2)} Gbit/s\n`,
      );
    }

    // 2. The loss-free UDP rate, and 3. CPU at 1 Gbit/s, with one moat running throughout.
    gw = await startMoat();
    const udpStep = async (mbps: number): Promise<number> => {
      const before = await capture();
      const got = iperf(['-u', '-b', `${mbps}M`, '-l', '1400'], 3) * 1000;
      await new Promise((r) => setTimeout(r, 300));
      const after = await capture();
      const packets = after.total.received - before.total.received;
      const dropped = after.total.dropped - before.total.dropped;
      const lossRatio = packets > 0 ? dropped / packets : 0;
      udpSteps.push({ offeredMbps: mbps, receivedMbps: Number(got.toFixed(0)), packets, dropped, lossRatio });
      process.stderr.write(
        `udp ${mbps} Mbit/s offered: ${got.toFixed(0)} received, ${packets} captured, ${dropped} dropped (${(lossRatio * 100).toFixed(3)}%)\n`,
      );
      return lossRatio;
    };
    let good = 0;
    let bad = 0;
    for (let mbps = 100; mbps <= 12_800; mbps *= 2) {
      if ((await udpStep(mbps)) < 0.001) good = mbps;
      else {
        bad = mbps;
        break;
      }
    }
    for (let i = 0; i < 4 && bad > 0 && bad - good > 25; i++) {
      const mid = Math.round((good + bad) / 2);
      if ((await udpStep(mid)) < 0.001) good = mid;
      else bad = mid;
    }
    result.udpLossFreeMbps = good;
    const pid = gw.pid!;
    const c0 = cpuSeconds(pid);
    const s0 = await capture();
    const w0 = performance.now();
    const gbps = iperf(['-b', '1G'], 10);
    const wall = (performance.now() - w0) / 1000;
    const cpu = cpuSeconds(pid) - c0;
    const s1 = await capture();
    const rec = s1.total.received - s0.total.received;
    cpuAt1G = {
      offered: 'TCP 1 Gbit/s',
      gbps: Number(gbps.toFixed(3)),
      cpuSeconds: Number(cpu.toFixed(2)),
      wallSeconds: Number(wall.toFixed(2)),
      cpuShare: Number((cpu / wall).toFixed(3)),
      lossRatio: rec > 0 ? (s1.total.dropped - s0.total.dropped) / rec : 0,
    };
    const stopped = new Promise((r) => gw!.once('exit', r));
    gw.kill('SIGTERM');
    await stopped;
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
        moatInspectingGbps: result.moat,
        medianKernelGbps: Number(k.toFixed(2)),
        medianMoatGbps: Number(m.toFixed(2)),
        ratio: Number((m / k).toFixed(3)),
        moatCpuSecondsPerRun: result.moatCpu,
        tcpCapture: result.tcpCapture,
        udpLossFreeMbps: result.udpLossFreeMbps,
        udpSteps,
        cpuAt1G,
        loadAverageAfter: loadavg()[0],
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
