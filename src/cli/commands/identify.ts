/**
 * `moat identify serve | check | train | eval | model … | key …` — the Spec B service and its lifecycle.
 * Exit codes: 0 ok; 1 a finding (check: verdict black; train: model refused by the gates); 2 usage/input.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { RegisterCommand } from './index.js';
import { UsageError } from '../errors.js';
import { openDatabase, type Db } from '../../store/database.js';
import { GeoLookup } from '../../intel/geo.js';
import { AsnRanges } from '../../intel/asn-ranges.js';
import { IntelIndex } from '../../intel/intel-index.js';
import { IntelStore } from '../../intel/store.js';
import { ApiKeyStore, type KeyVerifier } from '../../api/api-keys.js';
import { PgApiKeyStore } from '../../api/pg-api-keys.js';
import { buildIdentifyServer } from '../../api/identify-server.js';
import { PgRequestLog, SqliteRequestLog, type RequestLog } from '../../api/request-log.js';
import { identifyRequestSchema, MAX_FLOWS_PER_ITEM } from '../../identify/flow-record.js';
import { ModelRegistry } from '../../identify/registry.js';
import { IdentificationService } from '../../identify/service.js';
import {
  DEFAULT_LOOP,
  evaluate,
  featurise,
  type EvaluateOptions,
  type EvaluationReport,
} from '../../identify/evaluate.js';
import { loadUstcConversations, windowed } from '../../identify/datasets/ustc-conversations.js';
import { loadIpsumPu } from '../../identify/datasets/ipsum-pu.js';
import { loadUnlabelledTraffic } from '../../identify/datasets/unlabelled-traffic.js';
import { combineSources, SOURCE_IPSUM, SOURCE_USTC } from '../../identify/datasets/combined.js';
import type { AddressSample } from '../../identify/datasets/ustc-conversations.js';
import type { GroupBy } from '../../identify/split-groups.js';
import type { LoopParams } from '../../identify/loop.js';
import type { LabelledSet } from '../../identify/train.js';
import type { FeatureContext } from '../../identify/features.js';

const DEFAULT_DB = 'moat.db';
const CORPUS = join('..', 'shared', 'corpus');

function num(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`--${name} must be a number in [${min}, ${max}], got '${text}'`);
  return n;
}

function loadIntel(db: Db, geo?: GeoLookup): IntelIndex {
  return IntelIndex.fromRows(new IntelStore(db).live(), geo);
}

interface GeoFlags {
  asnDb?: string;
  countryDb?: string;
  /** true: the @ip-location-db/asn package's tables; a string: 'v4.csv[,v6.csv]'. */
  asnRanges?: string | boolean;
}

function geoFrom(flags: GeoFlags): GeoLookup | undefined {
  if (!flags.asnDb && !flags.countryDb && !flags.asnRanges) return undefined;
  for (const p of [flags.asnDb, flags.countryDb])
    if (p && !existsSync(p)) throw new UsageError(`no such MaxMind DB: ${p}`);
  let asnRanges: AsnRanges | undefined;
  if (flags.asnRanges) {
    let files: { v4: string; v6?: string } | null;
    if (typeof flags.asnRanges === 'string') {
      const [v4, v6] = flags.asnRanges.split(',');
      files = v6 ? { v4, v6 } : { v4 };
    } else files = AsnRanges.packageFiles();
    if (!files)
      throw new UsageError('--asn-ranges: the @ip-location-db/asn package is not installed; give CSV files');
    for (const p of [files.v4, files.v6])
      if (p && !existsSync(p)) throw new UsageError(`--asn-ranges: no such file: ${p}`);
    asnRanges = AsnRanges.load(files.v4, files.v6);
  }
  return new GeoLookup({
    ...(flags.asnDb ? { asnDb: flags.asnDb } : {}),
    ...(flags.countryDb ? { countryDb: flags.countryDb } : {}),
    ...(asnRanges ? { asnRanges } : {}),
  });
}

const ASN_RANGES_HELP =
  'ASN/organisation from range CSVs (default: the @ip-location-db/asn package, DB-IP CC-BY-4.0)';

/**
 * Reads a traffic file: JSON ({flows, stats} or an array of flows) or EVE NDJSON. From EVE, `flow`/`netflow`
 * records are the flows; `tls` and `dns` records of the same flow_id lend them SNI/JA3/JA4 and query names
 * (moat analyze and Suricata write those as separate events).
 */
export function readTrafficFile(path: string): unknown {
  const text = readFileSync(path, 'utf8');
  const t = text.trimStart();
  if (t.startsWith('[')) return { flows: JSON.parse(t) };
  if (t.startsWith('{')) {
    try {
      return JSON.parse(t);
    } catch {
      // Not one JSON document: EVE NDJSON.
    }
  }
  const flows: Record<string, unknown>[] = [];
  const tls = new Map<unknown, Record<string, unknown>>();
  const dns = new Map<unknown, string>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let ev: Record<string, unknown>;
    try {
      ev = JSON.parse(line);
    } catch {
      throw new UsageError(`${path}:${i + 1}: not a JSON line`);
    }
    if (ev.event_type === 'flow' || ev.event_type === 'netflow') flows.push(ev);
    else if (ev.event_type === 'tls' && ev.tls && typeof ev.tls === 'object')
      tls.set(ev.flow_id, ev.tls as Record<string, unknown>);
    else if (ev.event_type === 'dns' && ev.dns && typeof ev.dns === 'object') {
      const name = (ev.dns as Record<string, unknown>).rrname;
      if (typeof name === 'string') dns.set(ev.flow_id, name);
    }
  });
  for (const f of flows) {
    const id = f.flow_id;
    if (id === undefined) continue;
    const tl = tls.get(id);
    if (tl && f.tls === undefined) {
      const ja3 = tl.ja3 as Record<string, unknown> | undefined;
      f.tls = {
        ...(typeof tl.sni === 'string' ? { sni: tl.sni } : {}),
        ...(typeof ja3?.hash === 'string' ? { ja3: { hash: ja3.hash } } : {}),
        ...(typeof tl.ja4 === 'string' ? { ja4: tl.ja4 } : {}),
      };
    }
    const name = dns.get(id);
    if (name && f.dns === undefined) f.dns = { rrname: name };
  }
  if (flows.length > MAX_FLOWS_PER_ITEM) flows.length = MAX_FLOWS_PER_ITEM;
  return { flows };
}

interface DataFlags {
  ustc?: string;
  ipsum?: string;
  window?: string;
  unlabelled?: string;
  group?: string;
}

interface Dataset {
  name: string;
  set: LabelledSet;
  labelledShare: number;
  testMask?: Uint8Array;
  unlabelledOnly?: Uint8Array;
  slices?: { name: string; mask: Uint8Array }[];
}

function groupByFlag(flags: DataFlags, geo?: GeoLookup): GroupBy {
  const g = flags.group ?? '24';
  if (g !== '24' && g !== 'asn') throw new UsageError(`--group must be 24 or asn, got '${g}'`);
  if (g === 'asn' && !geo)
    throw new UsageError(
      '--group asn needs AS data: --asn-ranges (the @ip-location-db/asn package) or --asn-db',
    );
  return g;
}

function fileList(flag: string, text: string | undefined): string[] {
  const files = text?.split(',').filter(Boolean) ?? [];
  for (const f of files) if (!existsSync(f)) throw new UsageError(`--${flag}: no such file: ${f}`);
  return files;
}

interface Sources {
  ustc?: AddressSample[];
  ipsum?: AddressSample[];
  unlabelled?: AddressSample[];
  ctx: FeatureContext;
  groupBy: GroupBy;
}

function loadSources(flags: DataFlags, extraFeeds: string[], geo?: GeoLookup): Sources {
  const groupBy = groupByFlag(flags, geo);
  const out: Sources = { ctx: geo ? { geo } : {}, groupBy };
  if (flags.ustc) {
    if (!existsSync(join(flags.ustc, 'Malware')))
      throw new UsageError(`--ustc: ${flags.ustc} has no Malware/ folder`);
    out.ustc = loadUstcConversations(flags.ustc);
  }
  if (flags.ipsum) {
    if (!existsSync(flags.ipsum)) throw new UsageError(`--ipsum: no such file ${flags.ipsum}`);
    const { samples, intel } = loadIpsumPu(flags.ipsum, extraFeeds, geo);
    out.ipsum = samples;
    out.ctx = { ...out.ctx, intel };
  }
  const unl = fileList('unlabelled', flags.unlabelled);
  if (unl.length) out.unlabelled = loadUnlabelledTraffic(unl).samples;
  if (!out.ustc && !out.ipsum)
    throw new UsageError('give labelled seed data: --ustc DIR and/or --ipsum FILE');
  return out;
}

/** Every seed source in one set (train always uses it; eval adds it when there is more than one source). */
function combinedDataset(src: Sources): Dataset {
  const c = combineSources(src);
  const present = [
    src.ustc ? 'ustc-tfc2016' : '',
    src.ipsum ? 'ipsum PU' : '',
    src.unlabelled ? 'unlabelled traffic' : '',
  ].filter(Boolean);
  const mask = (source: number): Uint8Array =>
    Uint8Array.from(c.samples, (x) => (x.source === source ? 1 : 0));
  return {
    name: `combined: ${present.join(' + ')} (split by ${src.groupBy === 'asn' ? 'AS' : '/24'})`,
    set: featurise(c.samples, src.ctx, { groupBy: src.groupBy }),
    labelledShare: 0.4,
    unlabelledOnly: Uint8Array.from(c.samples, (x) => (x.unlabelled ? 1 : 0)),
    slices: [
      ...(src.ustc ? [{ name: 'ustc-tfc2016 part', mask: mask(SOURCE_USTC) }] : []),
      ...(src.ipsum ? [{ name: 'ipsum part', mask: mask(SOURCE_IPSUM) }] : []),
    ],
  };
}

/** The evaluation datasets the flags ask for: each source alone, then all of them combined. */
function datasets(flags: DataFlags, src: Sources): Dataset[] {
  const out: Dataset[] = [];
  const by = src.groupBy === 'asn' ? 'AS' : '/24';
  if (src.ustc) {
    const samples = src.ustc;
    out.push({ name: 'ustc-tfc2016 per remote address', set: featurise(samples, {}), labelledShare: 0.3 });
    const w = flags.window ? num('window', flags.window, 1, 1000) : 1;
    out.push({
      name: `ustc-tfc2016 windows of ${w} conversation(s)`,
      set: featurise(windowed(samples, w), {}),
      labelledShare: 0.3,
    });
    // Unseen families: the largest TCP botnet (Neris) and a third of the benign applications are held out
    // whole, so the test asks "does it generalise to a family it never saw?" (train/validation stay /24).
    const benignApps = [...new Set(samples.filter((x) => x.y === 0).map((x) => x.family))].sort();
    const heldOut = new Set(['Neris_TCP', ...benignApps.filter((_, i) => i % 3 === 1)]);
    const testMask = Uint8Array.from(samples, (x) => (heldOut.has(x.family) ? 1 : 0));
    out.push({
      name: `ustc-tfc2016 per remote address, unseen families (${[...heldOut].join(', ')})`,
      set: featurise(samples, {}),
      labelledShare: 0.3,
      testMask,
    });
  }
  if (src.ipsum) {
    out.push({
      name: `ipsum PU (≥3 lists positive, 1–2 unlabelled; split by ${by})`,
      set: featurise(src.ipsum, src.ctx, { groupBy: src.groupBy }),
      labelledShare: 0.5,
    });
  }
  if ((src.ustc && src.ipsum) || src.unlabelled) out.push(combinedDataset(src));
  return out;
}

function evalOptions(d: Dataset): EvaluateOptions {
  return {
    labelledShare: d.labelledShare,
    ...(d.testMask ? { testMask: d.testMask } : {}),
    ...(d.unlabelledOnly ? { unlabelledOnly: d.unlabelledOnly } : {}),
    ...(d.slices ? { slices: d.slices } : {}),
  };
}

function fmt(x: number): string {
  return Number.isNaN(x) ? '  n/a' : x.toFixed(3);
}

function printReport(r: EvaluationReport): void {
  const w = r.withoutSelfTraining;
  const s = r.withSelfTraining;
  const lines = [
    `== ${r.dataset}`,
    `   split (neighbours never cross): labelled ${r.sizes.labelled}, unlabelled ${r.sizes.unlabelled}${r.sizes.unlabelledDropped ? ` (${r.sizes.unlabelledDropped} unlabelled next to test/validation left out)` : ''}, seed validation ${r.sizes.validation}, held-out test ${r.sizes.test} (${w.positives} positive / ${w.negatives} negative)`,
    `   loop: ${r.iterations.length} iteration(s), best ${r.bestIteration}, stopped by ${r.stoppedBy}`,
    ...r.iterations.map(
      (it) =>
        `     k=${it.k} P=${fmt(it.precision)} C=${fmt(it.recall)} J=${fmt(it.objective)} J0=${fmt(it.objective0)} Pr[J>J0]=${it.probImproved === null ? '  -  ' : fmt(it.probImproved)} margin=${fmt(it.margin)} +pos=${it.pseudoPositive} +neg=${it.pseudoNegative}`,
    ),
    '                              without self-training   with self-training',
    `   precision @ coverage 0.5   ${fmt(w.precisionAtCoverage50)}                   ${fmt(s.precisionAtCoverage50)}`,
    `   precision @ coverage 0.8   ${fmt(w.precisionAtCoverage80)}                   ${fmt(s.precisionAtCoverage80)}`,
    `   coverage @ precision 0.95  ${fmt(w.coverageAtPrecision95)}                   ${fmt(s.coverageAtPrecision95)}`,
    `   PR-AUC                     ${fmt(w.prAuc)}                   ${fmt(s.prAuc)}`,
    `   at black threshold P / C   ${fmt(w.precision)} / ${fmt(w.coverage)}           ${fmt(s.precision)} / ${fmt(s.coverage)}`,
    `   calibration ECE / Brier    ${fmt(w.ece)} / ${fmt(w.brier)}           ${fmt(s.ece)} / ${fmt(s.brier)}`,
    ...r.slices.flatMap((sl) => [
      `   -- ${sl.name} of the test set (${sl.withoutSelfTraining.positives} positive / ${sl.withoutSelfTraining.negatives} negative)`,
      `      P@C0.5 ${fmt(sl.withoutSelfTraining.precisionAtCoverage50)} → ${fmt(sl.withSelfTraining.precisionAtCoverage50)}   P@C0.8 ${fmt(sl.withoutSelfTraining.precisionAtCoverage80)} → ${fmt(sl.withSelfTraining.precisionAtCoverage80)}   C@P0.95 ${fmt(sl.withoutSelfTraining.coverageAtPrecision95)} → ${fmt(sl.withSelfTraining.coverageAtPrecision95)}   PR-AUC ${fmt(sl.withoutSelfTraining.prAuc)} → ${fmt(sl.withSelfTraining.prAuc)}`,
    ]),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export const registerIdentify: RegisterCommand = (program: Command, setExit) => {
  const id = program
    .command('identify')
    .description('black-market (abuse infrastructure) identification service (Spec B)');

  id.command('serve')
    .description('HTTP API: POST /v1/identify, /v1/identify/batch (API key per terminal)')
    .option('--db <path>', 'SQLite store (models, keys, intel, request log)', DEFAULT_DB)
    .option('--host <addr>', 'listen address', '127.0.0.1')
    .option('--port <n>', 'listen port (0 = any free)', '8443')
    .option('--asn-db <mmdb>', 'MaxMind ASN database for ASN/organisation features')
    .option('--country-db <mmdb>', 'MaxMind Country/City database')
    .option('--asn-ranges [files]', ASN_RANGES_HELP)
    .option(
      '--pg <url>',
      'write the request log to PostgreSQL (postgres://user@host:port/db) instead of SQLite',
    )
    .option('--reload-ms <n>', 'poll for newly activated model versions every n ms', '1000')
    .option('--no-auth', 'no API keys (loopback development only)')
    .action(
      async (flags: {
        db: string;
        host: string;
        port: string;
        asnDb?: string;
        countryDb?: string;
        pg?: string;
        reloadMs: string;
        auth: boolean;
      }) => {
        if (!flags.auth && flags.host !== '127.0.0.1' && flags.host !== '::1')
          throw new UsageError('identify serve: --no-auth is only allowed on loopback');
        const db = openDatabase(flags.db);
        const registry = new ModelRegistry(db);
        const geo = geoFrom(flags);
        const service = new IdentificationService({
          registry,
          intelSource: { stamp: () => new IntelStore(db).stamp(), load: () => loadIntel(db, geo) },
          ...(geo ? { geo } : {}),
        });
        if (service.modelVersion === null)
          process.stderr.write(
            'identify serve: no active model yet — verdicts come from intel only until `moat identify train` publishes one\n',
          );
        service.watch(num('reload-ms', flags.reloadMs, 50, 3_600_000));
        // With --pg the request log and the API keys live in PostgreSQL (shared by a fleet of services).
        let keys: KeyVerifier | undefined;
        let pgKeys: PgApiKeyStore | undefined;
        let log: RequestLog;
        if (flags.pg) {
          try {
            log = await PgRequestLog.connect(flags.pg);
            if (flags.auth) keys = pgKeys = await PgApiKeyStore.connect(flags.pg);
          } catch (e) {
            service.stop();
            db.close();
            throw new UsageError(`identify serve --pg: ${e instanceof Error ? e.message : String(e)}`);
          }
        } else {
          const sqliteKeys = new ApiKeyStore(db); // also creates the request log table
          if (flags.auth) keys = sqliteKeys;
          log = new SqliteRequestLog(db);
        }
        const app = buildIdentifyServer({ service, ...(keys ? { keys } : {}), log });
        const address = await app.listen({ host: flags.host, port: num('port', flags.port, 0, 65535) });
        process.stdout.write(
          `identify: listening on ${address}, model version ${service.modelVersion ?? 'none'}\n`,
        );
        await new Promise<void>((resolve) => {
          const stop = (): void => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        service.stop();
        await app.close();
        // A log that cannot be written at exit was already reported by its error handler.
        await log.close().catch(() => setExit(1));
        await pgKeys?.close();
        db.close();
      },
    );

  id.command('check')
    .description('identify one address from the CLI')
    .argument('<ip>', 'IPv4 or IPv6 address')
    .option('--traffic <file>', 'flows: JSON ({flows, stats} or an array) or EVE NDJSON from `moat analyze`')
    .option('--rdns <name>', 'reverse-DNS name of the address')
    .option('--db <path>', 'SQLite store', DEFAULT_DB)
    .option('--asn-db <mmdb>', 'MaxMind ASN database')
    .option('--country-db <mmdb>', 'MaxMind Country/City database')
    .option('--asn-ranges [files]', ASN_RANGES_HELP)
    .action(
      (
        ip: string,
        flags: { traffic?: string; rdns?: string; db: string; asnDb?: string; countryDb?: string },
      ) => {
        if (flags.traffic && !existsSync(flags.traffic))
          throw new UsageError(`identify check: no such file: ${flags.traffic}`);
        const body: Record<string, unknown> = { ip };
        if (flags.traffic) body.traffic = readTrafficFile(flags.traffic);
        if (flags.rdns) body.rdns = flags.rdns;
        const parsed = identifyRequestSchema.safeParse(body);
        if (!parsed.success) {
          const i = parsed.error.issues[0];
          throw new UsageError(`identify check: ${i.path.join('.') || 'request'}: ${i.message}`);
        }
        const db = openDatabase(flags.db);
        const geo = geoFrom(flags);
        const service = new IdentificationService({
          registry: new ModelRegistry(db),
          intel: loadIntel(db, geo),
          ...(geo ? { geo } : {}),
        });
        const r = service.identify(parsed.data);
        db.close();
        process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        if (r.verdict === 'black') setExit(1);
      },
    );

  const dataOptions = (c: Command): Command =>
    c
      .option('--ustc <dir>', 'USTC-TFC2016 conversations folder (Benign/, Malware/)')
      .option('--ipsum <file>', 'IPsum main file (positive-unlabelled seeds)')
      .option(
        '--feeds <files>',
        'extra feeds for IPsum address features, comma-separated (Spamhaus DROP/EDROP…)',
      )
      .option('--asn-ranges [files]', ASN_RANGES_HELP)
      .option('--asn-db <mmdb>', 'MaxMind ASN database for IPsum address features')
      .option('--country-db <mmdb>', 'MaxMind Country/City database (listed hosts per country)')
      .option('--window <n>', 'USTC windowed variant: conversations per sample', '1')
      .option(
        '--unlabelled <files>',
        'unlabelled traffic for self-training: EVE NDJSON files (moat analyze), comma-separated',
      )
      .option('--group <by>', 'split neighbourhoods by 24 (/24, /48) or asn (needs AS data)', '24')
      .option('--max-iterations <n>', 'B-5 maximum iterations', String(DEFAULT_LOOP.maxIterations))
      .option(
        '--kappa <k>',
        'B-8 adjustment coefficient κ (confidence margin scale)',
        String(DEFAULT_LOOP.kappa),
      )
      .option(
        '--confidence <c>',
        'B-7 significance level for the improvement test',
        String(DEFAULT_LOOP.confidence),
      )
      .option(
        '--pseudo-cap <share>',
        "B-8 step: at most this share of the labelled size pseudo-labelled per iteration ('none': all beyond the margin)",
        DEFAULT_LOOP.pseudoCap === undefined ? 'none' : String(DEFAULT_LOOP.pseudoCap),
      )
      .option('--json', 'JSON output');

  const loopFrom = (f: {
    maxIterations: string;
    kappa: string;
    confidence: string;
    pseudoCap: string;
  }): Partial<LoopParams> => ({
    maxIterations: num('max-iterations', f.maxIterations, 1, 100),
    kappa: num('kappa', f.kappa, 0, 0.5),
    confidence: num('confidence', f.confidence, 0.5, 0.9999),
    pseudoCap: f.pseudoCap === 'none' ? undefined : num('pseudo-cap', f.pseudoCap, 0.001, 100),
  });

  type DataCli = DataFlags &
    GeoFlags & {
      feeds?: string;
      maxIterations: string;
      kappa: string;
      confidence: string;
      pseudoCap: string;
      json?: boolean;
    };

  dataOptions(
    id
      .command('eval')
      .description('held-out precision/coverage/PR-AUC with and without self-training (split by /24)'),
  ).action((flags: DataCli) => {
    const src = loadSources(flags, fileList('feeds', flags.feeds), geoFrom(flags));
    const reports = datasets(flags, src).map((d) =>
      evaluate(d.name, d.set, { ...evalOptions(d), loop: loopFrom(flags) }),
    );
    if (flags.json)
      process.stdout.write(
        `${JSON.stringify(
          reports.map(({ best: _b, ...r }) => r),
          null,
          2,
        )}\n`,
      );
    else reports.forEach(printReport);
  });

  dataOptions(
    id
      .command('train')
      .description('run the B-5 loop, gate the result on held-out data, publish and activate'),
  )
    .option('--db <path>', 'SQLite store', DEFAULT_DB)
    .option('--min-precision <p>', 'gate: held-out precision at the black threshold', '0.95')
    .option('--min-coverage <c>', 'gate: held-out coverage at the black threshold', '0.8')
    .option('--no-activate', 'publish without activating')
    .action(
      (flags: DataCli & { db: string; minPrecision: string; minCoverage: string; activate: boolean }) => {
        const gates = {
          minPrecision: num('min-precision', flags.minPrecision, 0, 1),
          minCoverage: num('min-coverage', flags.minCoverage, 0, 1),
        };
        const d = combinedDataset(loadSources(flags, fileList('feeds', flags.feeds), geoFrom(flags)));
        const db = openDatabase(flags.db);
        const registry = new ModelRegistry(db);
        const loop = loopFrom(flags);
        const run = registry.startRun({ dataset: d.name, loop, gates });
        const report = evaluate(d.name, d.set, { ...evalOptions(d), loop }, (it) =>
          registry.logIteration(run, it),
        );
        const m = report.withSelfTraining;
        const result = registry.submit(
          report.best,
          { precision: m.precision, coverage: m.coverage, prAuc: m.prAuc, dataset: d.name, run },
          gates,
        );
        registry.finishRun(run, report.stoppedBy, report.bestIteration, result.version);
        if (result.published && flags.activate) registry.activate(result.version);
        db.close();
        if (!flags.json) printReport(report);
        const summary = {
          run,
          version: result.version,
          published: result.published,
          activated: result.published && flags.activate,
          reasons: result.reasons,
        };
        process.stdout.write(
          flags.json
            ? `${JSON.stringify({ ...summary, report: { ...report, best: undefined } }, null, 2)}\n`
            : `model v${result.version}: ${result.published ? 'published' : `REFUSED — ${result.reasons.join('; ')}`}${summary.activated ? ', active' : ''}\n`,
        );
        if (!result.published) setExit(1);
      },
    );

  const model = id.command('model').description('model versions: list, rules, activate, rollback');
  model
    .command('list')
    .option('--db <path>', 'SQLite store', DEFAULT_DB)
    .action((flags: { db: string }) => {
      const db = openDatabase(flags.db);
      for (const m of new ModelRegistry(db).list())
        process.stdout.write(
          `v${m.version}\t${m.status}${m.active ? '\tACTIVE' : ''}\t${m.created_at}\tP=${fmt(m.metrics.precision)} C=${fmt(m.metrics.coverage)}${m.reason ? `\t${m.reason}` : ''}\n`,
        );
      db.close();
    });
  model
    .command('rules')
    .argument('[version]', 'model version (default: the active one)')
    .option('--db <path>', 'SQLite store', DEFAULT_DB)
    .action((version: string | undefined, flags: { db: string }) => {
      const db = openDatabase(flags.db);
      const reg = new ModelRegistry(db);
      const v = version ? num('version', version, 1, Number.MAX_SAFE_INTEGER) : reg.activeVersion();
      if (v === null) throw new UsageError('no active model; give a version');
      process.stdout.write(`${reg.load(v).describe().join('\n')}\n`);
      db.close();
    });
  model
    .command('activate')
    .argument('<version>')
    .option('--db <path>', 'SQLite store', DEFAULT_DB)
    .action((version: string, flags: { db: string }) => {
      const db = openDatabase(flags.db);
      try {
        new ModelRegistry(db).activate(num('version', version, 1, Number.MAX_SAFE_INTEGER));
      } catch (e) {
        throw new UsageError(e instanceof Error ? e.message : String(e));
      } finally {
        db.close();
      }
      process.stdout.write(
        `model v${version} active (running services pick it up within their reload interval)\n`,
      );
    });
  model
    .command('rollback')
    .option('--db <path>', 'SQLite store', DEFAULT_DB)
    .action((flags: { db: string }) => {
      const db = openDatabase(flags.db);
      let v: number;
      try {
        v = new ModelRegistry(db).rollback();
      } catch (e) {
        throw new UsageError(e instanceof Error ? e.message : String(e));
      } finally {
        db.close();
      }
      process.stdout.write(`rolled back: model v${v} active\n`);
    });

  const key = id.command('key').description('API keys per terminal (stored hashed)');
  const PG_KEYS = 'keys in PostgreSQL (as `identify serve --pg` uses them) instead of SQLite';
  /** Runs `fn` on the key store the flags name: PostgreSQL with --pg, else the SQLite file. */
  const withKeys = async <T>(
    flags: { db: string; pg?: string },
    fn: (k: ApiKeyStore | PgApiKeyStore) => T | Promise<T>,
  ): Promise<T> => {
    if (flags.pg) {
      let store: PgApiKeyStore;
      try {
        store = await PgApiKeyStore.connect(flags.pg);
      } catch (e) {
        throw new UsageError(`identify key --pg: ${e instanceof Error ? e.message : String(e)}`);
      }
      try {
        return await fn(store);
      } finally {
        await store.close();
      }
    }
    const db = openDatabase(flags.db);
    try {
      return await fn(new ApiKeyStore(db));
    } finally {
      db.close();
    }
  };
  key
    .command('add')
    .argument('<terminal>')
    .option('--db <path>', 'SQLite store', DEFAULT_DB)
    .option('--pg <url>', PG_KEYS)
    .option('--rate <n>', 'verdicts per second', '50000')
    .action(async (terminal: string, flags: { db: string; pg?: string; rate: string }) => {
      const ratePerS = num('rate', flags.rate, 0.001, 1e9);
      const k = await withKeys(flags, (s) => s.issue(terminal, { ratePerS }));
      process.stdout.write(`${k}\n`);
    });
  key
    .command('revoke')
    .argument('<terminal>')
    .option('--db <path>', 'SQLite store', DEFAULT_DB)
    .option('--pg <url>', PG_KEYS)
    .action(async (terminal: string, flags: { db: string; pg?: string }) => {
      const ok = await withKeys(flags, (s) => s.revoke(terminal));
      if (!ok) throw new UsageError(`no active key for terminal '${terminal}'`);
    });
  key
    .command('list')
    .option('--db <path>', 'SQLite store', DEFAULT_DB)
    .option('--pg <url>', PG_KEYS)
    .action(async (flags: { db: string; pg?: string }) => {
      for (const k of await withKeys(flags, (s) => s.list()))
        process.stdout.write(
          `${k.terminal}\t${k.revoked_at ? 'revoked' : 'active'}\t${k.rate_per_s}/s\t${k.created_at}\n`,
        );
    });
};

export { CORPUS };
