/**
 * `moat iot …`: the IoT gateway component (A-6, A-12, A-13).
 *   serve --config F              broker, device-control API, identification; the initial check on first deployment
 *   check [--config F] [--device ID=ADDR …] [--json]
 *                                 the initial security check now (stored in --db), as a table or JSON
 *   devices | status ID | identify ID | authorise ID STEP [VALUE] --who NAME | control ID STEP VALUE --authorisation A
 *   | credentials ID --authorisation A | audit
 *                                 clients of a running `serve` (--api URL, --api-key K or MOAT_IOT_API_KEY)
 * Exit codes: 0 ok; 1 the check found something; 2 bad input, refused (403) or unreachable.
 */
import type { Command } from 'commander';
import { ConfigError, InputError, OperationalError } from '../../framework/errors.js';
import type { RegisterCommand } from './index.js';
import { tryParseIp } from '../../address/index.js';
import type { IotConfig } from '../../iot/index.js';

const DEFAULT_CONFIG = '/etc/moat/iot.yaml';
const print = (text: string): boolean => process.stdout.write(text);
const printJson = (v: unknown): void => void print(JSON.stringify(v, null, 2) + '\n');

interface ApiFlags {
  api: string;
  apiKey?: string;
}

function withApi(cmd: Command): Command {
  return cmd
    .option('--api <url>', 'the running `moat iot serve` API', 'http://127.0.0.1:8093')
    .option('--api-key <key>', 'API key (default: $MOAT_IOT_API_KEY)');
}

async function call(flags: ApiFlags, method: string, path: string, body?: unknown): Promise<unknown> {
  const key = flags.apiKey ?? process.env.MOAT_IOT_API_KEY;
  if (!key) throw new InputError('an API key is needed: --api-key KEY or MOAT_IOT_API_KEY');
  let res: Response;
  try {
    res = await fetch(new URL(path, flags.api), {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new OperationalError(
      `${flags.api}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`,
    );
  }
  const text = await res.text();
  let v: unknown = text;
  try {
    v = JSON.parse(text);
  } catch {
    // not JSON: shown as text
  }
  if (!res.ok) {
    const o = v as { error?: string; problems?: string[] };
    const why = [o.error ?? text, ...(o.problems ?? [])].join('\n  ');
    throw res.status >= 500
      ? new OperationalError(`${res.status}: ${why}`)
      : new InputError(`${res.status}: ${why}`);
  }
  return v;
}

function parseStep(step: string): { action: 'power' | 'set' | 'credentials'; key?: string } {
  if (step === 'power' || step === 'credentials') return { action: step };
  // Any other name is a value to set: `brightness 40`.
  return { action: 'set', key: step };
}

async function loadConfig(path: string | undefined): Promise<IotConfig> {
  const { loadIotConfig, parseIotConfig } = await import('../../iot/index.js');
  return path ? loadIotConfig(path) : parseIotConfig('{}', '(defaults)');
}

export const registerIot: RegisterCommand = (program, setExit) => {
  const iot = program
    .command('iot')
    .description(
      'the IoT gateway: MQTT broker, device control under your authorisation, initial security check',
    );

  iot
    .command('serve')
    .description('run the IoT gateway component: broker on the IoT zone, device-control API, identification')
    .option('--config <file>', 'IoT configuration (YAML)', DEFAULT_CONFIG)
    .option('--db <file>', "the store (SQLite file; default: the configuration's `database`)")
    .option('--api-key <key>', 'API key (default: api.apiKey, then $MOAT_IOT_API_KEY)')
    .action(async (flags: { config: string; db?: string; apiKey?: string }) => {
      const config = await loadConfig(flags.config);
      const { IotGatewayComponent, staticDevices } = await import('../../iot/index.js');
      const { withStores } = await import('../stores.js');
      // The component's lines start with `iot: ` (they read the same under `moat gateway`).
      const log = (line: string) => process.stderr.write(`moat ${line}\n`);
      await withStores(async (stores) => {
        const store = stores.sqliteStore('--db', flags.db ?? config.database, 'the IoT gateway tables');
        const c = new IotGatewayComponent({
          config,
          store,
          devices: staticDevices(config.devices),
          apiKey: flags.apiKey ?? config.api?.apiKey ?? process.env.MOAT_IOT_API_KEY,
          log,
        });
        await c.start();
        log(
          `iot: running (pid ${process.pid}): MQTT ${config.broker.host}:${c.broker!.port}` +
            (config.api ? `, API ${config.api.host}:${c.apiPort}` : ', no API') +
            `, ${c.served().length} device(s)`,
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await c.stop();
        log('iot: stopped');
      });
    });

  iot
    .command('check')
    .description(
      'initial security check (A-13): default credentials, management ports, outdated TLS, UPnP IGD',
    )
    .option('--config <file>', 'IoT configuration (YAML): the devices of the zones served')
    .option(
      '--device <id=address>',
      'a device to check (repeatable; instead of the configuration)',
      (v: string, l: string[]) => [...l, v],
      [] as string[],
    )
    .option(
      '--db <file>',
      "store the report (SQLite file; default: the configuration's `database` when --config)",
    )
    .option('--concurrency <n>', 'devices checked at once')
    .option('--per-device-seconds <s>', 'time budget per device')
    .option('--json', 'print the report as JSON')
    .action(
      async (flags: {
        config?: string;
        device: string[];
        db?: string;
        concurrency?: string;
        perDeviceSeconds?: string;
        json?: boolean;
      }) => {
        const config = await loadConfig(flags.config);
        const { runCheck, checkTable, IotStore } = await import('../../iot/index.js');
        const targets = flags.device.length
          ? flags.device.map((spec) => {
              const m = /^([A-Za-z0-9][A-Za-z0-9:._-]{0,63})=(.+)$/.exec(spec);
              if (!m) throw new InputError(`--device ${spec}: expected ID=ADDRESS`);
              if (tryParseIp(m[2]) === undefined)
                throw new InputError(`--device ${spec}: ${m[2]} is not an IPv4 or IPv6 address`);
              return { id: m[1], address: m[2], zone: config.zones[0] };
            })
          : config.devices.filter((d) => config.zones.includes(d.zone));
        if (targets.length === 0)
          throw new ConfigError('no devices to check: give --config with devices, or --device ID=ADDRESS');
        const num = (v: string | undefined, name: string, dflt: number) => {
          if (v === undefined) return dflt;
          const n = Number(v);
          if (!Number.isInteger(n) || n < 1)
            throw new InputError(`${name} ${v}: expected a whole number ≥ 1`);
          return n;
        };
        const report = await runCheck(targets, {
          concurrency: num(flags.concurrency, '--concurrency', config.check.concurrency),
          perDeviceMs:
            num(flags.perDeviceSeconds, '--per-device-seconds', config.check.perDeviceSeconds) * 1000,
        });
        const db = flags.db ?? (flags.config ? config.database : undefined);
        if (db) {
          const { withStores } = await import('../stores.js');
          await withStores((stores) => {
            new IotStore(stores.sqliteStore('--db', db, 'the IoT gateway tables')).putCheckRun(
              report.id,
              report.reason,
              report.startedAt,
              report.endedAt,
              report,
            );
          });
        }
        if (flags.json) printJson(report);
        else print(checkTable(report));
        if (report.devices.some((d) => d.findings.length)) setExit(1);
      },
    );

  withApi(iot.command('devices'))
    .description('the devices served: protocols, MQTT session, last state')
    .action(async (flags: ApiFlags) => printJson(await call(flags, 'GET', '/v1/iot/devices')));

  withApi(iot.command('status <device>'))
    .description("a device's state, read from it (CoAP/HTTP) or its last MQTT report")
    .option('--via <protocol>', 'mqtt, coap or http')
    .action(async (device: string, flags: ApiFlags & { via?: string }) =>
      printJson(
        await call(
          flags,
          'GET',
          `/v1/iot/devices/${encodeURIComponent(device)}/status${flags.via ? `?via=${encodeURIComponent(flags.via)}` : ''}`,
        ),
      ),
    );

  withApi(iot.command('identify <device>'))
    .description('probe which IoT protocols a device speaks')
    .action(async (device: string, flags: ApiFlags) =>
      printJson(await call(flags, 'POST', `/v1/iot/devices/${encodeURIComponent(device)}/identify`, {})),
    );

  withApi(iot.command('authorise <device> <step> [value]'))
    .alias('authorize')
    .description('record your authorisation of one step (A-12): power [on|off], credentials, or NAME [VALUE]')
    .requiredOption('--who <name>', 'who authorises (kept in the record and the audit log)')
    .option('--ttl <seconds>', 'valid for (default 600)')
    .option('--uses <n>', 'how many steps it covers (default 1)')
    .action(
      async (
        device: string,
        step: string,
        value: string | undefined,
        flags: ApiFlags & { who: string; ttl?: string; uses?: string },
      ) => {
        const s = parseStep(step);
        printJson(
          await call(flags, 'POST', '/v1/iot/authorisations', {
            deviceId: device,
            ...s,
            value,
            who: flags.who,
            ttlSeconds: flags.ttl === undefined ? undefined : Number(flags.ttl),
            uses: flags.uses === undefined ? undefined : Number(flags.uses),
          }),
        );
      },
    );

  withApi(iot.command('control <device> <step> <value>'))
    .description('switch (power on|off) or set a value (NAME VALUE) under an authorisation')
    .requiredOption('--authorisation <id>', 'the authorisation recorded for this step')
    .option('--via <protocol>', 'mqtt, coap or http (default: the best known)')
    .action(
      async (
        device: string,
        step: string,
        value: string,
        flags: ApiFlags & { authorisation: string; via?: string },
      ) => {
        const s = parseStep(step);
        if (s.action === 'credentials') throw new InputError('credentials: use `moat iot credentials`');
        printJson(
          await call(flags, 'POST', `/v1/iot/devices/${encodeURIComponent(device)}/control`, {
            action: s.action,
            key: s.key,
            value,
            authorisation: flags.authorisation,
            via: flags.via,
          }),
        );
      },
    );

  withApi(iot.command('credentials <device>'))
    .description("issue the device's MQTT credentials (the password is shown once) under an authorisation")
    .requiredOption('--authorisation <id>', 'the authorisation recorded for this step')
    .action(async (device: string, flags: ApiFlags & { authorisation: string }) =>
      printJson(
        await call(flags, 'POST', `/v1/iot/devices/${encodeURIComponent(device)}/credentials`, {
          authorisation: flags.authorisation,
        }),
      ),
    );

  withApi(iot.command('audit'))
    .description('the audit log: every configuration and control step, done or refused')
    .option('--device <id>', 'one device')
    .action(async (flags: ApiFlags & { device?: string }) =>
      printJson(
        await call(
          flags,
          'GET',
          `/v1/iot/audit${flags.device ? `?device=${encodeURIComponent(flags.device)}` : ''}`,
        ),
      ),
    );
};
