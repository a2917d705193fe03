/**
 * `moat gateway verdict add|remove|list|report`: the operator's way to the running gateway's verdicts. `add` and
 * `remove` put an event-cache entry change on the gateway's bus (through its inbox, the same path a component's
 * message takes) and wait until the kernel holds the change; `report` publishes an engine's verdict (as the TLS
 * monitor or the identification model do) for the incident policy to judge; `list` reads the entries in force from
 * the store.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, InputError, OperationalError } from '../../framework/errors.js';
import type { CacheEntryMessage } from '../../framework/index.js';
import {
  GatewayConfigError,
  loadGatewayConfig,
  runNft,
  runningGatewayPid,
  statePaths,
  type LoadedConfig,
} from '../../gateway/index.js';
import { OPERATIONS, OPERATION_TYPE } from '../../security/index.js';
import { VerdictStore, expiresAtS, postToInbox, verdictKey, verdictTableName } from '../../gateway/index.js';

interface EntryFlags {
  config: string;
  src: string;
  dst: string;
  proto: string;
  sport: string;
  dport: string;
}

function load(path: string): LoadedConfig {
  try {
    return loadGatewayConfig(path);
  } catch (e) {
    if (e instanceof GatewayConfigError) throw new ConfigError(`invalid configuration:\n${e.message}`);
    throw e;
  }
}

function protoOf(text: string): number {
  const named: Record<string, number> = { any: 0, tcp: 6, udp: 17, icmp: 1 };
  const n = named[text] ?? Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 255)
    throw new InputError(`--proto: '${text}' is not tcp, udp, icmp, any or a protocol number`);
  return n;
}

function portOf(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InputError(`${flag}: '${text}' is not a port (0–65535)`);
  return n;
}

function keyFields(f: EntryFlags) {
  return {
    srcIp: f.src,
    dstIp: f.dst,
    srcPort: portOf('--sport', f.sport),
    dstPort: portOf('--dport', f.dport),
    proto: protoOf(f.proto),
  };
}

/** The running gateway's pid, or an error saying it must run (the change goes through its bus). */
function daemonOf(loaded: LoadedConfig): number {
  const pid = runningGatewayPid(statePaths(loaded.config.stateDir).pidFile);
  if (pid === undefined)
    throw new OperationalError(
      `no moat gateway runs on ${loaded.config.stateDir}: start it first (verdicts go through its bus)`,
    );
  return pid;
}

/** Waits until the verdict table holds (or no longer holds) rules for `key`. */
async function untilKernel(loaded: LoadedConfig, key: string, present: boolean): Promise<void> {
  const table = verdictTableName(loaded.plan);
  const end = Date.now() + 10_000;
  for (;;) {
    const text = await runNft(['list', 'table', 'inet', table], undefined).catch(() => '');
    if (text.includes(`comment "${key}"`) === present) return;
    if (Date.now() > end)
      throw new OperationalError(
        `the gateway did not ${present ? 'enforce' : 'lift'} ${key} within 10 s; see its log`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

function withEntry(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'gateway configuration (YAML)', '/etc/moat/gateway.yaml')
    .requiredOption('--src <ip>', 'source address')
    .option('--dst <ip>', "destination address, or '*' for everything the source sends", '*')
    .option('--proto <p>', 'tcp, udp, icmp, any or a number', 'any')
    .option('--sport <n>', 'source port (0: any)', '0')
    .option('--dport <n>', 'destination port (0: any)', '0');
}

export function registerGatewayVerdict(gateway: Command): void {
  const verdict = gateway
    .command('verdict')
    .description(
      'the event-cache entries the gateway enforces in the kernel (A-34, A-37): add, remove, list, report',
    );

  withEntry(verdict.command('add'))
    .description('enforce an operation on a flow, address pair or device (waits until the kernel holds it)')
    .requiredOption('--op <operation>', OPERATIONS.join(', '))
    .option('--lifetime <s>', 'seconds the entry lasts', '3600')
    .option('--arg <text>', 'the operation argument (suppress: N/second|minute|hour)')
    .option('--direction <d>', 'forward (this direction) or both', 'both')
    .option('--event-id <id>', 'the event behind it', `operator:${Date.now()}`)
    .option('--watch <s>', 'A-62: a cleared entry watched (tracked) for this many seconds instead of --op')
    .action(
      async (
        f: EntryFlags & {
          op: string;
          lifetime: string;
          arg?: string;
          direction: string;
          eventId: string;
          watch?: string;
        },
      ) => {
        const loaded = load(f.config);
        if (!(OPERATIONS as readonly string[]).includes(f.op))
          throw new InputError(`--op: '${f.op}' is not one of ${OPERATIONS.join(', ')}`);
        if (f.direction !== 'forward' && f.direction !== 'both')
          throw new InputError(`--direction: '${f.direction}' is not forward or both`);
        const lifetime = Number(f.lifetime);
        if (!Number.isFinite(lifetime) || lifetime <= 0)
          throw new InputError(`--lifetime: '${f.lifetime}' is not a positive number of seconds`);
        if (f.op === 'intervene' && !loaded.plan.dmz)
          throw new ConfigError(`${f.config}: intervene needs the DMZ honeypot (zones.dmz.honeypot)`);
        daemonOf(loaded);
        const now = Date.now() * 1000;
        const op = f.op as CacheEntryMessage['operation'];
        const watchS = f.watch === undefined ? undefined : Number(f.watch);
        if (watchS !== undefined && !(watchS > 0))
          throw new InputError(`--watch: '${f.watch}' is not a positive number of seconds`);
        const entry: CacheEntryMessage = {
          ...keyFields(f),
          createdUs: now,
          lastHitUs: now,
          maxLifetimeUs: lifetime * 1e6,
          direction: f.direction,
          scope: 'any',
          operationType: watchS !== undefined ? 'observe' : OPERATION_TYPE[op],
          operation: watchS !== undefined ? 'track' : op,
          ...(f.arg ? { operationArg: f.arg } : {}),
          eventId: f.eventId,
          diagnosis: 'operator',
          status: watchS !== undefined ? 'watched' : 'valid',
          ...(watchS !== undefined ? { watchUntilUs: now + watchS * 1e6 } : {}),
          hits: 0,
        };
        postToInbox(loaded.config.stateDir, 'cache-entry', { change: 'put', entry });
        const key = verdictKey(entry);
        await untilKernel(loaded, key, true);
        process.stdout.write(
          `${entry.operation} ${key} in force until ${new Date(expiresAtS(entry) * 1000).toISOString()}\n`,
        );
      },
    );

  withEntry(verdict.command('remove'))
    .description('lift an entry (waits until the kernel no longer holds it)')
    .action(async (f: EntryFlags) => {
      const loaded = load(f.config);
      daemonOf(loaded);
      const k = keyFields(f);
      const key = verdictKey(k);
      const now = Date.now() * 1000;
      postToInbox(loaded.config.stateDir, 'cache-entry', {
        change: 'del',
        entry: {
          ...k,
          createdUs: now,
          lastHitUs: now,
          maxLifetimeUs: 1,
          direction: 'both',
          scope: 'any',
          operationType: 'allow',
          operation: 'forward',
          eventId: 'operator:remove',
          diagnosis: 'operator',
          status: 'invalid',
          hits: 0,
        },
      });
      await untilKernel(loaded, key, false);
      process.stdout.write(`removed ${key}\n`);
    });

  verdict
    .command('report')
    .description(
      "publish an engine's verdict on the gateway's bus, as the TLS monitor or the identification model do",
    )
    .option('--config <file>', 'gateway configuration (YAML)', '/etc/moat/gateway.yaml')
    .requiredOption('--engine <name>', "the engine: 'tlsmon', 'ml' …")
    .requiredOption('--verdict <word>', "its word for it: 'risky', 'black', 'gray' …")
    .requiredOption('--src <ip>', 'source address')
    .requiredOption('--dst <ip>', 'destination address')
    .option('--proto <p>', 'tcp, udp or a number', 'tcp')
    .option('--sport <n>', 'source port', '0')
    .option('--dport <n>', 'destination port', '0')
    .option('--sid <n>', 'the signature id of its alert', '0')
    .option('--block', 'the engine asks for blocking')
    .action((f: EntryFlags & { engine: string; verdict: string; sid: string; block?: boolean }) => {
      const loaded = load(f.config);
      daemonOf(loaded);
      const sid = Number(f.sid);
      if (!Number.isInteger(sid) || sid < 0) throw new InputError(`--sid: '${f.sid}' is not a signature id`);
      const file = postToInbox(loaded.config.stateDir, 'verdict', {
        engine: f.engine,
        verdict: f.verdict,
        ...keyFields(f),
        tsUs: Date.now() * 1000,
        signatureId: sid,
        block: Boolean(f.block),
        blocked: false,
      });
      process.stdout.write(`reported (${file})\n`);
    });

  verdict
    .command('list')
    .description('the entries in force, from the store')
    .option('--config <file>', 'gateway configuration (YAML)', '/etc/moat/gateway.yaml')
    .option('--db <file>', "the store (default: the configuration's `database`)")
    .option('--json', 'print as JSON')
    .action(async (f: { config: string; db?: string; json?: boolean }) => {
      const loaded = load(f.config);
      const location = f.db ?? loaded.config.database;
      if (!existsSync(location)) throw new OperationalError(`store ${location}: no such file`);
      const { withStores } = await import('../stores.js');
      await withStores((stores) => {
        const rows = new VerdictStore(stores.sqliteStore('--db', location, 'the gateway verdicts')).load();
        if (f.json) {
          process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
          return;
        }
        for (const e of rows)
          process.stdout.write(
            `${e.status === 'valid' ? e.operation : e.status}\t${verdictKey(e)}\t${e.diagnosis} ${e.eventId}\tuntil ${new Date(expiresAtS(e) * 1000).toISOString()}\n`,
          );
      });
    });
}
