/**
 * The console inside `moat gateway` (issue 14): built from the configuration's `console` section, handed the
 * daemon's store, bus, device registry, IoT component and reload, served on the user zone's gateway address.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../../framework/errors.js';
import type { MessageBus, MoatTopics } from '../../framework/index.js';
import type { SqliteStore } from '../../store/index.js';
import type { DeviceService } from '../../devices/index.js';
import type { IotGatewayComponent } from '../../iot/index.js';
import { zoneClassifier, type Gateway, type LoadedConfig } from '../../gateway/index.js';
import type { ConsoleComponent, IotControl, DeviceDirectory } from '../../console/index.js';

/** The IoT component's control as the console uses it (present once the component has started). */
function iotControl(c: IotGatewayComponent): IotControl {
  const control = () => {
    if (!c.control) throw new ConfigError('the IoT component has not started');
    return c.control;
  };
  return {
    describe: () => c.describe(),
    grant: (g) => control().grant(g),
    control: (id, r) => control().control(id, r),
    provision: (id, a) => control().provision(id, a) as Promise<Record<string, unknown>>,
    status: (id) => control().status(id),
    check: () => c.check('on-demand'),
    latestCheck: () => c.iotStore?.latestCheckRun()?.report,
  };
}

/** The shipped TLS policies, shown until the user saves a version: next to the compiled code or the bundle. */
const SHIPPED_POLICIES = ['../../../../config/', '../../config/']
  .map((rel) => fileURLToPath(new URL(`${rel}policies.yaml`, import.meta.url)))
  .find((p) => existsSync(p));

function directoryOf(s: DeviceService): DeviceDirectory {
  const r = s.registry;
  return {
    list: () => r.list(),
    get: (m) => r.get(m),
    groups: () => [...s.catalog.groups.keys()],
    setGroup: (m, g) => r.setGroup(m, g),
    restrict: (m, level, reason, by) => r.restrict(m, level, reason, by),
    unrestrict: (m) => r.unrestrict(m),
  };
}

export async function gatewayConsole(o: {
  loaded: LoadedConfig;
  configPath: string;
  store: SqliteStore;
  bus: MessageBus<MoatTopics>;
  devices?: DeviceService;
  iot?: IotGatewayComponent;
  gateway: () => Gateway | undefined;
  log: (line: string) => void;
}): Promise<ConsoleComponent | undefined> {
  const { config, plan } = o.loaded;
  const section = config.console;
  if (!section) return undefined;
  const base = dirname(o.configPath);
  const vendorKeys = section.vendorKeys.map((k) => {
    try {
      return readFileSync(resolve(base, k), 'utf8');
    } catch (e) {
      throw new ConfigError(`console.vendorKeys: ${k}: ${(e as Error).message}`);
    }
  });
  const { ConsoleComponent } = await import('../../console/index.js');
  const zoneOf = (ip: string) => zoneClassifier(o.gateway()?.config.plan ?? plan)(ip) ?? 'wan';
  return new ConsoleComponent({
    host: plan.internal.find((z) => z.name === 'lan')!.prefix.address.text,
    port: section.port,
    store: o.store,
    stateDir: join(config.stateDir, 'console'),
    vendorKeys,
    // One bundle directory for the console and the live inspection: what the user activates is what runs.
    bundleDir: config.verdicts.rules?.bundleDir,
    defaultPolicyFile: section.policies ? resolve(base, section.policies) : SHIPPED_POLICIES,
    reportDir: section.reports ? resolve(base, section.reports) : undefined,
    bus: o.bus,
    directory: o.devices ? directoryOf(o.devices) : undefined,
    iot: o.iot ? iotControl(o.iot) : undefined,
    gatewayConfig: {
      file: o.configPath,
      stateDir: config.stateDir,
      reload: async () => {
        const gw = o.gateway();
        if (!gw) return { ok: false, error: 'the gateway is not running' };
        const ok = await gw.reload();
        return { ok, error: ok ? undefined : gw.lastReloadError };
      },
    },
    eve: config.inspection.enabled ? (config.inspection.eve ?? join(config.stateDir, 'eve.json')) : undefined,
    zoneOf,
    dependsOn: ['router', 'devices', ...(o.iot ? ['iot'] : [])],
    log: o.log,
  });
}
