/**
 * `moat gateway [--config F]`: the appliance in the network path (A-5): nftables table, forwarding, NAT with
 * low-priority mappings to the honeypot, DHCP/DNS. Sub-commands: `check` (validate; every error by path),
 * `status`, and the router's tables from the kernel: `nat`, `sessions`, `map`, `devices` (each with `--json`).
 * Exit codes: 0 ok; 1 `status` found a problem; 2 bad configuration or the gateway could not start.
 */
import { dirname } from 'node:path';
import { createRedisClient, type SqliteStore } from '../../store/index.js';
import type { DeviceRecord, DeviceService } from '../../devices/index.js';
import type { FastifyInstance } from 'fastify';
import type { Component } from '../../framework/index.js';
import type { Command } from 'commander';
import type { RegisterCommand } from './index.js';
import { registerGatewayVerdict } from './gateway-verdict.js';
import { ConfigError, MoatError, OperationalError, listenFailure } from '../../framework/errors.js';
import {
  ConntrackError,
  DeviceTable,
  LinkError,
  NftError,
  Gateway,
  GatewayConfigError,
  checkRuleset,
  gatewayStatus,
  listConntrack,
  loadGatewayConfig,
  natTable,
  portMappings,
  readTable,
  renderRuleset,
  runningGatewayPid,
  statePaths,
  writeIsolation,
  applyRuleset,
  sessionTable,
  type LoadedConfig,
  type GatewayStatus,
  type RulesetExtension,
} from '../../gateway/index.js';
import { registerGatewayLive } from './gateway-live.js';

const DEFAULT_CONFIG = '/etc/moat/gateway.yaml';

function load(path: string): LoadedConfig {
  try {
    return loadGatewayConfig(path);
  } catch (e) {
    if (e instanceof GatewayConfigError) throw new ConfigError(`invalid configuration:\n${e.message}`);
    throw e;
  }
}

/** Reads from the kernel; a missing tool or permission is a plain message (exit 2), not a stack trace. */
async function fromKernel<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof NftError || e instanceof ConntrackError || e instanceof LinkError)
      throw new OperationalError(
        `${e.message}${process.getuid?.() !== 0 ? ' (run as root, in the gateway’s network namespace)' : ''}`,
      );
    throw e;
  }
}

/** Rows as aligned text columns (header first). */
function columns(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return (
    rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n') +
    '\n'
  );
}

function captureRows(c: GatewayStatus['capture']): string[][] {
  if (!c) return [['capture', 'off (or the daemon is not running)']];
  const t = c.total;
  return [
    [
      'capture',
      `${t.received} received, ${t.dropped} dropped by the kernel, ${t.ifDropped} by the interfaces (${(t.lossRatio * 100).toFixed(3)}% lost) → ${c.eve}`,
    ],
    ...c.interfaces.map((i) => [
      `  ${i.interface}`,
      i.unavailable
        ? `statistics unavailable: ${i.unavailable}`
        : `${i.received} received, ${i.dropped} dropped, ${i.ifDropped} if-dropped`,
    ]),
  ];
}

/**
 * The device registry's part of the table (when the configuration has a `devices` section): chains, counters and,
 * given the devices, the set contents. Loaded lazily: a gateway without it never reads the device types.
 */
export async function deviceExtension(
  loaded: LoadedConfig,
  configPath: string,
  devices: () => readonly DeviceRecord[] = () => [],
): Promise<{ ruleset: RulesetExtension; counters: Record<string, string> } | undefined> {
  const section = loaded.config.devices;
  if (!section) return undefined;
  const { devicesRuleset, loadCatalog, DEVICE_COUNTERS } = await import('../../devices/index.js');
  const catalog = loadCatalog(section, dirname(configPath));
  return { ruleset: devicesRuleset(catalog, devices), counters: DEVICE_COUNTERS };
}

const print = (text: string): boolean => process.stdout.write(text);
const printJson = (v: unknown): boolean => print(JSON.stringify(v, null, 2) + '\n');

function withConfig(cmd: Command): Command {
  return cmd.option('--config <file>', 'gateway configuration (YAML)', DEFAULT_CONFIG);
}

async function run(flags: { config: string; bus?: string; db?: string; iot?: string }): Promise<void> {
  const loaded = load(flags.config);
  const log = (line: string) => process.stderr.write(`moat gateway: ${line}\n`);
  const { InProcessBus, RedisStreamsBus } = await import('../../framework/index.js');
  const { withStores } = await import('../stores.js');
  await withStores(async (stores) => {
    // --db wins over the configuration's `database`: one store convention for every command.
    const store = stores.sqliteStore('--db', flags.db ?? loaded.config.database, 'the gateway device table');
    // Device announcements go on the bus: in process by default, on Redis Streams for other processes.
    const bus = flags.bus
      ? new RedisStreamsBus({ redis: createRedisClient, url: flags.bus })
      : new InProcessBus();
    // The device registry and per-zone inspection, when configured (src/devices/).
    const current: { gw?: Gateway } = {};
    let extension;
    let service: DeviceService | undefined;
    if (loaded.config.devices) {
      const { DeviceService } = await import('../../devices/index.js');
      service = new DeviceService({
        store,
        plan: () => current.gw?.config.plan ?? loaded.plan,
        bus,
        log,
        baseDir: dirname(flags.config),
      });
      extension = service.extension();
    }
    if (flags.iot && !service)
      throw new ConfigError(
        `${flags.config}: --iot takes its devices from the device registry: the configuration needs a devices section (config/gateway.yaml has one)`,
      );
    const iot = flags.iot && service ? await iotComponent(flags.iot, store, log, service) : undefined;
    const components: Component[] = iot ? [iot] : [];
    // The web console on the user zone (issue 14), when configured.
    const { gatewayConsole } = await import('./gateway-console.js');
    const webConsole = await gatewayConsole({
      loaded,
      configPath: flags.config,
      store,
      bus,
      devices: service,
      iot,
      gateway: () => current.gw,
      log,
    });
    if (webConsole) components.push(webConsole);
    // The engines judging the live inspection's flows (identification model, CNN, log review), when configured.
    const { gatewayAnalysis } = await import('./gateway-analysis.js');
    const analysis = gatewayAnalysis(() => current.gw?.config ?? loaded, store, bus, log);
    const gw = new Gateway(loaded, {
      configPath: flags.config,
      log,
      bus,
      store,
      components,
      extension,
      analysis,
    });
    current.gw = gw;
    try {
      await gw.start();
    } catch (e) {
      // What the operator can fix is told in words; anything else is a bug and keeps its stack.
      if (e instanceof MoatError) throw new OperationalError(`did not start: ${e.message}`);
      throw e;
    }
    // The registry's HTTP API (/v1/devices…), when configured.
    const apiCfg = loaded.config.devices?.api;
    let api: FastifyInstance | undefined;
    if (service && apiCfg) {
      const { buildDevicesApi } = await import('../../api/index.js');
      const s = service;
      api = buildDevicesApi(
        { registry: s.registry, map: () => s.map.list(), status: () => s.snapshot() },
        { apiKey: apiCfg.apiKey },
      );
      try {
        await api.listen({ host: apiCfg.listen, port: apiCfg.port });
      } catch (e) {
        await gw.stop();
        throw listenFailure('the devices API', apiCfg.listen, apiCfg.port, e);
      }
      log(`devices API on http://${apiCfg.listen}:${apiCfg.port}/v1/devices`);
    }
    log(`running (pid ${process.pid}); SIGHUP reloads ${flags.config}`);
    const onHup = () => void gw.reload();
    process.on('SIGHUP', onHup);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    process.off('SIGHUP', onHup);
    await api?.close();
    await gw.stop();
    log('stopped; the nftables table and forwarding stay in force');
  });
}

/** The IoT gateway component (A-6) in the gateway daemon: its devices are the device registry's (id = MAC). */
async function iotComponent(
  path: string,
  store: SqliteStore,
  log: (line: string) => void,
  service: DeviceService,
) {
  const { IotGatewayComponent, loadIotConfig } = await import('../../iot/index.js');
  const { registryIotSource } = await import('../../devices/index.js');
  const config = loadIotConfig(path);
  return new IotGatewayComponent({
    config,
    store,
    dependsOn: ['router', service.name],
    devices: registryIotSource(service.registry, config.devices),
    apiKey: config.api?.apiKey ?? process.env.MOAT_IOT_API_KEY,
    log,
  });
}

/**
 * `isolate` / `unisolate` (A-66): the state is written to the state directory; a running gateway is told with
 * SIGHUP and the command waits until the kernel holds the matching table; without one, the table is applied here.
 */
async function setIsolation(configPath: string, isolated: boolean, reason?: string): Promise<void> {
  const { plan, config } = load(configPath);
  if (isolated && !config.backup)
    throw new ConfigError(
      `${configPath}: backup.port is needed: it is the one WAN port left open while isolated`,
    );
  writeIsolation(
    config.stateDir,
    isolated ? { isolated, since: new Date().toISOString(), reason } : { isolated },
  );
  const loaded = load(configPath);
  const want = renderRuleset(
    plan,
    {},
    { isolated, extension: (await deviceExtension(loaded, configPath))?.ruleset },
  ).hash;
  const pid = runningGatewayPid(statePaths(config.stateDir).pidFile);
  if (pid === undefined) {
    // No daemon: the table is applied here, with the registry's sets as the store holds them.
    const { withStores } = await import('../stores.js');
    await withStores(async (stores) => {
      let devices: () => readonly DeviceRecord[] = () => [];
      if (config.devices) {
        const { DeviceRegistry, loadCatalog } = await import('../../devices/index.js');
        const store = stores.sqliteStore('--db', config.database, 'the device registry');
        const registry = new DeviceRegistry(store, {
          catalog: loadCatalog(config.devices, dirname(configPath)),
          maxDevices: config.devices.maxDevices,
        });
        devices = () => registry.list();
      }
      const ext = await deviceExtension(loaded, configPath, devices);
      await fromKernel(() => applyRuleset(plan, { isolated, extension: ext?.ruleset }));
    });
  } else {
    process.kill(pid, 'SIGHUP');
    const end = Date.now() + 15_000;
    while ((await fromKernel(() => readTable(config.nftables.table))).hash !== want) {
      if (Date.now() > end)
        throw new OperationalError(
          `the gateway (pid ${pid}) did not apply the change within 15 s; see its log`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  process.stderr.write(
    isolated
      ? `moat gateway: isolated: the WAN is closed except ${config.backup!.protocol}/${config.backup!.port}\n`
      : 'moat gateway: isolation ended: the WAN is open\n',
  );
}

export const registerGateway: RegisterCommand = (program, setExit) => {
  const gateway = program
    .command('gateway')
    .description('the appliance in the network path: routing, NAT, DMZ, low-priority mappings, DHCP/DNS');
  registerGatewayLive(gateway, { load, fromKernel, columns, withConfig });

  withConfig(gateway.command('run', { isDefault: true }))
    .description('run the gateway (default): apply the ruleset, forward, serve DHCP/DNS; SIGHUP reloads')
    .option('--bus <url>', 'publish on a Redis Streams bus (redis://host:port) instead of in process')
    .option('--db <file>', "the store (SQLite file; default: the configuration's `database`)")
    .option(
      '--iot <file>',
      'also run the IoT gateway component (A-6) with this configuration (see `moat iot`)',
    )
    .action(run);

  registerGatewayVerdict(gateway);

  withConfig(gateway.command('check'))
    .description(
      'validate the configuration (every error named by path) and let the kernel dry-run the ruleset',
    )
    .option('--json', 'print the result as JSON')
    .action(async (flags: { config: string; json?: boolean }) => {
      let loaded: LoadedConfig;
      try {
        loaded = loadGatewayConfig(flags.config);
      } catch (e) {
        if (!(e instanceof GatewayConfigError)) throw e;
        if (flags.json) printJson({ ok: false, file: e.file, issues: e.issues });
        else process.stderr.write(`${e.message}\n`);
        setExit(2);
        return;
      }
      const rs = renderRuleset(
        loaded.plan,
        {},
        { extension: (await deviceExtension(loaded, flags.config))?.ruleset },
      );
      let kernel: string;
      if (process.getuid?.() !== 0) kernel = 'skipped (needs root)';
      else {
        try {
          await checkRuleset(rs);
          kernel = 'ok';
        } catch (e) {
          kernel = `refused: ${(e as Error).message}`;
          setExit(2);
        }
      }
      if (flags.json)
        printJson({ ok: kernel === 'ok' || kernel.startsWith('skipped'), ruleset: rs.hash, kernel });
      else print(`${flags.config}: valid; ruleset ${rs.hash}; kernel dry-run: ${kernel}\n`);
    });

  withConfig(gateway.command('status'))
    .description(
      'daemon, ruleset in force, forwarding, dnsmasq, zones, counters (exit 1 when something is wrong)',
    )
    .option('--json', 'print as JSON')
    .action(async (flags: { config: string; json?: boolean }) => {
      const loaded = load(flags.config);
      const ext = await deviceExtension(loaded, flags.config);
      const s = await fromKernel(() => gatewayStatus(loaded, ext));
      if (!s.ok) setExit(1);
      if (flags.json) {
        printJson(s);
        return;
      }
      const rows = [
        ['', ''],
        [
          'daemon',
          s.daemon.running ? `running, pid ${s.daemon.pid}, since ${s.daemon.startedAt}` : 'not running',
        ],
        [
          'ruleset',
          s.ruleset.present
            ? `table inet ${s.ruleset.table}, ${s.ruleset.inForce ?? '?'}${s.ruleset.matchesConfig ? ' (matches the configuration)' : ` (configuration: ${s.ruleset.expected})`}`
            : `table inet ${s.ruleset.table} absent`,
        ],
        ['forwarding', s.forwarding ? 'on' : 'off'],
        [
          'isolation',
          s.isolation.isolated
            ? `ISOLATED since ${s.isolation.since} (${s.isolation.reason ?? 'no reason'})`
            : 'no',
        ],
        [
          'dnsmasq',
          s.dnsmasq.running
            ? `running, pid ${s.dnsmasq.pid}, ${s.dnsmasq.orphaned ? 'orphaned: moat is not running' : `${s.dnsmasq.restarts} restart(s)`}`
            : 'not running',
        ],
        ['leases', `${s.leases.active} active of ${s.leases.total}`],
        ['conntrack', `${s.conntrack.entries ?? '?'} of ${s.conntrack.max ?? '?'}`],
        ...captureRows(s.capture),
        ...s.zones.map((z) => [
          `zone ${z.zone}`,
          `${z.interface} ${z.present ? (z.up ? 'up' : 'down') : 'missing'} ${z.addresses.join(' ')}`,
        ]),
        ...s.components.map((c) => [`component ${c.name}`, `${c.state}${c.detail ? `, ${c.detail}` : ''}`]),
      ].slice(1);
      print(columns(rows));
      print(
        '\n' +
          columns([
            ['counter', 'packets', 'bytes'],
            ...Object.entries(s.counters).map(([n, c]) => [n, String(c.packets), String(c.bytes)]),
          ]),
      );
      print(s.ok ? '\nok\n' : `\n${s.problems.map((p) => `problem: ${p}`).join('\n')}\n`);
    });

  withConfig(gateway.command('isolate'))
    .description('self-isolation (A-66): close the WAN except the backup port, until `unisolate`')
    .option('--reason <text>', 'why (kept in the state and shown by status)', 'by the user')
    .action((flags: { config: string; reason: string }) => setIsolation(flags.config, true, flags.reason));

  withConfig(gateway.command('unisolate'))
    .description('end self-isolation: open the WAN again')
    .action((flags: { config: string }) => setIsolation(flags.config, false));

  withConfig(gateway.command('nat'))
    .description('the NAT forwarding table, from conntrack: masqueraded flows out, DNATed flows in')
    .option('--json', 'print as JSON')
    .action(async (flags: { config: string; json?: boolean }) => {
      const plan = load(flags.config).plan;
      const rows = natTable(plan, await fromKernel(() => listConntrack()));
      if (flags.json) return void printJson(rows);
      print(
        columns([
          ['kind', 'proto', 'internal', 'external', 'remote', 'target', 'state', 'expires'],
          ...rows.map((r) => [
            r.kind,
            r.protocol,
            r.internal,
            r.external,
            r.remote,
            r.target ?? '',
            r.state ?? '',
            `${r.expiresIn}s`,
          ]),
        ]),
      );
    });

  withConfig(gateway.command('sessions'))
    .description('the session mapping table, from conntrack: every tracked connection with its zones')
    .option('--json', 'print as JSON')
    .action(async (flags: { config: string; json?: boolean }) => {
      const plan = load(flags.config).plan;
      const rows = sessionTable(plan, await fromKernel(() => listConntrack()));
      if (flags.json) return void printJson(rows);
      print(
        columns([
          ['proto', 'from', 'to', 'scope', 'nat', 'state', 'expires'],
          ...rows.map((r) => [
            r.protocol,
            `${r.from.zone} ${r.from.address}`,
            `${r.to.zone} ${r.to.address}`,
            r.scope,
            r.nat ?? '',
            r.state ?? '',
            `${r.expiresIn}s`,
          ]),
        ]),
      );
    });

  withConfig(gateway.command('map'))
    .description('the port-mapping table with priorities: user port-forwards > live flows > honeypot (low)')
    .option('--json', 'print as JSON')
    .action(async (flags: { config: string; json?: boolean }) => {
      const plan = load(flags.config).plan;
      const rows = portMappings(plan, await fromKernel(() => listConntrack()));
      if (flags.json) return void printJson(rows);
      print(
        columns([
          ['priority', 'proto', 'ports', 'to', 'remote', 'expires'],
          ...rows.map((r) => [
            r.priority,
            r.protocol,
            r.ports,
            r.to,
            r.remote ?? (r.sessions !== undefined ? `(${r.sessions} session(s) now)` : ''),
            r.expiresIn === null ? 'never' : `${r.expiresIn}s`,
          ]),
        ]),
      );
    });

  withConfig(gateway.command('devices'))
    .description('the device table: every device that got a DHCP lease, with zone and lease state')
    .option('--db <file>', "the store (SQLite file; default: the configuration's `database`)")
    .option('--json', 'print as JSON')
    .action(async (flags: { config: string; db?: string; json?: boolean }) => {
      const location = flags.db ?? load(flags.config).config.database;
      const { withStores } = await import('../stores.js');
      const loaded = load(flags.config);
      await withStores(async (stores) => {
        const store = stores.sqliteStore('--db', location, 'the gateway device table');
        // With the device registry configured, the leases come with type, group and vendor (moat devices list).
        if (loaded.config.devices) {
          const { DeviceRegistry, loadCatalog } = await import('../../devices/index.js');
          const reg = new DeviceRegistry(store, {
            catalog: loadCatalog(loaded.config.devices, dirname(flags.config)),
            maxDevices: loaded.config.devices.maxDevices,
          });
          const leases = new Map(new DeviceTable(store).list().map((d) => [d.mac, d]));
          const list = reg
            .list()
            .map((d) => ({ ...leases.get(d.mac), ...d, ip: d.ips[0] ?? leases.get(d.mac)?.ip }));
          if (flags.json) return void printJson(list);
          print(
            columns([
              ['zone', 'ip', 'mac', 'type', 'group', 'vendor', 'hostname', 'last seen'],
              ...list.map((d) => [
                d.zone ?? '?',
                d.ip ?? '',
                d.mac,
                d.type,
                d.group ?? '(user)',
                (d.vendor ?? '').slice(0, 28),
                d.hostname ?? '',
                d.lastSeen,
              ]),
            ]),
          );
          return;
        }
        const rows = new DeviceTable(store).list();
        if (flags.json) return void printJson(rows);
        print(
          columns([
            ['zone', 'ip', 'mac', 'hostname', 'lease', 'last seen'],
            ...rows.map((d) => [
              d.zone ?? '?',
              d.ip,
              d.mac,
              d.hostname ?? '',
              d.active ? 'active' : 'ended',
              d.lastSeen,
            ]),
          ]),
        );
      });
    });
};
