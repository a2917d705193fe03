/**
 * `moat analyze FILE` / `moat analyze --interface IF`: the packet engine end to end — decode, flows,
 * TLS/HTTP/DNS, EVE JSON out — with a summary table at the end.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import type { RegisterCommand } from './index.js';
import { eveOptionsOf, runAnalysis, type AnalysisStats, type EveOptions } from '../../pipeline/index.js';
import { EveFileWriter, writeFastLogFromEve } from '../../output/index.js';
import { openCaptureFile, openLiveCapture, type LiveCaptureSource } from '../../capture/index.js';
import { ConfigError, MoatError } from '../../framework/errors.js';
import { STREAM_SETTING_KEYS, streamOptionsOf } from '../../flow/index.js';
import { ProgressBar } from '../progress.js';
import { formatSummary } from '../summary.js';
import { UsageError } from '../errors.js';
import { collect } from '../options.js';
import { deprecated } from '../store-flags.js';
import type { Tlsmon } from '../../tlsmon/index.js';
import type { Inspector } from '../../pipeline/index.js';
import type { SecurityFlags, SecurityStage } from './security-stage.js';
import type { MessageBus, MoatTopics } from '../../framework/index.js';
import type { StoreSet } from '../stores.js';

const EVENT_TYPES = ['flow', 'tls', 'http', 'fileinfo', 'dns', 'quic', 'anomaly', 'alert', 'netflow', 'arp'];

/** The security stage's flags (rules, cache table, review, model, the store) are declared with the stage. */
interface AnalyzeFlags extends SecurityFlags {
  eve: string;
  fastLog?: string;
  interface?: string;
  bpf?: string;
  duration?: string;
  workers: string;
  types?: string;
  eveConfig?: string;
  maxFlows?: string;
  json?: boolean;
  failOnAlert?: boolean;
  progress: boolean;
  policy?: string;
  /** Deprecated: heat history's own store (wins over `db` for it). */
  history?: string;
  ca: string[];
  geoip?: string;
  domains: string[];
  intel: string[];
  rootsHistory?: string;
  identifyReputation?: boolean;
  /** Deprecated: the identification models' own store (implies `identifyReputation`). */
  identifyDb?: string;
  alerts: boolean;
  set: string[];
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${name} must be a whole number ≥ 1, got '${text}'`);
  return n;
}

/** `--eve-config FILE`: the eve-log options of a suricata.yaml; a file that cannot be read or parsed is named. */
function readEveConfig(path: string): EveOptions {
  if (!existsSync(path)) throw new UsageError(`--eve-config: no such file: ${path}`);
  try {
    return eveOptionsOf(parseYaml(readFileSync(path, 'utf8').replace(/^%YAML.*$/m, '')));
  } catch (err) {
    throw new ConfigError(`--eve-config ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export const registerAnalyze: RegisterCommand = (program: Command, setExit) => {
  program
    .command('analyze')
    .description(
      'decode a capture file or a live interface into EVE JSON (flow, tls, http, dns, anomaly, alert)',
    )
    .argument('[file]', 'pcap or pcapng file, or either gzip-compressed (format detected from magic numbers)')
    .option('--eve <path>', "EVE JSON output file, '-' for stdout", 'eve.json')
    .option('--fast-log <path>', "also write Suricata's one-line alert log (fast.log) from the EVE alerts")
    .option('-i, --interface <name>', 'capture live from this interface (libpcap) instead of a file')
    .option('--bpf <filter>', 'BPF capture filter for live capture, e.g. "tcp port 443"')
    .option('--duration <seconds>', 'stop live capture after this many seconds')
    .option(
      '--workers <n>',
      'analysis threads, sharded by flow (the first also reads the input and hands the others their flows)',
      '1',
    )
    .option('--types <list>', `event types to write, comma-separated (${EVENT_TYPES.join(',')})`)
    .option(
      '--eve-config <file>',
      "Suricata options from a suricata.yaml: its outputs' eve-log types (dns version/requests/responses/types/formats, tls custom, alert payload, http dump-all-headers) and libhtp's response-body-decompress-layer-limit",
    )
    .option('--max-flows <n>', 'flow table cap; the oldest idle flows are evicted beyond it')
    .option(
      '--set <key=value>',
      `a stream engine setting, as suricata.yaml names it (repeatable): ${STREAM_SETTING_KEYS.join(', ')}`,
      collect,
      [],
    )
    .option('--json', 'print the summary as JSON on stdout')
    .option('--fail-on-alert', 'exit with status 1 when any alert was raised')
    .option('--no-progress', 'no progress bar')
    .option(
      '--policy <file>',
      'score every TLS handshake under this Spec T policy file (tls.moat.score, alerts)',
    )
    .option(
      '--db <file>',
      'the store keeping state across runs: heat history (--policy), the security event cache table and log-review baselines, the identification model (--model); default: memory only',
    )
    .option(
      '--redis <url>',
      'share the security event cache table, and heat history with --policy, with other moat processes',
    )
    .addOption(deprecated('--history <file>', 'use --db FILE (one store holds heat history and the rest)'))
    .option(
      '--ca <file>',
      'extra trust anchor(s) for certificate legality, PEM or DER (repeatable)',
      collect,
      [],
    )
    .option(
      '--roots-history <dir>',
      "judge chains with the Mozilla roots trusted at each packet's time (folder with roots.tsv, roots-all.pem)",
    )
    .option('--geoip <mmdb>', 'MaxMind-format country database for the geolocation dimension')
    .option(
      '--domains <file>',
      'domain reputation/registration file, CSV or JSON lines (repeatable)',
      collect,
      [],
    )
    .option(
      '--intel <file>',
      'threat-intel feed for blacklists/reputation: SSLBL, DROP, IPsum, lists… (repeatable)',
      collect,
      [],
    )
    .option(
      '--identify-reputation',
      "with --policy: the store's identification models judge destinations, their verdicts feed address reputation (T-46)",
    )
    .addOption(
      deprecated(
        '--identify-db <file>',
        'use --identify-reputation with --db FILE (one store holds the models too)',
      ),
    )
    .option(
      '--rules <file>',
      'Suricata-compatible rule file(s) run on every packet and record (repeatable); refused rules are named on stderr',
      collect,
      [],
    )
    .option(
      '--threshold-file <file>',
      "Suricata threshold.config for the --rules: suppress, threshold/event_filter, rate_filter (Suricata's precedence over the rules' own thresholds)",
    )
    .option(
      '--data-dir <dir>',
      "where the --rules' dataset save/state files are written when the analysis ends (Suricata's --data-dir)",
    )
    .option(
      '--reputation-categories <file>',
      "IP reputation categories for the --rules' iprep keyword (Suricata's id,shortname,description lines)",
    )
    .option(
      '--reputation <file>',
      'IP reputation file(s) for iprep: address[/prefix],category-id,score lines (repeatable; needs --reputation-categories)',
      collect,
      [],
    )
    .addOption(
      deprecated('--security-db <file>', 'use --db FILE (one store holds the event cache table too)'),
    )
    .addOption(deprecated('--cache-redis <url>', 'use --redis URL'))
    .option('--review [config]', 'log review of the flows (JSON thresholds file; defaults without one)')
    .option(
      '--model',
      "the store's active identification model (moat identify train --db) scores the remote addresses of sampled flows; black verdicts alert and become security cache entries (diagnosis ml)",
    )
    .addOption(deprecated('--model-db <file>', 'use --model with --db FILE (one store holds the model too)'))
    .option('--model-version <n>', 'with --model: this published model version instead of the active one')
    .option(
      '--model-gray <score>',
      'with --model: a gray verdict scoring at least this (0..1) alerts too; its entry tracks rather than drops',
    )
    .option('--model-sample <n>', 'with --model: the model checks 1:N of flows (deterministic per flow)', '1')
    .option(
      '--cnn',
      "the store's deployed payload CNN (moat ml train --db) classifies sampled flows by their first payload bytes; malicious verdicts become security cache entries (diagnosis cnn)",
    )
    .option('--cnn-sample <n>', 'with --cnn: the CNN checks 1:N of flows (deterministic per flow)', '1')
    .option(
      '--cnn-min-confidence <p>',
      'with --cnn: softmax probability a malicious class needs (0..1)',
      '0.9',
    )
    .option('--no-alerts', "score and write alerts to EVE, but don't deliver them to the policy's channels")
    .action(async (file: string | undefined, flags: AnalyzeFlags) => {
      if (!file && !flags.interface) throw new UsageError('analyze: give a capture FILE or --interface NAME');
      if (file && flags.interface)
        throw new UsageError('analyze: give either a FILE or --interface, not both');
      if (file && !existsSync(file)) throw new UsageError(`analyze: no such file: ${file}`);
      if (flags.fastLog !== undefined && flags.eve === '-')
        throw new UsageError('--fast-log is written from the EVE file: give --eve a file, not -');
      if (flags.thresholdFile !== undefined && flags.rules.length === 0)
        throw new UsageError('--threshold-file needs --rules (the rules it tunes)');
      if (
        (flags.reputationCategories !== undefined || (flags.reputation ?? []).length > 0) &&
        flags.rules.length === 0
      )
        throw new UsageError(
          '--reputation-categories/--reputation need --rules (the iprep rules they serve)',
        );
      if (flags.dataDir !== undefined && flags.rules.length === 0)
        throw new UsageError('--data-dir needs --rules (the dataset rules that save there)');
      if (flags.dataDir !== undefined && !existsSync(flags.dataDir))
        throw new UsageError(`--data-dir: no such directory: ${flags.dataDir}`);
      if ((flags.reputation ?? []).length > 0 && flags.reputationCategories === undefined)
        throw new UsageError('--reputation needs --reputation-categories (the categories its lines name)');
      const model = flags.model || flags.modelDb;
      if (flags.modelVersion !== undefined && !model)
        throw new UsageError('--model-version needs --model (and --db, the store holding that version)');
      if (flags.modelGray !== undefined && !model)
        throw new UsageError('--model-gray needs --model (and --db, the store whose model scores)');
      if (flags.model && !flags.db && !flags.modelDb)
        throw new UsageError('--model needs --db (the store holding the identification model)');
      if (flags.identifyReputation && !flags.db && !flags.identifyDb)
        throw new UsageError(
          '--identify-reputation needs --db (the store holding the identification models)',
        );
      const workers = positiveInt('workers', flags.workers);
      const cores = availableParallelism();
      if (workers > 1 && workers >= cores) {
        // Measured (README, benchmark): one analysis thread already keeps ~1.5 cores busy with its I/O and V8's
        // GC/compiler threads, so analysis threads beyond the cores left make the run slower, not faster.
        process.stderr.write(
          `moat: ${workers} analysis threads on ${cores} cores: each also keeps I/O and GC threads busy (about 1.5 cores a thread, measured), so they compete for the cores; fewer workers may be faster\n`,
        );
      }
      const types = flags.types?.split(',').map((t) => t.trim());
      const unknown = types?.filter((t) => !EVENT_TYPES.includes(t));
      if (unknown && unknown.length > 0) {
        throw new UsageError(
          `--types: unknown event type '${unknown[0]}' (known: ${EVENT_TYPES.join(', ')})`,
        );
      }
      const base = flags.maxFlows ? { maxFlows: positiveInt('max-flows', flags.maxFlows) } : undefined;
      const flow = flags.set.length > 0 ? streamOptionsOf(flags.set, base) : base;
      const eveOptions = flags.eveConfig ? readEveConfig(flags.eveConfig) : undefined;
      // The header is checked before any output (EVE, history, security store) is created or truncated.
      if (file) openCaptureFile(file);
      // Stores are opened here (their code loaded only when a store flag is given), handed to the components, and
      // closed when the analysis ends.
      const stateFlags = [flags.db, flags.redis, flags.securityDb, flags.cacheRedis, flags.modelDb];
      const stores: StoreSet | undefined = [...stateFlags, flags.history, flags.identifyDb].some(Boolean)
        ? new (await import('../stores.js')).StoreSet()
        : undefined;
      // A store or shared state keeps (and consults) the security event cache table: the stage runs.
      const wantSecurity = flags.rules.length > 0 || flags.review !== undefined || stateFlags.some(Boolean);
      // The engines' verdicts reach the security stage through the bus (A-1), in process: an entry exists before
      // the engine that caused it returns, so the connection's next packets meet it. Nobody listens without it.
      const bus: MessageBus<MoatTopics> | undefined = wantSecurity
        ? new (await import('../../framework/index.js')).InProcessBus()
        : undefined;
      let tlsmon: Tlsmon | undefined;
      if (flags.policy) {
        if (!existsSync(flags.policy)) throw new UsageError(`--policy: no such file: ${flags.policy}`);
        try {
          // Loaded only when asked for: scoring pulls in PKI, SMTP and Redis clients the plain analysis doesn't need.
          const { createTlsmon } = await import('../../tlsmon/index.js');
          const heat = flags.history ?? flags.db;
          const models = flags.identifyDb ?? (flags.identifyReputation ? flags.db : undefined);
          const modelsFlag = flags.identifyDb ? '--identify-db' : '--db';
          tlsmon = await createTlsmon({
            policyPath: flags.policy,
            store: heat
              ? stores?.sqliteStore(flags.history ? '--history' : '--db', heat, 'heat history')
              : undefined,
            redis: flags.redis ? await stores?.redisClient('--redis', flags.redis) : undefined,
            identifyStore: models
              ? stores?.sqliteStore(modelsFlag, models, 'identification models')
              : undefined,
            caFiles: flags.ca,
            rootsHistory: flags.rootsHistory,
            geoDb: flags.geoip,
            domainFiles: flags.domains,
            intelFiles: flags.intel,
            deliverAlerts: flags.alerts,
            bus,
            warn: (m) => process.stderr.write(`moat: ${m}\n`),
          });
        } catch (err) {
          await bus?.close();
          await stores?.close();
          if (err instanceof MoatError) throw err;
          throw new UsageError(`--policy: ${err instanceof Error ? err.message : String(err)}`);
        }
        if (workers > 1)
          process.stderr.write('moat: --policy keeps global heat counts: scoring runs on one thread\n');
      }
      const inspectors: Inspector[] = tlsmon ? [tlsmon.inspector] : [];
      let security: SecurityStage | undefined;
      if (bus) {
        // Loaded only when asked for, like the TLS monitor: a plain analysis starts without it.
        const { securityStage } = await import('./security-stage.js');
        try {
          security = await securityStage(
            flags,
            stores ?? new (await import('../stores.js')).StoreSet(),
            bus,
            flags.interface,
          );
        } catch (err) {
          await tlsmon?.close();
          await bus.close();
          await stores?.close();
          throw err;
        }
        inspectors.unshift(...security.inspectors);
        if (workers > 1)
          process.stderr.write('moat: the security stage keeps flow state: it runs on one thread\n');
      }
      // A live input is opened before the output exists too: an unknown interface or a bad filter leaves no
      // empty EVE file behind, and an old one is not truncated.
      let live: LiveCaptureSource | undefined;
      let durationS: number | undefined;
      if (flags.interface) {
        durationS = flags.duration ? Number(flags.duration) : undefined;
        if (durationS !== undefined && !(durationS > 0))
          throw new UsageError(`--duration must be a positive number of seconds, got '${flags.duration}'`);
        live = openLiveCapture({ iface: flags.interface, bpf: flags.bpf, durationS });
      }
      let writer: EveFileWriter;
      try {
        writer = new EveFileWriter(flags.eve, flags.interface ? { flushIntervalMs: 1000 } : {});
      } catch (err) {
        // The interface is given back, or its open handle would keep the process from ending.
        live?.close();
        throw new UsageError(`--eve ${flags.eve}: ${err instanceof Error ? err.message : String(err)}`);
      }
      // With several workers on a regular file the workers append to it themselves (see runAnalysis).
      const direct = workers > 1 && flags.eve !== '-' && !flags.interface && inspectors.length === 0;
      const bar = new ProgressBar('analyze', flags.progress && process.stderr.isTTY === true);
      const ac = new AbortController();
      const onSigint = (): void => ac.abort();
      process.once('SIGINT', onSigint);
      let stats: AnalysisStats;
      try {
        if (live) {
          stats = await runAnalysis(
            { source: live, iface: flags.interface },
            {
              workers,
              eveTypes: types,
              eveCustom: eveOptions?.custom,
              alertOutput: eveOptions?.alert,
              http: eveOptions?.http,
              flow,
              eveWriter: writer,
              signal: ac.signal,
              inspectors,
              alertChannels: tlsmon?.dispatcher,
            },
          );
        } else {
          stats = await runAnalysis(
            { file },
            {
              workers,
              eveTypes: types,
              eveCustom: eveOptions?.custom,
              alertOutput: eveOptions?.alert,
              http: eveOptions?.http,
              flow,
              eveWriter: direct ? undefined : writer,
              eveFile: direct ? flags.eve : undefined,
              // No bar (not a TTY, --no-progress): no per-packet progress wrapper either.
              onProgress: bar.enabled
                ? (f, s) => bar.update(f, `${s.packets.toLocaleString('en-US')} packets`)
                : undefined,
              signal: ac.signal,
              inspectors,
              alertChannels: tlsmon?.dispatcher,
            },
          );
        }
      } finally {
        process.off('SIGINT', onSigint);
        bar.done();
        await writer.close();
        await tlsmon?.close();
        await security?.close();
        await bus?.close();
        await stores?.close();
      }
      if (flags.fastLog !== undefined) {
        try {
          await writeFastLogFromEve(flags.eve, flags.fastLog);
        } catch (err) {
          throw new UsageError(
            `--fast-log ${flags.fastLog}: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
      }
      // As tcpdump and tshark do: a cut capture is worth a word, though what came before it was analysed (exit 0).
      if (stats.inputEndedEarly !== undefined)
        process.stderr.write(
          `moat: warning: ${file ?? flags.interface}: the capture ends early (${stats.inputEndedEarly}); the ${stats.packets.toLocaleString('en-US')} packets before it were analysed\n`,
        );
      // libpcap's own counters (Suricata's capture.kernel_packets / kernel_drops): what the capture lost, if anything.
      const capture = live?.stats();
      if (capture && !capture.unavailable)
        process.stderr.write(
          `moat: libpcap on ${flags.interface}: ${capture.received} received, ${capture.dropped} dropped by the kernel, ${capture.ifDropped} by the interface\n`,
        );
      if (flags.json) process.stdout.write(JSON.stringify(capture ? { ...stats, capture } : stats) + '\n');
      else (flags.eve === '-' ? process.stderr : process.stdout).write(formatSummary(stats) + '\n');
      if (flags.failOnAlert && stats.alerts + stats.alertsNotWritten > 0) setExit(1);
    });
};
