/**
 * `moat tlsmon`: the TLS tunnel monitor live (T-1…T-5, T-60…T-62): capture from an interface, score every
 * handshake under the policy set, write EVE with verdicts and alerts, deliver alerts, block risky connections in
 * nftables, and serve the configuration API. Runs until --duration ends or SIGINT/SIGTERM.
 *
 * Composed through the A-1 framework: the bus, the monitor, the security event cache (kept in `--db`), the API
 * and the capture are components a registry starts in dependency order and stops in reverse; risky verdicts are
 * published on the bus's `verdict` topic — in process, or on Redis Streams with `--bus` for other processes.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { RegisterCommand } from './index.js';
import { UsageError } from '../errors.js';
import { collect } from '../options.js';
import { deprecated } from '../store-flags.js';
import type { Tlsmon } from '../../tlsmon/index.js';
import type { AnalysisStats } from '../../pipeline/index.js';
import { createRedisClient, type RedisClient, type SqliteStore } from '../../store/index.js';
import { listenFailure, MoatError } from '../../framework/errors.js';
import { parseDuration } from '../../tlsmon/index.js';
import { formatSummary } from '../summary.js';

interface Flags {
  interface: string;
  bpf?: string;
  policy: string;
  db: string;
  redis?: string;
  eve: string;
  duration?: string;
  api?: string;
  apiKey?: string;
  block?: boolean;
  blockMode: string;
  blockTime: string;
  netns?: string;
  fetchCerts?: boolean;
  rootsHistory?: string;
  ca: string[];
  intel: string[];
  domains: string[];
  geoip?: string;
  identifyReputation?: boolean;
  identifyDb?: string;
  bus?: string;
  securityDb?: string;
}

function hostPort(text: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(text);
  if (!m) throw new UsageError(`--api: expected HOST:PORT, got '${text}'`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

export const registerTlsmon: RegisterCommand = (program: Command) => {
  program
    .command('tlsmon')
    .description(
      'live TLS monitor (Spec T): score each handshake under per-network policies, alert and block',
    )
    .requiredOption('-i, --interface <name>', 'interface to capture from (libpcap)')
    .requiredOption('--policy <file>', 'policy YAML file')
    .option('--bpf <filter>', 'capture filter', 'tcp')
    .option(
      '--db <file>',
      'the store: heat history, domains, policy versions, the event cache table',
      'moat.db',
    )
    .option(
      '--redis <url>',
      'share heat history with other monitors through Redis, e.g. redis://127.0.0.1:6379/0',
    )
    .option('--eve <path>', "EVE JSON output, '-' for stdout", 'eve.json')
    .option('--duration <time>', 'stop after this long (seconds or e.g. 10m)')
    .option('--api <host:port>', 'serve the configuration API here, e.g. 127.0.0.1:8642')
    .option(
      '--api-key <key>',
      'require this key on the API (Authorization: Bearer KEY; x-api-key also accepted)',
    )
    .option('--block', "carry out policies' block action in nftables")
    .option('--block-mode <mode>', 'block the flow (src, dst, port) or the whole destination', 'flow')
    .option('--block-time <time>', 'how long a block lasts', '10m')
    .option('--netns <name>', 'program nftables inside this network namespace')
    .option(
      '--fetch-certs',
      'fetch certificates TLS 1.3 hid from the server itself at first sighting; the verdict is re-issued when it completes',
    )
    .option(
      '--roots-history <dir>',
      "dated Mozilla root store (roots.tsv, roots-all.pem): overrides the policy file's trust.rootsHistory",
    )
    .option('--ca <file>', 'extra trust anchor (repeatable)', collect, [])
    .option('--intel <file>', 'threat-intel feed (repeatable)', collect, [])
    .option('--domains <file>', 'domain reputation/registration file (repeatable)', collect, [])
    .option('--geoip <mmdb>', 'MaxMind-format country database')
    .option(
      '--identify-reputation',
      "the store's identification models judge destinations: their verdicts feed address reputation (T-46)",
    )
    .addOption(
      deprecated('--identify-db <file>', 'use --identify-reputation (one store, --db, holds the models too)'),
    )
    .option(
      '--bus <url>',
      'carry verdicts on Redis Streams (redis://host:port) so components in other processes get them',
    )
    .addOption(
      deprecated('--security-db <file>', 'use --db FILE (one store holds the event cache table too)'),
    )
    .action(async (f: Flags) => {
      if (!existsSync(f.policy)) throw new UsageError(`--policy: no such file: ${f.policy}`);
      if (f.blockMode !== 'flow' && f.blockMode !== 'destination')
        throw new UsageError(`--block-mode: 'flow' or 'destination', got '${f.blockMode}'`);
      const blockS = parseDuration(f.blockTime);
      if (blockS === undefined || blockS <= 0)
        throw new UsageError(`--block-time: not a duration: '${f.blockTime}'`);
      const durationS = f.duration === undefined ? undefined : parseDuration(f.duration);
      if (f.duration !== undefined && (durationS === undefined || durationS <= 0))
        throw new UsageError(`--duration: not a duration: '${f.duration}'`);
      const api = f.api ? hostPort(f.api) : undefined;

      const { openLiveCapture } = await import('../../capture/index.js');
      const { runAnalysis } = await import('../../pipeline/index.js');
      const { EveFileWriter } = await import('../../output/index.js');
      const { NftablesDriver } = await import('../../gateway/index.js');
      const { buildTlsmonApi } = await import('../../api/index.js');
      const { PolicyVersions } = await import('../../api/index.js');
      const { ComponentRegistry, ComponentStartError, InProcessBus, RedisStreamsBus, defineComponent } =
        await import('../../framework/index.js');
      const { TlsmonComponent } = await import('../../tlsmon/index.js');
      // The interface and filter are checked before anything is created (history store, API, EVE file).
      const source = openLiveCapture({ iface: f.interface, bpf: f.bpf, durationS });

      // The stores are opened here and handed to the components; closed after the components stop.
      const { StoreSet } = await import('../stores.js');
      const stores = new StoreSet();
      let store: SqliteStore;
      let redis: RedisClient | undefined;
      try {
        store = stores.sqliteStore(
          '--db',
          f.db,
          'heat history, domains, policy versions and the event cache',
        );
        redis = f.redis ? await stores.redisClient('--redis', f.redis) : undefined;
      } catch (err) {
        source.close();
        await stores.close();
        throw err;
      }

      // the monitor's long-running parts are components, started in dependency order (bus → monitor →
      // security, API → capture) and stopped in reverse; the monitor's verdicts travel on the bus.
      const registry = new ComponentRegistry();
      const bus = f.bus ? new RedisStreamsBus({ redis: createRedisClient, url: f.bus }) : new InProcessBus();
      registry.add(bus);
      const monitor = new TlsmonComponent({
        policyPath: f.policy,
        store,
        redis,
        caFiles: f.ca,
        intelFiles: f.intel,
        domainFiles: f.domains,
        geoDb: f.geoip,
        identifyStore: f.identifyDb
          ? stores.sqliteStore('--identify-db', f.identifyDb, 'identification models')
          : f.identifyReputation
            ? store
            : undefined,
        fetchCertificates: f.fetchCerts,
        rootsHistory: f.rootsHistory,
        block: f.block
          ? { nft: new NftablesDriver({ netns: f.netns }), mode: f.blockMode, timeoutS: blockS }
          : undefined,
        bus,
        warn: (m) => process.stderr.write(`moat: ${m}\n`),
      });
      registry.add(monitor);
      // Risky verdicts become event-cache entries in the store; --security-db, the flag of before, names a
      // store of their own.
      const { EventCacheComponent } = await import('../../security/index.js');
      const cacheStore = f.securityDb
        ? stores.sqliteStore('--security-db', f.securityDb, 'the security event cache table')
        : store;
      registry.add(new EventCacheComponent({ store: cacheStore, engines: { tlsmon: {} } }, bus));
      const mon = (): Tlsmon => monitor.tlsmon;
      if (api) {
        let app: ReturnType<typeof buildTlsmonApi> | undefined;
        registry.add(
          defineComponent({
            name: 'api',
            config: { ...api, apiKey: f.apiKey !== undefined },
            dependsOn: ['tlsmon'],
            start: async () => {
              const m = mon();
              app = buildTlsmonApi(
                {
                  monitor: m.monitor,
                  versions: m.store ? new PolicyVersions(m.store) : undefined,
                  reloadIntel: f.intel.length > 0 ? () => m.reloadIntel() : undefined,
                  stats: () => ({
                    alerts: m.dispatcher?.stats,
                    blocked: m.blockSink?.blocked,
                    blockErrors: m.blockSink?.errors.slice(-5),
                    components: registry.health().components,
                  }),
                },
                { apiKey: f.apiKey },
              );
              let at: string;
              try {
                at = await app.listen({ host: api.host, port: api.port });
              } catch (err) {
                await app.close();
                throw listenFailure('tlsmon --api', api.host, api.port, err);
              }
              process.stderr.write(`moat tlsmon: configuration API on ${at}\n`);
            },
            stop: () => app?.close(),
          }),
        );
      }
      const ac = new AbortController();
      let run: Promise<AnalysisStats> | undefined;
      let writer: InstanceType<typeof EveFileWriter> | undefined;
      registry.add(
        defineComponent({
          name: 'capture',
          config: { iface: f.interface, bpf: f.bpf, eve: f.eve, durationS },
          // Verdicts flow once packets do: everything that handles them runs first.
          dependsOn: ['tlsmon', 'security'],
          start: () => {
            const w = new EveFileWriter(f.eve, { flushIntervalMs: 1000 });
            writer = w;
            // Verdicts re-issued after a certificate fetch are written by the pipeline's output too, as they come.
            run = runAnalysis(
              { source, iface: f.interface },
              {
                eveWriter: w,
                signal: ac.signal,
                inspectors: [mon().inspector],
                alertChannels: mon().dispatcher,
              },
            );
            // Whoever awaits the run reports its failure; this only keeps it from counting as unhandled.
            run.catch(() => undefined);
          },
          stop: async () => {
            ac.abort();
            await run?.catch(() => undefined);
            await writer?.close();
          },
        }),
      );

      // Stopping is possible from the moment a component says it is there ("configuration API on …").
      const stop = (): void => ac.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await registry.start();
      } catch (err) {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        source.close();
        await stores.close();
        const cause = err instanceof ComponentStartError ? err.cause : err;
        // Typed errors (a policy file's problems, a port in use) reach the operator as they are.
        if (cause instanceof MoatError) throw cause;
        if (err instanceof ComponentStartError && (err.component === 'tlsmon' || err.component === 'bus'))
          throw new UsageError(cause instanceof Error ? cause.message : String(cause));
        throw cause;
      }
      // SIGHUP re-reads the intel feeds (blacklists, reputation) without stopping the capture.
      const onHup = (): void => {
        const r = mon().reloadIntel();
        process.stderr.write(
          `moat tlsmon: intel reloaded: ${r.indicators} indicators, ${r.errors.length} bad lines\n`,
        );
      };
      process.on('SIGHUP', onHup);
      try {
        const stats = await (run as Promise<AnalysisStats>);
        (f.eve === '-' ? process.stderr : process.stdout).write(formatSummary(stats) + '\n');
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        process.off('SIGHUP', onHup);
        try {
          await registry.stop();
        } finally {
          await stores.close();
        }
      }
    });
};
