/**
 * The security options of analyze: `--rules FILE` loads the rule files once (every refused rule named on stderr:
 * file:line, sid, keyword) and compiles one engine; the event cache table is consulted before the rules (in memory,
 * or kept in the store with `--db`, shared with `--redis`); `--review` adds log review of the flows. The TLS
 * monitor's risky verdicts become cache entries too, and so do the identification model's (`--model`, read from the
 * store) on the remote addresses of sampled flows: the engines publish them on the bus's `verdict` topic and the
 * stage's VerdictRecorder, subscribed there, records them. The stores are opened by the command and closed by it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { RuleMatcher } from '../../detect/index.js';
import { IpReputation, RuleInspector } from '../../detect/index.js';
import { formatRuleError, loadRuleFile } from '../../detect/index.js';
import { applyThresholdConfig, formatThresholdError, loadThresholdFile } from '../../detect/index.js';
import { ConfigError } from '../../framework/index.js';
import { streamOptionsOf } from '../../flow/index.js';
import type { Rule } from '../../detect/index.js';
import type { Inspector } from '../../pipeline/index.js';
import { EventCacheTable } from '../../security/index.js';
import { SecurityGuard } from '../../security/index.js';
import { LogReview, reviewConfig } from '../../security/index.js';
import { LogReviewInspector } from '../../security/index.js';
import { VerdictRecorder } from '../../security/index.js';
import type { MessageBus, MoatTopics } from '../../framework/index.js';
import type { SqliteStore } from '../../store/index.js';
import type { StoreSet } from '../stores.js';
import { UsageError } from '../errors.js';

/** How far V8 lets the old space grow past what is live, in percent, once rules are loaded (see loadRuleInspector). */
const HEAP_GROWING_PERCENT = 15;

/** Refusals printed one per line up to this many; the rest are counted. */
const MAX_LISTED = 20;

/**
 * A threshold file applied to the loaded rules: every bad line is named (file:line) and stops the run, entries for
 * rules not loaded are named on stderr.
 */
function applyThresholdFile(file: string, rules: readonly Rule[]): void {
  if (!existsSync(file)) throw new UsageError(`--threshold-file: no such file: ${file}`);
  const cfg = loadThresholdFile(file);
  if (cfg.errors.length > 0)
    throw new ConfigError(
      `--threshold-file: ${cfg.errors.length} bad line(s):\n  ${cfg.errors.map(formatThresholdError).join('\n  ')}`,
    );
  for (const w of applyThresholdConfig(rules, cfg.entries))
    process.stderr.write(`moat: threshold file: ${w}\n`);
  process.stderr.write(`moat: ${cfg.entries.length} threshold entries from ${file}\n`);
}

/** Suricata's IP reputation files for the iprep keyword; every bad line stops the run, named file:line. */
function loadReputation(categories: string, files: readonly string[]): IpReputation {
  for (const f of [categories, ...files])
    if (!existsSync(f)) throw new UsageError(`--reputation: no such file: ${f}`);
  const rep = IpReputation.fromFiles(categories, [...files], '.');
  process.stderr.write(`moat: IP reputation from ${[categories, ...files].join(', ')}\n`);
  return rep;
}

export function loadRuleInspector(
  files: readonly string[],
  thresholdFile?: string,
  reputation?: { categories: string; files: readonly string[] },
  /** Stream inspection as Suricata's (RuleInspector's streamTcpRules), for settings that need it. */
  streamInspection = false,
): RuleInspector {
  const rules: Rule[] = [];
  let refused = 0;
  const p0 = performance.now();
  for (const f of files) {
    if (!existsSync(f)) throw new UsageError(`--rules: no such file: ${f}`);
    const load = loadRuleFile(f);
    rules.push(...load.rules);
    for (const e of load.errors) {
      if (refused < MAX_LISTED) process.stderr.write(`moat: rule refused: ${formatRuleError(e)}\n`);
      refused++;
    }
  }
  if (refused > MAX_LISTED)
    process.stderr.write(
      `moat: … and ${refused - MAX_LISTED} more refused rules (\`moat rules lint ${files.join(' ')}\` lists them all)\n`,
    );
  if (rules.length === 0) throw new UsageError(`--rules: no usable rule in ${files.join(', ')}`);
  if (thresholdFile !== undefined) applyThresholdFile(thresholdFile, rules);
  const t0 = performance.now();
  const rep = reputation ? loadReputation(reputation.categories, reputation.files) : undefined;
  const engine = new RuleMatcher(rules, rep ? { iprep: (ip, cat) => rep.score(ip, cat) } : {});
  const ms = performance.now() - t0;
  process.stderr.write(
    `moat: ${rules.length} rules loaded${refused > 0 ? `, ${refused} refused` : ''}, parsed in ${(t0 - p0).toFixed(0)} ms, compiled in ${ms.toFixed(0)} ms\n`,
  );
  // A rule set keeps tens of MB live for the whole run (ET Open: ~30 MB of rules, ~95 MB live in all on big.pcap),
  // and V8 lets the old space grow to about twice what is live before it collects. Growing by 15% instead: peak
  // RSS on big.pcap with ET Open ~234 MiB instead of ~266, for 11 full collections instead of 2 (~0.2 s of pauses
  // in a 7 CPU-second run). The factor is read at each full collection, so setting it now takes effect.
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return new RuleInspector(engine, streamInspection);
}

export interface SecurityFlags {
  rules: string[];
  /** `--set` stream settings (already checked by the command). */
  set?: string[];
  /** Suricata threshold.config applied to `rules`. */
  thresholdFile?: string;
  /** IP reputation for iprep: the categories file and the reputation files. */
  reputationCategories?: string;
  reputation?: string[];
  /** Where the rules' dataset `save`/`state` files are written at the end. */
  dataDir?: string;
  /** The store (event cache table, baselines, the model with `model`). */
  db?: string;
  /** Shared state: the event cache table. */
  redis?: string;
  /** Deprecated: the event cache table's and baselines' own store (wins over `db` for them). */
  securityDb?: string;
  /** Deprecated: `redis` for the event cache table only. */
  cacheRedis?: string;
  review?: string | boolean;
  /** The store's active (or `modelVersion`) identification model scores remote addresses (A-33/A-34). */
  model?: boolean;
  /** Deprecated: the model's own store (implies `model`). */
  modelDb?: string;
  modelVersion?: string;
  /** N of 1:N: the share of flows the model checks. */
  modelSample?: string;
  /** A gray verdict at or above this score alerts too (tracked). */
  modelGray?: string;
  /** The store's deployed payload CNN (moat ml train) classifies sampled flows; verdicts → cache (diagnosis cnn). */
  cnn?: boolean;
  cnnSample?: string;
  cnnMinConfidence?: string;
}

export interface SecurityStage {
  inspectors: Inspector[];
  close(): Promise<void>;
}

/** Whether the flags ask for the stage at all (a plain analysis runs without it). */
export function wantsSecurityStage(flags: SecurityFlags): boolean {
  return Boolean(
    flags.rules.length > 0 ||
    flags.review !== undefined ||
    flags.db ||
    flags.securityDb ||
    flags.redis ||
    flags.cacheRedis ||
    flags.model ||
    flags.modelDb ||
    flags.cnn,
  );
}

/**
 * Builds the stage (cache lookup → rules → log review → model) the flags ask for, on the stores opened in `stores`;
 * none when no flag asks for it. Its verdict recorder subscribes to `bus`, where the TLS monitor and the model
 * publish (A-34).
 */
export async function securityStage(
  flags: SecurityFlags,
  stores: StoreSet,
  bus: MessageBus<MoatTopics>,
  iface?: string,
): Promise<SecurityStage> {
  if (!wantsSecurityStage(flags)) return { inspectors: [], close: async () => undefined };
  const holds = 'the security event cache table and log-review baselines';
  const store = flags.securityDb
    ? stores.sqliteStore('--security-db', flags.securityDb, holds)
    : flags.db
      ? stores.sqliteStore('--db', flags.db, holds)
      : undefined;
  const cache = new EventCacheTable(store);
  let share: { close(): Promise<void> } | undefined;
  const redisFlag = flags.cacheRedis ? '--cache-redis' : '--redis';
  const redisUrl = flags.cacheRedis ?? flags.redis;
  if (redisUrl) {
    const redis = await stores.redisClient(redisFlag, redisUrl);
    const { RedisCacheShare } = await import('../../security/index.js');
    const s = new RedisCacheShare(cache, redis);
    try {
      await s.start();
    } catch (err) {
      await s.close().catch(() => undefined);
      throw new UsageError(`${redisFlag}: ${err instanceof Error ? err.message : String(err)}`);
    }
    share = s;
  }
  const inspectors: Inspector[] = [];
  const reputation =
    flags.reputationCategories !== undefined
      ? { categories: flags.reputationCategories, files: flags.reputation ?? [] }
      : undefined;
  // stream.async-oneside=false leaves one-sided sessions' app layer to their end: app-layer content rules then
  // need the stream kept (stream-inspect.ts).
  const lateApp = flags.set !== undefined && streamOptionsOf(flags.set).asyncOneside === false;
  const rules =
    flags.rules.length > 0
      ? loadRuleInspector(flags.rules, flags.thresholdFile, reputation, lateApp)
      : undefined;
  if (rules && flags.dataDir !== undefined) rules.saveDatasetsTo = flags.dataDir;
  inspectors.push(new SecurityGuard(cache, rules));
  if (flags.review !== undefined) {
    let cfg = reviewConfig();
    if (typeof flags.review === 'string') {
      if (!existsSync(flags.review)) throw new UsageError(`--review: no such file: ${flags.review}`);
      try {
        cfg = reviewConfig(
          JSON.parse(readFileSync(flags.review, 'utf8')) as Parameters<typeof reviewConfig>[0],
        );
      } catch (err) {
        throw new UsageError(`--review ${flags.review}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const review = new LogReview({ cache, store }, cfg);
    inspectors.push(new LogReviewInspector(review));
  }
  // The model's verdicts are on addresses: the next beacon comes from a new port.
  const recorder = new VerdictRecorder(cache, {
    engines: { tlsmon: {}, ml: { addressLevel: true }, cnn: {} },
  });
  await recorder.subscribe(bus);
  let model: { close(): void } | undefined;
  if (flags.model || flags.modelDb) {
    const modelFlag = flags.modelDb ? '--model-db' : '--db';
    const modelStore = flags.modelDb
      ? stores.sqliteStore('--model-db', flags.modelDb, 'identification models', { create: false })
      : store;
    if (!modelStore) throw new UsageError('--model needs --db (the store holding the identification model)');
    const m = await modelStage(flags, modelFlag, modelStore, bus, iface !== undefined);
    inspectors.push(m.inspector);
    model = m;
  }
  if (flags.cnn) {
    if (!store)
      throw new UsageError('--cnn needs --db (the store holding the deployed CNN: moat ml train --db)');
    inspectors.push(await cnnStage(flags, store, bus));
  }
  return {
    inspectors,
    close: async () => {
      await recorder.close();
      cache.flush();
      await share?.close();
      model?.close();
    },
  };
}

async function modelStage(
  flags: SecurityFlags,
  flag: string,
  store: SqliteStore,
  bus: MessageBus<MoatTopics>,
  live: boolean,
): Promise<{ inspector: Inspector; close(): void }> {
  let version: number | undefined;
  if (flags.modelVersion !== undefined) {
    version = Number(flags.modelVersion);
    if (!Number.isInteger(version) || version < 1)
      throw new UsageError(`--model-version must be a whole number ≥ 1, got '${flags.modelVersion}'`);
  }
  const rate = flags.modelSample === undefined ? 1 : Number(flags.modelSample);
  if (!Number.isInteger(rate) || rate < 1)
    throw new UsageError(`--model-sample must be a whole number ≥ 1, got '${String(flags.modelSample)}'`);
  const grayScore = flags.modelGray === undefined ? undefined : Number(flags.modelGray);
  if (grayScore !== undefined && !(grayScore >= 0 && grayScore <= 1))
    throw new UsageError(`--model-gray must be a score from 0 to 1, got '${String(flags.modelGray)}'`);
  const { ModelInspector, openModelService } = await import('../../security/index.js');
  const { FlowSampler } = await import('../../flow/index.js');
  let service;
  try {
    service = openModelService(store, version);
  } catch (err) {
    throw new UsageError(`${flag}: ${err instanceof Error ? err.message : String(err)}`);
  }
  // Live, an unpinned model follows `moat identify model activate/rollback` without a restart.
  if (live && version === undefined) service.watch(5000);
  const sampler = rate > 1 ? new FlowSampler({ zones: [], rates: [], defaultRate: rate }) : undefined;
  const inspector = new ModelInspector(service, {
    sampler,
    grayScore,
    report: (line) => process.stderr.write(`moat: ${line}\n`),
    verdicts: bus,
  });
  process.stderr.write(
    `moat: identification model v${String(service.modelVersion)} from ${store.location} checks ${rate === 1 ? 'every flow' : `1:${rate} of flows`}\n`,
  );
  return {
    inspector,
    close: () => service.stop(),
  };
}

async function cnnStage(
  flags: SecurityFlags,
  store: SqliteStore,
  bus: MessageBus<MoatTopics>,
): Promise<Inspector> {
  const rate = flags.cnnSample === undefined ? 1 : Number(flags.cnnSample);
  if (!Number.isInteger(rate) || rate < 1)
    throw new UsageError(`--cnn-sample must be a whole number ≥ 1, got '${String(flags.cnnSample)}'`);
  const minConfidence = flags.cnnMinConfidence === undefined ? 0.9 : Number(flags.cnnMinConfidence);
  if (!(minConfidence >= 0 && minConfidence <= 1))
    throw new UsageError(`--cnn-min-confidence must be from 0 to 1, got '${String(flags.cnnMinConfidence)}'`);
  const { MlRegistry, Classifier, CnnInspector, tfReady } = await import('../../ml/index.js');
  const { FlowSampler } = await import('../../flow/index.js');
  const tf = await tfReady();
  const v = new MlRegistry(store, tf).active();
  if (!v)
    throw new UsageError(`--db ${store.location}: no deployed CNN (moat ml train --db ${store.location})`);
  const sampler = rate > 1 ? new FlowSampler({ zones: [], rates: [], defaultRate: rate }) : undefined;
  process.stderr.write(
    `moat: payload CNN ${v.file.manifest.version} (${v.file.sha256.slice(0, 16)}) checks ${rate === 1 ? 'every flow' : `1:${rate} of flows`}\n`,
  );
  return new CnnInspector(new Classifier(tf, v.file.manifest, v.params), {
    sampler,
    minConfidence,
    verdicts: bus,
    report: (line) => process.stderr.write(`moat: ${line}\n`),
  });
}
