/**
 * `moat devices list|show|groups|move|confirm|restrict|unrestrict|status|map` (A-12, A-40, A-42…A-44): the device
 * registry of `moat gateway` (its configuration names the store and the device types). Decisions are written to
 * the store; a running gateway takes them up within a second and the command waits until the kernel's sets show
 * them; without a running gateway the sets are updated here.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import type { RegisterCommand } from './index.js';
import { ConfigError, InputError, OperationalError } from '../../framework/errors.js';
import {
  GatewayConfigError,
  loadGatewayConfig,
  readTable,
  runNft,
  runningGatewayPid,
  statePaths,
  type LoadedConfig,
} from '../../gateway/index.js';
import type { DeviceRecord, DeviceRegistry, DevicesRuntime, RestrictionLevel } from '../../devices/index.js';

const DEFAULT_CONFIG = '/etc/moat/gateway.yaml';

interface Flags {
  config: string;
  db?: string;
  json?: boolean;
}

function load(path: string): LoadedConfig & { section: NonNullable<LoadedConfig['config']['devices']> } {
  let loaded: LoadedConfig;
  try {
    loaded = loadGatewayConfig(path);
  } catch (e) {
    if (e instanceof GatewayConfigError) throw new ConfigError(`invalid configuration:\n${e.message}`);
    throw e;
  }
  const section = loaded.config.devices;
  if (!section)
    throw new ConfigError(`${path}: no \`devices\` section: the device registry is not configured`);
  return { ...loaded, section };
}

const print = (text: string): boolean => process.stdout.write(text);
const printJson = (v: unknown): boolean => print(JSON.stringify(v, null, 2) + '\n');

function columns(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return (
    rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n') +
    '\n'
  );
}

/** Opens the registry the gateway uses and runs `fn` on it. */
async function withRegistry<T>(
  flags: Flags,
  fn: (r: DeviceRegistry, loaded: ReturnType<typeof load>) => T | Promise<T>,
) {
  const loaded = load(flags.config);
  const { withStores } = await import('../stores.js');
  const { DeviceRegistry, loadCatalog } = await import('../../devices/index.js');
  return withStores(async (stores) => {
    const store = stores.sqliteStore('--db', flags.db ?? loaded.config.database, 'the device registry');
    const registry = new DeviceRegistry(store, {
      catalog: loadCatalog(loaded.section, dirname(flags.config)),
      maxDevices: loaded.section.maxDevices,
    });
    return fn(registry, loaded);
  });
}

/** The kernel's sets follow the registry: the daemon does it (we wait for it), or we do it here. */
async function syncKernel(
  r: DeviceRegistry,
  loaded: ReturnType<typeof load>,
  flagsConfig: string,
  expect: (sets: Map<string, string[]>) => boolean,
) {
  const { deviceMembership, loadCatalog, setUpdateScript } = await import('../../devices/index.js');
  const table = loaded.config.nftables.table;
  const present = await readTable(table).then(
    (t) => t.present,
    () => false,
  );
  if (!present) return 'no gateway table in this namespace: the kernel is updated when the gateway starts';
  const pid = runningGatewayPid(statePaths(loaded.config.stateDir).pidFile);
  if (pid === undefined) {
    const m = deviceMembership(loaded.plan, loadCatalog(loaded.section, dirname(flagsConfig)), r.list());
    await runNft(['-f', '-'], setUpdateScript(table, m));
    return 'kernel sets updated';
  }
  const end = Date.now() + 10_000;
  for (;;) {
    const sets = await kernelSets(table);
    if (expect(sets)) return `gateway (pid ${pid}) updated the kernel sets`;
    if (Date.now() > end)
      throw new OperationalError(`the gateway (pid ${pid}) did not update the kernel's sets within 10 s`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** The registry's nftables sets and their addresses. */
export async function kernelSets(table: string): Promise<Map<string, string[]>> {
  const j = JSON.parse(await runNft(['-j', 'list', 'table', 'inet', table], undefined)) as {
    nftables: Array<{ set?: { name: string; elem?: unknown[] } }>;
  };
  const out = new Map<string, string[]>();
  for (const o of j.nftables)
    if (o.set && o.set.name.startsWith('dev_'))
      out.set(
        o.set.name,
        (o.set.elem ?? []).filter((e): e is string => typeof e === 'string'),
      );
  return out;
}

const RESTRICT_SET: Record<RestrictionLevel, string> = {
  'rate-limited': 'dev_rate',
  'internet-only': 'dev_inet_only',
  quarantined: 'dev_quarantined',
};

function row(d: DeviceRecord): string[] {
  return [
    d.zone ?? '?',
    d.ips[0] ?? '',
    d.mac,
    d.type,
    d.group === null ? '(user)' : `${d.group}${d.confirmed ? '' : '?'}`,
    d.restriction?.level ?? '',
    (d.vendor ?? '').slice(0, 28),
    d.hostname ?? '',
  ];
}

function readRuntime(stateDir: string): DevicesRuntime | undefined {
  try {
    return JSON.parse(readFileSync(`${stateDir}/devices.json`, 'utf8')) as DevicesRuntime;
  } catch {
    return undefined;
  }
}

const withFlags = (c: Command): Command =>
  c
    .option('--config <file>', 'gateway configuration (YAML)', DEFAULT_CONFIG)
    .option('--db <file>', "the store (SQLite file; default: the configuration's `database`)");

export const registerDevices: RegisterCommand = (program) => {
  const devices = program
    .command('devices')
    .description('the device registry: types, groups, restrictions (A-12, A-40…A-44)');

  withFlags(devices.command('list'))
    .description(
      'every device: zone, address, MAC, type, group (? = not confirmed), restriction, vendor, name',
    )
    .option('--json', 'print as JSON')
    .action((flags: Flags) =>
      withRegistry(flags, (r) => {
        const list = r.list();
        if (flags.json) return void printJson(list);
        print(
          columns([
            ['zone', 'ip', 'mac', 'type', 'group', 'restricted', 'vendor', 'hostname'],
            ...list.map(row),
          ]),
        );
      }),
    );

  withFlags(devices.command('show <device>'))
    .description('one device (MAC or address) with its fingerprint, services, description and protocols')
    .action((device: string, flags: Flags) =>
      withRegistry(flags, (r) => {
        const d = r.get(device);
        if (!d) throw new InputError(`no device '${device}' in the registry (see moat devices list)`);
        printJson(d);
      }),
    );

  withFlags(devices.command('groups'))
    .description('the groups (built in and from device-types files) and how many devices each holds')
    .option('--json', 'print as JSON')
    .action(async (flags: Flags) => {
      const { loadCatalog } = await import('../../devices/index.js');
      await withRegistry(flags, (r, loaded) => {
        const catalog = loadCatalog(loaded.section, dirname(flags.config));
        const list = r.list();
        const rows = [...catalog.groups].map(([id, from]) => ({
          group: id,
          from,
          devices: list.filter((d) => d.group === id).length,
        }));
        rows.push({
          group: '(user)',
          from: 'user devices are not grouped (A-43)',
          devices: list.filter((d) => d.group === null).length,
        });
        if (flags.json) return void printJson(rows);
        print(
          columns([
            ['group', 'devices', 'defined'],
            ...rows.map((g) => [g.group, String(g.devices), g.from]),
          ]),
        );
      });
    });

  withFlags(devices.command('move <device> <group>'))
    .description(
      "put a device in a group ('user' = a user device, ungrouped); the user's choice outranks the rules",
    )
    .action((device: string, group: string, flags: Flags) =>
      withRegistry(flags, async (r, loaded) => {
        const { groupSet } = await import('../../devices/index.js');
        const d = r.setGroup(device, group === 'user' ? null : group);
        const ip = d.ips[0];
        const how = await syncKernel(r, loaded, flags.config, (sets) =>
          !ip
            ? true
            : d.group === null
              ? (sets.get('dev_users') ?? []).includes(ip)
              : (sets.get(groupSet(d.group)) ?? []).includes(ip),
        );
        process.stderr.write(`moat devices: ${d.mac} is now in ${d.group ?? 'the user devices'} (${how})\n`);
      }),
    );

  withFlags(devices.command('confirm <device>'))
    .description('agree with the group the rules gave a device')
    .action((device: string, flags: Flags) =>
      withRegistry(flags, (r) => {
        const d = r.confirm(device);
        process.stderr.write(`moat devices: ${d.mac}: group ${d.group ?? '(user)'} confirmed\n`);
      }),
    );

  withFlags(devices.command('restrict <device>'))
    .description('restrict a device in the kernel: rate-limited, internet-only or quarantined')
    .option('--level <level>', 'rate-limited | internet-only | quarantined', 'quarantined')
    .option('--reason <text>', 'why (shown by list and show)', 'by the user')
    .action((device: string, flags: Flags & { level: string; reason: string }) =>
      withRegistry(flags, async (r, loaded) => {
        const d = r.restrict(device, flags.level as RestrictionLevel, flags.reason, 'user');
        const ip = d.ips[0];
        const how = await syncKernel(
          r,
          loaded,
          flags.config,
          (sets) => !ip || (sets.get(RESTRICT_SET[d.restriction!.level]) ?? []).includes(ip),
        );
        process.stderr.write(`moat devices: ${d.mac} restricted: ${d.restriction!.level} (${how})\n`);
      }),
    );

  withFlags(devices.command('unrestrict <device>'))
    .description('lift a restriction (set by log review or by the user)')
    .action((device: string, flags: Flags) =>
      withRegistry(flags, async (r, loaded) => {
        const d = r.unrestrict(device);
        const ip = d.ips[0];
        const how = await syncKernel(
          r,
          loaded,
          flags.config,
          (sets) => !ip || Object.values(RESTRICT_SET).every((n) => !(sets.get(n) ?? []).includes(ip)),
        );
        process.stderr.write(`moat devices: ${d.mac} unrestricted (${how})\n`);
      }),
    );

  withFlags(devices.command('status'))
    .description(
      'registry counts, discovery, samples received, the kernel counters per zone pair and the measured rates',
    )
    .option('--json', 'print as JSON')
    .action(async (flags: Flags) => {
      const loaded = load(flags.config);
      const { DEVICE_COUNTERS } = await import('../../devices/index.js');
      const table = await readTable(loaded.config.nftables.table).catch(() => undefined);
      const counters: Record<string, { packets: number; bytes: number; what: string }> = {};
      for (const [name, what] of Object.entries(DEVICE_COUNTERS))
        counters[name] = { ...(table?.counters[name] ?? { packets: 0, bytes: 0 }), what };
      const rates: Record<string, { configured: number; measured: number | null }> = {};
      const s = loaded.section.sampling;
      for (const [pair, n] of [
        ['between_groups', s.betweenGroups],
        ['user_user', s.userToUser],
        ['user_to_iot', s.userToIot],
        ['iot_to_user', s.iotToUser],
        ['to_internet', s.toInternet],
      ] as const) {
        const all = counters[pair].packets;
        const sampled = counters[`${pair}_sampled` as keyof typeof DEVICE_COUNTERS].packets;
        rates[pair] = { configured: 1 / n, measured: all ? sampled / all : null };
      }
      const runtime = readRuntime(loaded.config.stateDir);
      const out = { counters, rates, runtime: runtime && { ...runtime, map: undefined } };
      if (flags.json) return void printJson(out);
      print(
        columns([
          ['counter', 'packets', 'bytes'],
          ...Object.entries(counters).map(([n, c]) => [n, String(c.packets), String(c.bytes)]),
        ]),
      );
      print(
        '\n' +
          columns([
            ['pair', 'configured', 'measured'],
            ...Object.entries(rates).map(([p, r]) => [
              p,
              r.configured.toFixed(4),
              r.measured === null ? '-' : r.measured.toFixed(4),
            ]),
          ]),
      );
      if (runtime)
        print(
          `\nregistry: ${runtime.registry.devices} device(s), max ${runtime.registry.maxDevices}, ${runtime.registry.evicted} evicted, ${runtime.registry.refused} refused\n`,
        );
    });

  withFlags(devices.command('map'))
    .description('the inter-component map (A-44): user ↔ IoT connections by group, with their ageing')
    .option('--json', 'print as JSON')
    .action((flags: Flags) => {
      const loaded = load(flags.config);
      const runtime = readRuntime(loaded.config.stateDir);
      if (!runtime)
        throw new OperationalError(
          'the gateway is not running with a devices section (no devices.json in its state directory)',
        );
      const now = Date.now();
      const live = runtime.map.filter((e) => e.expires > now);
      if (flags.json) return void printJson(live);
      print(
        columns([
          ['from group', 'from', 'to group', 'to', 'proto', 'port', 'count', 'expires'],
          ...live.map((e) => [
            e.fromGroup,
            e.from,
            e.toGroup,
            e.to,
            e.protocol,
            String(e.port),
            String(e.count),
            `${Math.round((e.expires - now) / 1000)}s`,
          ]),
        ]),
      );
    });
};
