/**
 * `moat gateway` for real, in network namespaces (issue 12 acceptance, core): `wan` (web server, upstream DNS,
 * echo), `gw` (moat gateway as a child process), `lan` (a device with a DHCP lease), `iot` (a static device: the
 * relay's device end and a port-forward target), `dmz` (a TCP listener standing in for the honeypot).
 * One topology, checks in order: lease + DNS + NAT fetch; low-priority mapping to the honeypot; an outbound port
 * taking its reply path; user port-forward outranking both; the DMZ policy with nftables counters; a bad
 * configuration refused with paths while the old ruleset stays; kill -9 during a download (fail-open) and a
 * restart that reconciles without dropping it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { ADDR, Topology, canBuildTopology, waitFor } from './topology.js';
import { connectFrom, udpExchange, writeNetTools, type NetTools } from './net-tools.js';

const MOAT = fileURLToPath(new URL('../../../bin/moat.js', import.meta.url));
const OUT_PORT = 41234;
const UDP_PORT = 41300;
/** The UDP ageing time the test configures: long enough for a `moat gateway map` call on a busy machine. */
const UDP_IDLE_S = 5;

const UDHCPC_SCRIPT = `#!/bin/sh
# udhcpc event script for a test namespace: address and default route; the DNS server goes to a file,
# never to the host's /etc/resolv.conf.
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/\${mask:-24}" dev "$interface"
    [ -n "$router" ] && ip route replace default via "\${router%% *}" dev "$interface"
    echo "$dns" > "$DNS_FILE"
    ;;
  deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
esac
exit 0
`;

function gatewayYaml(dir: string, extra = ''): string {
  return `zones:
  wan: { interface: wan0, address: ${ADDR.gwWan}/24 }
  lan:
    interface: lan0
    address: ${ADDR.gwLan}/24
    dhcp: { from: 192.168.61.100, to: 192.168.61.120, leaseSeconds: 600 }
  iot: { interface: iot0, address: ${ADDR.gwIot}/24 }
  dmz:
    interface: dmz0
    address: ${ADDR.gwDmz}/24
    honeypot: ${ADDR.honeypot}
    tunnel: { address: ${ADDR.iotDevice}, port: 7443 }
backup: { port: 8443 }
portForwards:
  - { protocol: tcp, port: 8080, to: ${ADDR.iotDevice}, toPort: 80 }
dns: { upstream: [${ADDR.wanServer}], domain: lan }
nat: { udpIdleSeconds: ${UDP_IDLE_S} }
stateDir: ${dir}/state
database: ${dir}/moat.db
${extra}`;
}

interface Counter {
  packets: number;
  bytes: number;
}

test('moat gateway in network namespaces: DHCP, DNS, NAT, low-priority mappings, DMZ, bad config, fail-open', async (t) => {
  const why = canBuildTopology();
  if (why) {
    t.skip(why);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'moat-gw-'));
  const topo = new Topology('mg');
  const cfg = join(dir, 'gateway.yaml');
  writeFileSync(cfg, gatewayYaml(dir));
  const tools: NetTools = writeNetTools(dir);
  let gw: ChildProcess | undefined;
  let gwLog = '';

  const moat = (...args: string[]) => topo.exec('gw', process.execPath, [MOAT, 'gateway', ...args]);
  const moatJson = <T>(...args: string[]): T => {
    const r = moat(...args, '--config', cfg, '--json');
    assert.ok(r.status === 0 || r.status === 1, `moat gateway ${args.join(' ')}: ${r.status} ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
  const resolveFromLan = (name: string): string =>
    topo
      .exec('lan', process.execPath, [
        '-e',
        `const r=new (require('dns').promises.Resolver)();r.setServers(['${ADDR.gwLan}']);` +
          `r.resolve4('${name}').then(a=>console.log(a[0]),e=>console.log(e.code))`,
      ])
      .stdout.trim();
  const counters = () => moatJson<{ counters: Record<string, Counter> }>('status').counters;
  const startGateway = async (): Promise<ChildProcess> => {
    const child = topo.start('gw', process.execPath, [MOAT, 'gateway', '--config', cfg]);
    child.stderr!.on('data', (d: Buffer) => (gwLog += d.toString()));
    await waitFor(child, /running \(pid \d+\)/, 20_000);
    return child;
  };
  const server = async (role: 'wan' | 'dmz' | 'iot' | 'gw', spec: object): Promise<ChildProcess> => {
    const child = topo.start(role, process.execPath, [tools.serverJs, JSON.stringify(spec)]);
    await waitFor(child, /listening/);
    return child;
  };

  try {
    topo.build();

    // WAN: a web server, an upstream resolver that knows web.wan.test, an echo service, a slow download.
    const www = join(dir, 'www');
    mkdirSync(www);
    writeFileSync(join(www, 'hello.txt'), 'hello through NAT\n');
    const web = topo.start('wan', 'python3', [
      '-m',
      'http.server',
      '80',
      '--bind',
      ADDR.wanServer,
      '--directory',
      www,
    ]);
    let webLog = '';
    web.stderr!.on('data', (d: Buffer) => (webLog += d.toString()));
    const upstream = topo.start('wan', 'dnsmasq', [
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--no-resolv',
      '--no-hosts',
      '--bind-interfaces',
      `--listen-address=${ADDR.wanServer}`,
      `--host-record=web.wan.test,${ADDR.wanServer}`,
      `--pid-file=${join(dir, 'upstream.pid')}`,
      '--log-facility=-',
    ]);
    await waitFor(upstream, /started, version/);
    await server('wan', { label: 'wan-echo', tcp: [9000], udp: [9001], echo: true });
    const slow = await server('wan', {
      label: 'slow',
      tcp: [],
      slowHttp: { port: 8000, bytes: 8 * 1024 * 1024, chunk: 64 * 1024, everyMs: 100 },
    });
    const honeypot = await server('dmz', { label: 'honeypot', tcp: [2323, OUT_PORT, 8443], udp: [UDP_PORT] });
    await server('iot', { label: 'iot-device', tcp: [80, 7443, 22] });

    gw = await startGateway();
    let lanIp = '';

    await t.test(
      'a LAN device gets a lease, resolves through the gateway and fetches from the WAN through NAT',
      async () => {
        const script = join(dir, 'udhcpc.sh');
        writeFileSync(script, UDHCPC_SCRIPT);
        chmodSync(script, 0o755);
        const dnsFile = join(dir, 'lan.dns');
        const r = topo.exec(
          'lan',
          'udhcpc',
          ['-i', 'eth0', '-n', '-q', '-t', '5', '-T', '1', '-s', script, '-x', 'hostname:laptop1'],
          {
            env: { ...process.env, DNS_FILE: dnsFile },
          },
        );
        assert.equal(r.status, 0, `udhcpc: ${r.stderr}`);
        lanIp = /lease of (\S+) obtained/.exec(r.stderr)?.[1] ?? '';
        assert.match(lanIp, /^192\.168\.61\.(1[01][0-9]|120)$/, `leased address: ${r.stderr}`);
        assert.equal(readFileSync(dnsFile, 'utf8').trim(), ADDR.gwLan, 'DHCP names the gateway as resolver');

        // Resolution through the gateway's dnsmasq: a WAN name (forwarded upstream) and the device's own DHCP name.
        const dns = topo.exec('lan', process.execPath, [
          '-e',
          `const r=new (require('dns').promises.Resolver)();r.setServers(['${ADDR.gwLan}']);` +
            `Promise.all([r.resolve4('web.wan.test'),r.resolve4('laptop1.lan')]).then(a=>console.log(JSON.stringify(a)),e=>console.log(e.code))`,
        ]);
        assert.deepEqual(JSON.parse(dns.stdout), [[ADDR.wanServer], [lanIp]]);

        const curl = topo.exec('lan', 'curl', [
          '-s',
          '--max-time',
          '5',
          `http://${ADDR.wanServer}/hello.txt`,
        ]);
        assert.equal(curl.stdout, 'hello through NAT\n');
        // The WAN server saw the gateway's WAN address (masquerade), not the LAN device.
        await until(() => /GET \/hello.txt/.test(webLog));
        assert.match(webLog, new RegExp(`^${ADDR.gwWan.replace(/\./g, '\\.')} .*GET /hello.txt`, 'm'));
        assert.doesNotMatch(webLog, /192\.168\.61\./);

        // The lease is in the device table (the lease file is polled every second).
        let devices: Array<{ mac: string; ip: string; hostname: string; zone: string; active: boolean }> = [];
        for (let i = 0; i < 30 && !devices.some((d) => d.ip === lanIp); i++) {
          spawnSleep(200);
          devices = moatJson('devices');
        }
        const d = devices.find((x) => x.ip === lanIp);
        assert.ok(d, `device table: ${JSON.stringify(devices)}`);
        assert.equal(d.hostname, 'laptop1');
        assert.equal(d.zone, 'lan');
        assert.equal(d.active, true);
        // The daemon's parts are A-1 components, all running and healthy.
        const st = moatJson<{ ok: boolean; components: Array<{ name: string; state: string; ok: boolean }> }>(
          'status',
        );
        assert.equal(st.ok, true);
        assert.deepEqual(
          st.components.map((c) => [c.name, c.state, c.ok]).sort(),
          [
            ['bus', 'running', true],
            ['devices', 'running', true],
            ['dhcp-dns', 'running', true],
            ['api', 'running', true],
            ['live-inspection', 'running', true],
            ['peers', 'running', true],
            ['router', 'running', true],
            ['deception', 'running', true],
            ['incidents', 'running', true],
            ['verdict-inbox', 'running', true],
            ['verdicts', 'running', true],
          ].sort(),
        );
      },
    );

    await t.test(
      'a WAN connection to an unmapped gateway port lands in the honeypot and is in the NAT table',
      () => {
        const before = counters().wan_to_honeypot.packets;
        const r = connectFrom(topo, tools, 'wan', ADDR.gwWan, 2323);
        assert.equal(r.error, undefined);
        // The honeypot saw the attacker's own address: DNAT only, no source rewrite.
        assert.equal(r.data.trim(), `honeypot ${ADDR.wanServer}:${/:(\d+) ->/.exec(r.data)?.[1]} -> 2323`);
        assert.equal(counters().wan_to_honeypot.packets, before + 1);
        const nat =
          moatJson<Array<{ kind: string; target?: string; external: string; internal: string }>>('nat');
        assert.ok(
          nat.some(
            (n) =>
              n.kind === 'dnat' &&
              n.target === 'honeypot' &&
              n.external === `${ADDR.gwWan}:2323` &&
              n.internal === `${ADDR.honeypot}:2323`,
          ),
          JSON.stringify(nat),
        );
        // The gateway's backup port is its own: never handed to the honeypot (nothing listens on it: refused).
        assert.equal(connectFrom(topo, tools, 'wan', ADDR.gwWan, 8443).error, 'ECONNREFUSED');
      },
    );

    await t.test('an outbound flow from port P takes P back: the reply reaches the LAN device', () => {
      const r = connectFrom(topo, tools, 'lan', ADDR.wanServer, 9000, {
        localPort: OUT_PORT,
        send: 'ping',
        timeoutMs: 3000,
      });
      assert.equal(r.error, undefined, JSON.stringify(r));
      // The WAN end saw the gateway's address and the same port P (masquerade kept it), and its reply came back.
      assert.match(
        r.data,
        new RegExp(`^wan-echo ${ADDR.gwWan.replace(/\./g, '\\.')}:${OUT_PORT} -> 9000 echo ping`),
      );
      const map = moatJson<
        Array<{
          priority: string;
          rank: number;
          protocol: string;
          ports: string;
          to: string;
          remote?: string;
        }>
      >('map');
      const normal = map.find((m) => m.priority === 'normal' && m.ports === String(OUT_PORT));
      assert.ok(normal, JSON.stringify(map));
      assert.equal(normal.to, `${lanIp}:${OUT_PORT}`);
      assert.equal(normal.remote, `${ADDR.wanServer}:9000`);
      const low = map.find((m) => m.priority === 'low' && m.protocol === 'tcp');
      assert.deepEqual([low?.ports, low?.to], ['1-8079,8081-8442,8444-65535', ADDR.honeypot]);
      assert.deepEqual(
        map.map((m) => m.rank),
        [...map.map((m) => m.rank)].sort((a, b) => b - a),
        'listed by priority',
      );
      // Linux NAT is per remote end: a new connection from another source to P is still the honeypot's.
      const other = connectFrom(topo, tools, 'wan', ADDR.gwWan, OUT_PORT);
      assert.match(other.data, new RegExp(`^honeypot .* -> ${OUT_PORT}`));
    });

    await t.test('an idle normal mapping ages back to the honeypot (A-57)', async () => {
      type Mapping = { priority: string; protocol: string; ports: string; expiresIn: number | null };
      const normalUdp = () =>
        moatJson<Mapping[]>('map').find(
          (m) => m.priority === 'normal' && m.protocol === 'udp' && m.ports === String(UDP_PORT),
        );
      // Fresh: the remote end's later datagram to P follows the NAT entry back to the LAN device.
      const fresh = udpExchange(topo, tools, 'lan', ADDR.wanServer, 9001, {
        localPort: UDP_PORT,
        send: 'ping:500',
        listenMs: 1200,
      });
      assert.deepEqual(fresh, ['pong', 'late']);
      const m = normalUdp();
      assert.ok(
        m && m.expiresIn !== null && m.expiresIn <= UDP_IDLE_S,
        `normal mapping for ${UDP_PORT}: ${JSON.stringify(m)}`,
      );
      // Idle past the ageing time (nat.udpIdleSeconds): the same remote end's datagram to P is a new inbound
      // flow, and new inbound flows to unheld ports are the honeypot's.
      const toHoneypot = waitFor(
        honeypot,
        new RegExp(`honeypot udp ${ADDR.wanServer.replace(/\./g, '\\.')}:9001 -> ${UDP_PORT} late`),
        10_000,
      );
      const aged = udpExchange(topo, tools, 'lan', ADDR.wanServer, 9001, {
        localPort: UDP_PORT,
        send: `ping:${(UDP_IDLE_S + 1.5) * 1000}`,
        listenMs: (UDP_IDLE_S + 2.5) * 1000,
      });
      assert.deepEqual(aged, ['pong'], 'the late datagram no longer reaches the LAN device');
      await toHoneypot;
      assert.equal(normalUdp(), undefined);
    });

    await t.test('a user port-forward outranks the low-priority mapping', () => {
      const before = counters().port_forwarded.packets;
      const r = connectFrom(topo, tools, 'wan', ADDR.gwWan, 8080);
      assert.match(r.data, new RegExp(`^iot-device ${ADDR.wanServer.replace(/\./g, '\\.')}:\\d+ -> 80`));
      assert.equal(counters().port_forwarded.packets, before + 1);
    });

    await t.test(
      'DMZ policy: the DMZ reaches only the tunnel; LAN and IoT never reach the DMZ (nftables counters)',
      () => {
        const c0 = counters();
        const tunnel = connectFrom(topo, tools, 'dmz', ADDR.iotDevice, 7443);
        assert.match(tunnel.data, /^iot-device 192\.168\.63\.10:\d+ -> 7443/, 'the dedicated tunnel is open');
        const blocked: Array<[string, ReturnType<typeof connectFrom>]> = [
          ['dmz → lan', connectFrom(topo, tools, 'dmz', lanIp, 22, { timeoutMs: 800 })],
          [
            'dmz → iot (not the tunnel port)',
            connectFrom(topo, tools, 'dmz', ADDR.iotDevice, 22, { timeoutMs: 800 }),
          ],
          ['dmz → wan', connectFrom(topo, tools, 'dmz', ADDR.wanServer, 9000, { timeoutMs: 800 })],
          ['dmz → gateway', connectFrom(topo, tools, 'dmz', ADDR.gwDmz, 53, { timeoutMs: 800 })],
          ['lan → dmz', connectFrom(topo, tools, 'lan', ADDR.honeypot, 2323, { timeoutMs: 800 })],
          ['iot → dmz', connectFrom(topo, tools, 'iot', ADDR.honeypot, 2323, { timeoutMs: 800 })],
        ];
        for (const [what, r] of blocked) assert.equal(r.error, 'TIMEOUT', `${what}: ${JSON.stringify(r)}`);
        const c1 = counters();
        const grew = (name: string, atLeast: number) =>
          assert.ok(
            c1[name].packets - c0[name].packets >= atLeast,
            `${name}: ${c0[name].packets} → ${c1[name].packets}`,
          );
        grew('dmz_tunnel', 1);
        grew('dmz_to_internal', 2);
        grew('dmz_to_wan', 1);
        grew('dmz_to_gateway', 1);
        grew('internal_to_dmz', 2);
      },
    );

    await t.test('a bad configuration is refused with paths; the ruleset in force stays', async () => {
      const good = readFileSync(cfg, 'utf8');
      const statusBefore = moatJson<{ ruleset: { inForce: string } }>('status');
      const bad = join(dir, 'bad.yaml');
      writeFileSync(
        bad,
        good
          .replace(`honeypot: ${ADDR.honeypot}`, 'honeypot: 192.168.99.10')
          .replace('toPort: 80 }', 'toPort: 80, colour: red }')
          .replace(`address: ${ADDR.gwIot}/24`, 'address: 192.168.62.0/24'),
      );
      const check = moat('check', '--config', bad, '--json');
      assert.equal(check.status, 2);
      const issues = (JSON.parse(check.stdout) as { issues: Array<{ path: string; line?: number }> }).issues;
      assert.deepEqual(
        issues.map((i) => i.path).sort(),
        ['portForwards[0].colour', 'zones.dmz.honeypot', 'zones.iot.address'],
        check.stdout,
      );
      assert.ok(issues.every((i) => typeof i.line === 'number'));
      // Another gateway with it does not start and does not touch the kernel.
      const run = moat('--config', bad);
      assert.equal(run.status, 2);
      assert.match(run.stderr, /zones\.dmz\.honeypot: 192\.168\.99\.10 is outside the DMZ subnet/);
      // The running gateway told to reload it (SIGHUP) refuses and keeps its ruleset.
      writeFileSync(cfg, readFileSync(bad, 'utf8'));
      const refused = waitFor(gw!, /reload refused/);
      gw!.kill('SIGHUP');
      await refused;
      writeFileSync(cfg, good);
      const after = moatJson<{
        ok: boolean;
        ruleset: { inForce: string };
        daemon: { lastReloadError?: string };
      }>('status');
      assert.equal(after.ruleset.inForce, statusBefore.ruleset.inForce);
      assert.match(after.daemon.lastReloadError ?? '', /zones\.dmz\.honeypot/);
      assert.equal(
        connectFrom(topo, tools, 'wan', ADDR.gwWan, 2323).data.startsWith('honeypot'),
        true,
        'old rules still work',
      );
      // A second gateway on the same state is refused while one runs.
      const second = moat('--config', cfg);
      assert.equal(second.status, 2);
      assert.match(second.stderr, /another moat gateway \(pid \d+\)/);
      // And a good reload goes through, without restarting dnsmasq (its configuration did not change).
      const dnsBefore = moatJson<{ dnsmasq: { pid: number } }>('status').dnsmasq.pid;
      const ok = waitFor(gw!, /reloaded: ruleset/);
      gw!.kill('SIGHUP');
      await ok;
      const st = moatJson<{ ok: boolean; dnsmasq: { pid: number } }>('status');
      assert.equal(st.ok, true);
      assert.equal(st.dnsmasq.pid, dnsBefore);
    });

    await t.test('dnsmasq is supervised: killed, it is restarted and serves again', async () => {
      const before = moatJson<{ dnsmasq: { pid: number; restarts: number } }>('status').dnsmasq;
      const restarted = waitFor(gw!, /dnsmasq: restarting in \d+ ms/);
      process.kill(before.pid, 'SIGKILL');
      await restarted;
      let now = before;
      await until(() => {
        now = moatJson<{ dnsmasq: { pid: number; restarts: number } }>('status').dnsmasq;
        return now.pid !== undefined && now.pid !== before.pid;
      }, 10_000);
      assert.equal(now.restarts, before.restarts + 1);
      const dns = topo.exec('lan', process.execPath, [
        '-e',
        `const r=new (require('dns').promises.Resolver)();r.setServers(['${ADDR.gwLan}']);` +
          `r.resolve4('web.wan.test').then(a=>console.log(a[0]),e=>console.log(e.code))`,
      ]);
      assert.equal(dns.stdout.trim(), ADDR.wanServer);
    });

    await t.test(
      'self-isolation: the WAN closes except the backup port; unisolate restores service',
      async () => {
        // A stand-in for the gateway's own service on the backup port (the user's way in while isolated).
        const backup = await server('gw', { label: 'gateway-backup', tcp: [8443] });
        const before = counters().isolated_dropped.packets;
        const iso = moat('isolate', '--config', cfg, '--reason', 'test: 3 devices infected');
        assert.equal(iso.status, 0, iso.stderr);
        assert.match(iso.stderr, /isolated: the WAN is closed except tcp\/8443/);
        const st = moatJson<{
          ok: boolean;
          isolation: { isolated: boolean; reason: string };
          problems: string[];
        }>('status');
        assert.deepEqual(
          [st.ok, st.isolation.isolated, st.isolation.reason],
          [false, true, 'test: 3 devices infected'],
        );
        assert.match(st.problems.join('\n'), /isolated since/);
        // Nothing crosses the WAN: out from the LAN, in to the honeypot; the backup port answers.
        const out = topo.exec('lan', 'curl', ['-s', '--max-time', '2', `http://${ADDR.wanServer}/hello.txt`]);
        assert.notEqual(out.status, 0, 'LAN → WAN is cut');
        assert.equal(connectFrom(topo, tools, 'wan', ADDR.gwWan, 2323, { timeoutMs: 800 }).error, 'TIMEOUT');
        assert.match(
          connectFrom(topo, tools, 'wan', ADDR.gwWan, 8443).data,
          /^gateway-backup 10\.90\.0\.1:\d+ -> 8443/,
        );
        assert.ok(counters().isolated_dropped.packets > before);
        // The LAN still reaches the gateway itself.
        assert.match(connectFrom(topo, tools, 'lan', ADDR.gwLan, 8443).data, /^gateway-backup /);

        const un = moat('unisolate', '--config', cfg);
        assert.equal(un.status, 0, un.stderr);
        assert.equal(
          topo.exec('lan', 'curl', ['-s', '--max-time', '5', `http://${ADDR.wanServer}/hello.txt`]).stdout,
          'hello through NAT\n',
        );
        assert.match(connectFrom(topo, tools, 'wan', ADDR.gwWan, 2323).data, /^honeypot /);
        assert.equal(moatJson<{ ok: boolean }>('status').ok, true);
        const gone = new Promise((r) => backup.once('exit', r));
        backup.kill('SIGTERM');
        await gone;
      },
    );

    await t.test(
      'kill -9 during a download: the download completes, new connections work; restart reconciles',
      async () => {
        const dl = join(dir, 'download.bin');
        const curl = topo.start('lan', 'curl', [
          '-s',
          '-o',
          dl,
          '-w',
          '%{http_code} %{size_download}',
          `http://${ADDR.wanServer}:8000/big`,
        ]);
        let curlOut = '';
        curl.stdout!.on('data', (d: Buffer) => (curlOut += d.toString()));
        const curlDone = new Promise<number | null>((resolve) => curl.once('exit', (code) => resolve(code)));
        let slowDone = false;
        slow.stdout!.on('data', (d: Buffer) => {
          if (/slow download done/.test(d.toString())) slowDone = true;
        });
        await sleep(1200);
        const oldPid = gw!.pid!;
        const dnsPid = moatJson<{ dnsmasq: { pid: number } }>('status').dnsmasq.pid;
        const dead = new Promise((resolve) => gw!.once('exit', resolve));
        gw!.kill('SIGKILL');
        await dead;
        const down = moatJson<{
          ok: boolean;
          daemon: { running: boolean };
          dnsmasq: { pid?: number; orphaned: boolean };
          problems: string[];
        }>('status');
        assert.equal(down.daemon.running, false);
        assert.match(down.problems.join('\n'), /fail-open/);
        assert.deepEqual([down.dnsmasq.pid, down.dnsmasq.orphaned], [dnsPid, true]);
        assert.equal(resolveFromLan('web.wan.test'), ADDR.wanServer, 'DNS still answers while moat is down');
        // The kernel still forwards and NATs: a new connection works with moat gone, and DNS (dnsmasq lives on).
        assert.equal(
          topo.exec('lan', 'curl', ['-s', '--max-time', '5', `http://${ADDR.wanServer}/hello.txt`]).stdout,
          'hello through NAT\n',
        );
        assert.match(connectFrom(topo, tools, 'wan', ADDR.gwWan, 2323).data, /^honeypot /);
        assert.equal(slowDone, false, 'the download is still running while moat is down');

        gw = await startGateway();
        assert.notEqual(gw.pid, oldPid);
        assert.match(gwLog, new RegExp(`replaced pid ${dnsPid} left by an earlier run`));
        assert.equal(slowDone, false, 'the download is still running across the restart');
        const code = await curlDone;
        assert.equal(code, 0);
        assert.equal(curlOut, `200 ${8 * 1024 * 1024}`);
        assert.equal(readFileSync(dl).length, 8 * 1024 * 1024);
        const st = moatJson<{ ok: boolean; problems: string[] }>('status');
        assert.equal(st.ok, true, st.problems.join('; '));
      },
    );

    await t.test('stopping moat stops dnsmasq by PID and leaves forwarding in force', async () => {
      const dnsPid = moatJson<{ dnsmasq: { pid: number } }>('status').dnsmasq.pid;
      const stopped = new Promise((resolve) => gw!.once('exit', resolve));
      gw!.kill('SIGTERM');
      await stopped;
      assert.throws(() => process.kill(dnsPid, 0), /ESRCH/);
      assert.equal(
        topo.exec('lan', 'curl', ['-s', '--max-time', '5', `http://${ADDR.wanServer}/hello.txt`]).stdout,
        'hello through NAT\n',
      );
    });
  } finally {
    await topo.stopAll();
    topo.destroy();
    rmSync(dir, { recursive: true, force: true });
    // The gateway's own log, for reading a failure.
    t.diagnostic(
      gwLog
        .split('\n')
        .filter((l) => !/dnsmasq(-dhcp)?\[/.test(l))
        .slice(-40)
        .join('\n'),
    );
  }
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Lets the event loop run (output of child processes arrives) until `cond` holds, or fails after `ms`. */
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms: ${cond.toString()}`);
    await sleep(50);
  }
}

function spawnSleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
