/**
 * Runs suricata-verify tests against moat: for each test directory, read `test.yaml`, honour `requires` and `skip`
 * (skip only what needs a feature or a Suricata version moat does not claim), read a custom `command:` as the
 * Suricata command line it is, load the test's rules and data files (a rule moat refuses for a missing feature
 * skips the test, naming it), analyse the capture with the rule engine, and evaluate the checks: `filter` on the EVE
 * events, `shell` and `file-compare` on an output directory holding moat's eve.json and the dataset files rules
 * saved. `-T`, `--engine-analysis` and tests expecting a non-zero exit code are judged on start-up (startup.ts).
 * A check on what only Suricata writes (its log text, stats counters, engine analysis) is left out and named.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { analyzeToEvents } from '../../pipeline/index.js';
import { fastLogText } from '../../output/index.js';
import { applyStreamSetting, checkStreamSettings, type FlowTrackerOptions } from '../../flow/index.js';
import { DEFAULT_VARS } from '../ruleset.js';
import type { RuleMatcher } from '../rule-matcher.js';
import type { Rule } from '../rule.js';
import { RuleInspector } from '../inspector.js';
import {
  decompressLayerLimit,
  eveOptionsOf,
  REQUEST_BODY_LIMIT_KEY,
  sizeSetting,
  type EveOptions,
} from '../../pipeline/index.js';
import { hasField, runFilter, type FilterCheck, type Json } from './checks.js';
import { analyzeRule } from '../engine-analysis.js';
import { commandArgs, isSuricataDefaultConfig } from './command.js';
import {
  runFileCompare,
  runShellCheck,
  suricataOnlyOutput,
  type FileCompareCheck,
  type ShellCheck,
} from './outputs.js';
import { loadForTest, startupOutcome, type Outcome, type ReputationSettings } from './startup.js';

export type { Outcome } from './startup.js';

/**
 * The Suricata behaviour moat follows, for `requires: min-version / lt-version`: 8.0.2, the first release that logs
 * an anomaly's ether_type in wire order as moat does (8.0.0–8.0.1 byte-swapped it). Moving from 8.0.0 changed no
 * other test's outcome in a full corpus run.
 */
export const EMULATED_VERSION = [8, 0, 2];
/** Build features moat has (suricata-verify `requires: features`). */
export const FEATURES = new Set(['HAVE_JA3', 'HAVE_JA4', 'RUST', 'HAVE_LIBJANSSON']);
/** Event types moat writes; a check on another type is outside the selection. */
const EVENT_TYPES = new Set([
  'fileinfo',
  'alert',
  'tls',
  'http',
  'dns',
  'flow',
  'anomaly',
  'quic',
  'netflow',
  'arp',
  'packet',
  'frame',
]);
/** App protocols moat parses (EVE `app_proto` values it can write). */
const APP_PROTOS = new Set(['tls', 'http', 'http1', 'http2', 'doh2', 'dns', 'quic', 'ldap', 'rdp', 'failed']);
/** Objects of event types moat does not write: a check on one of their fields needs that protocol. */
const FOREIGN_OBJECTS = new Set([
  'files',
  'smb',
  'http2',
  'mqtt',
  'ssh',
  'ftp',
  'ftp_data',
  'smtp',
  'email',
  'nfs',
  'dcerpc',
  'krb5',
  'snmp',
  'sip',
  'rdp',
  'rfb',
  'ike',
  'dhcp',
  'tftp',
  'modbus',
  'dnp3',
  'enip',
  'pgsql',
  'ldap',
  'websocket',
  'telnet',
  'bittorrent_dht',
  'stats',
  'drop',
  'pop3',
  'imap',
  'mdns',
  'doh2',
  'sdp',
  'verdict',
  'engine',
  'template',
]);

/** Why a check's match needs something moat does not have (another protocol's fields or app_proto). */
export function matchProblem(match: Record<string, unknown> | undefined): string | undefined {
  if (!match) return undefined;
  const et = match.event_type;
  if (typeof et === 'string' && !EVENT_TYPES.has(et)) return `checks event type ${et}`;
  for (const [k, v] of Object.entries(match)) {
    const path = k === 'has-key' || k === 'not-has-key' ? String(v) : k;
    const head = path.split(/[.[]/)[0];
    if (FOREIGN_OBJECTS.has(head)) return `checks ${head} fields`;
    // A flow passed by the midstream policy is `pass`; drop verdicts are IPS behaviour.
    if (path === 'flow.action' && v !== 'pass') return 'checks flow.action (drop verdicts: IPS behaviour)';
    // The midstream policy is emulated (stream.midstream-policy); the other exception policies are not.
    if (
      path.startsWith('flow.exception_policy') &&
      match['flow.exception_policy[0].target'] !== 'stream_midstream'
    )
      return 'checks flow.exception_policy (exception policies are not emulated)';
    if (/^app_proto(_orig|_ts|_tc|_expected)?$/.test(k) && typeof v === 'string' && !APP_PROTOS.has(v))
      return `checks app_proto ${v} (not parsed by moat)`;
  }
  return undefined;
}

/**
 * What the test's own suricata.yaml asks of eve-log: the alert payload options (`types: - alert: payload: yes …`)
 * and the optional fields (`types: - tls: custom: [client_handshake]`).
 */
/**
 * The settings of the test's suricata.yaml moat emulates, as the `--set` arguments that give them: the
 * `exception-policy` master switch and the per-host TCP overlap policies (`host-os-policy`).
 */
export function configSettings(dir: string): string[] {
  const p = join(dir, 'suricata.yaml');
  if (!existsSync(p)) return [];
  let doc: Record<string, unknown> | null;
  try {
    doc = parseYaml(readFileSync(p, 'utf8').replace(/^%YAML.*$/m, '')) as Record<string, unknown> | null;
  } catch {
    return [];
  }
  const out: string[] = [];
  const ep = doc?.['exception-policy'];
  if (typeof ep === 'string') out.push('--set', `exception-policy=${ep}`);
  const hop = doc?.['host-os-policy'];
  if (hop && typeof hop === 'object') {
    for (const [policy, hosts] of Object.entries(hop as Record<string, unknown>))
      if (Array.isArray(hosts) && hosts.length > 0)
        out.push('--set', `host-os-policy.${policy}=${hosts.map(String).join(',')}`);
  }
  return out;
}

/** The test's suricata.yaml EVE options (alert payload, tls custom fields, the dns logger's options). */
export function testEveConfig(dir: string): EveOptions {
  const p = join(dir, 'suricata.yaml');
  if (!existsSync(p)) return { alert: {}, custom: {} };
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(p, 'utf8').replace(/^%YAML.*$/m, ''));
  } catch {
    return { alert: {}, custom: {} };
  }
  return eveOptionsOf(doc);
}

/**
 * The rules' address and port variables: Suricata's defaults with the test's suricata.yaml `vars` over them (a
 * threshold file's `ip $NAME` names one of them).
 */
export function testVars(dir: string): Map<string, string> {
  const vars = new Map(DEFAULT_VARS);
  const p = join(dir, 'suricata.yaml');
  if (!existsSync(p)) return vars;
  let doc: { vars?: Record<string, Record<string, unknown> | null> } | null;
  try {
    doc = parseYaml(readFileSync(p, 'utf8').replace(/^%YAML.*$/m, '')) as typeof doc;
  } catch {
    return vars;
  }
  for (const group of ['address-groups', 'port-groups'])
    for (const [k, v] of Object.entries(doc?.vars?.[group] ?? {}))
      if (typeof v === 'string' || typeof v === 'number') vars.set(k, String(v));
  return vars;
}

function versionOf(v: unknown): number[] {
  return String(v)
    .split('.')
    .map((x) => Number(x) || 0)
    .concat([0, 0, 0])
    .slice(0, 3);
}

function cmp(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

interface TestYaml {
  pcap?: string | false;
  requires?: Record<string, unknown> & { pcap?: boolean };
  args?: string[];
  env?: Record<string, unknown>;
  command?: unknown;
  skip?: unknown;
  checks?: Array<Record<string, unknown>>;
  'exit-code'?: number;
}

/** A check that Suricata logged an error to its own log (suricata.json): what a refused configuration leaves. */
function isEngineErrorCheck(c: Record<string, unknown>): boolean {
  const f = c.filter as { filename?: string; match?: Record<string, unknown> } | undefined;
  return f?.filename === 'suricata.json' && f.match?.event_type === 'engine' && f.match.log_level === 'Error';
}

/** Why moat cannot honour a `requires` block (test- or check-level), or undefined when it can. */
export function requiresProblem(req: Record<string, unknown> | undefined | null): string | undefined {
  if (!req) return undefined;
  if (req['min-version'] !== undefined && cmp(EMULATED_VERSION, versionOf(req['min-version'])) < 0) {
    return `needs Suricata ≥ ${String(req['min-version'])} behaviour (moat follows ${EMULATED_VERSION.join('.')})`;
  }
  if (req['lt-version'] !== undefined && cmp(EMULATED_VERSION, versionOf(req['lt-version'])) >= 0) {
    return `describes Suricata < ${String(req['lt-version'])} behaviour`;
  }
  if (req.version !== undefined) {
    const want = String(req.version).split('.').map(Number);
    if (want.some((x, i) => x !== EMULATED_VERSION[i]))
      return `only for Suricata ${String(req.version)} (moat follows ${EMULATED_VERSION.join('.')})`;
  }
  const feats = (req.features as string[] | undefined) ?? [];
  const missing = feats.filter((f) => !FEATURES.has(f));
  if (missing.length > 0) return `needs feature(s) ${missing.join(', ')}`;
  for (const k of ['script', 'files', 'env', 'lambda', 'config'])
    if (req[k] !== undefined) return `requires ${k} (a Suricata build/config probe)`;
  return undefined;
}

/**
 * suricata-verify's `skip:` list: the test does not apply when a listed build feature is present (it describes a
 * build without it). Returns the reason, or undefined.
 */
export function skipWhen(skip: unknown): string | undefined {
  if (!Array.isArray(skip)) return undefined;
  for (const s of skip as Array<Record<string, unknown> | null>) {
    const f = s?.feature;
    if (typeof f === 'string' && FEATURES.has(f))
      return `describes a build without ${f} (skip: feature ${f})`;
  }
  return undefined;
}

/**
 * `--set` settings whose value is what moat does anyway (it computes JA4, ignores checksums when reading
 * captures) or that change nothing in eve.json (logging, run mode, rule path, data directory).
 */
const NEUTRAL_SETTINGS: RegExp[] = [
  /^stream\.checksum-validation=(no|false)$/,
  /^logging\./,
  /^default-rule-path=/,
  // Message and reference texts for alerts: moat has its own tables of both.
  /^classification-file=/,
  /^reference-config-file=/,
  /^stats\.interval=/,
  /^app-layer\.protocols\.tls\.ja4-fingerprints=(yes|true)$/,
  /^app-layer\.protocols\.(tls|http|dns)\.enabled=(yes|true)$/,
  // Adds decoder event counters to stats records only; a check on those is skipped as the stats event type.
  /^stats\.decoder-events=(yes|true)$/,
  // ignore is Suricata's default and moat's behaviour: a parser that fails stops for its flow, nothing else happens.
  /^app-layer\.error-policy=ignore$/,
  // Urgent bytes stay in the stream (Suricata's default urgent policy), as moat's reassembly keeps them.
  /^stream\.reassembly\.urgent\.policy=inline$/,
  // moat has no SSH parser: SSH payload is content-matched like any other, which is what `full` asks for.
  /^app-layer\.protocols\.ssh\.encryption-handling=full$/,
  // moat's anomaly records always include the stream engine's events.
  /^outputs\.\d+\.eve-log\.types\.\d+\.anomaly\.types\.stream=(yes|true)$/,
  // moat's datasets are always on; set files are written to the run's output (data) directory.
  /^datasets\.enabled=(yes|true)$/,
  /^datasets\.save-directory=\.$/,
  // Suricata 6 made ERSPAN type I always decoded (the setting is deprecated); moat always decodes it too.
  /^decoder\.erspan\.typeI\.enabled=(yes|true)$/,
];

const LAYER_LIMIT_SETTING =
  'app-layer.protocols.http.libhtp.default-config.response-body-decompress-layer-limit';

/** A stream setting moat's engine has (flow/stream-settings.ts); a bad value is left to the "not emulated" path. */
function streamSetting(kv: string, into: FlowTrackerOptions): boolean {
  try {
    return applyStreamSetting(kv, into);
  } catch {
    return false;
  }
}

/** The command-line options of a test, checked against what moat emulates: a reason when it does not. */
export function argsProblem(args: string[]): {
  problem?: string;
  pcap?: string;
  midstream?: boolean;
  /** `app-layer.protocols.tls.ja4-fingerprints=no`: tls events without JA4. */
  noTlsJa4?: boolean;
  /** libhtp's `response-body-decompress-layer-limit`. */
  layerLimit?: number;
  /** `threshold-file=…`: the test's threshold.config (relative to the test directory). */
  thresholdFile?: string;
  /** The stream settings given (stream.async-oneside, stream.midstream-policy …), for the flow engine. */
  stream?: FlowTrackerOptions;
  /** moat refuses these settings as Suricata's IDS mode does (the ConfigError's message). */
  refused?: string;
  /** libhtp's request-/response-body-limit. */
  bodyLimits?: { requestBodyLimit?: number };
  /** `-T` or `--engine-analysis`: Suricata loads its configuration and rules, then exits; no capture is read. */
  loadOnly?: '-T' | '--engine-analysis';
  /** `-S FILE`: the rules file, instead of the test's one `*.rules`. */
  rulesFile?: string;
  /** `-c FILE`: the configuration; undefined for the test's own suricata.yaml or Suricata's default one. */
  configFile?: string;
  /** IP reputation: `reputation-categories-file`, `reputation-files`, `default-reputation-path`. */
  reputation?: ReputationSettings;
} {
  const toks = args.flatMap((a) => a.split(/\s+/)).filter((x) => x !== '');
  const loadOnly = toks.find((t): t is '-T' | '--engine-analysis' => t === '-T' || t === '--engine-analysis');
  let rulesFile: string | undefined;
  let configFile: string | undefined;
  let reputation: ReputationSettings | undefined;
  let pcap: string | undefined;
  let midstream: boolean | undefined;
  let noTlsJa4: boolean | undefined;
  let layerLimit: number | undefined;
  let thresholdFile: string | undefined;
  const stream: FlowTrackerOptions = {};
  let bodyLimits: { requestBodyLimit?: number } | undefined;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t === '-k') {
      if (toks[i + 1] !== 'none') return { problem: `checksum mode -k ${toks[i + 1]}` };
      i++;
    } else if (t === '--runmode') i++;
    else if (/^--runmode=/.test(t) || /^--data-dir=/.test(t) || t === '--no-random') continue;
    else if (t === '-r') pcap = toks[++i];
    else if (t === '-S') rulesFile = toks[++i];
    else if (t === '-c') configFile = toks[++i];
    else if (t === '-l') i++;
    else if (t === loadOnly || /^-v+$/.test(t)) continue;
    // Makes Suricata refuse rules with keywords it deprecated; moat's refusals are its own.
    else if (/^--strict-rule-keywords(=|$)/.test(t)) continue;
    else if (t === '--set') {
      const kv = toks[++i] ?? '';
      const rep = /^(reputation-categories-file|reputation-files|default-reputation-path)=(.*)$/.exec(kv);
      if (rep) {
        reputation ??= {};
        if (rep[1] === 'reputation-categories-file') reputation.categoriesFile = rep[2];
        else if (rep[1] === 'reputation-files') reputation.files = [rep[2]];
        else reputation.path = rep[2];
        continue;
      }
      // Loading rules only, a setting of the run (an app-layer parser switched on, a limit) changes nothing moat
      // checks; a rule that needs a protocol moat lacks is refused by name.
      if (loadOnly && !kv.startsWith('threshold-file=')) continue;
      const ms = /^stream\.midstream=(true|yes|false|no)$/.exec(kv);
      if (ms) midstream = ms[1] === 'true' || ms[1] === 'yes';
      else if (streamSetting(kv, stream)) continue;
      else if (/^app-layer\.protocols\.tls\.ja4-fingerprints=(no|false)$/.test(kv)) noTlsJa4 = true;
      else if (/^stream\.reassembly\.urgent\./.test(kv))
        return {
          problem: `setting ${kv} (not emulated: moat's decoder does not keep the urgent pointer, so urgent bytes stay in the stream as with the inline policy)`,
        };
      else if (/^detect\.guess-applayer-tx=(true|yes)$/.test(kv))
        return {
          problem: `setting ${kv} (not emulated: Suricata then alerts on the next packet of a transaction's direction with a guessed tx; moat matches each transaction when it is complete)`,
        };
      else if (/^app-layer\.protocols\.ssh\.encryption-handling=(default|bypass)$/.test(kv))
        return { problem: `setting ${kv} (moat has no SSH parser to tell encrypted SSH from its handshake)` };
      else if (/^app-layer\.protocols\.http\.libhtp\.default-config\.lzma-enabled=(yes|true)$/.test(kv))
        return { problem: `setting ${kv} (LZMA content coding: Node has no LZMA decoder)` };
      else if (kv.startsWith(`${LAYER_LIMIT_SETTING}=`)) {
        try {
          layerLimit = decompressLayerLimit(kv.slice(LAYER_LIMIT_SETTING.length + 1));
        } catch (err) {
          return { problem: `setting ${kv}: ${err instanceof Error ? err.message : String(err)}` };
        }
      } else if (kv.startsWith(`${REQUEST_BODY_LIMIT_KEY}=`)) {
        // libhtp's request-body-limit is the parser option it is (it bounds request files). response-body-limit stays
        // "not emulated": beyond the file's size it sets how deep `file_data` inspects, and moat inspects a fixed window.
        try {
          bodyLimits = {
            ...bodyLimits,
            requestBodyLimit: sizeSetting(REQUEST_BODY_LIMIT_KEY, kv.slice(kv.indexOf('=') + 1)),
          };
        } catch (err) {
          return { problem: `setting ${kv}: ${err instanceof Error ? err.message : String(err)}` };
        }
      } else if (kv.startsWith('threshold-file='))
        thresholdFile = kv.slice('threshold-file='.length).replace(/^\$\{?TEST_DIR\}?\//, '');
      else if (!NEUTRAL_SETTINGS.some((re) => re.test(kv)))
        return { problem: `setting ${kv} (not emulated)` };
    } else if (t === '--simulate-ips') return { problem: 'IPS mode (--simulate-ips)' };
    else return { problem: `option ${t} (not emulated)` };
  }
  const out: ReturnType<typeof argsProblem> = { pcap, midstream };
  if (Object.keys(stream).length > 0) {
    out.stream = stream;
    try {
      checkStreamSettings({ ...stream, midstream: midstream ?? false });
    } catch (err) {
      out.refused = err instanceof Error ? err.message : String(err);
    }
  }
  if (loadOnly) out.loadOnly = loadOnly;
  if (rulesFile !== undefined) out.rulesFile = rulesFile;
  if (configFile !== undefined) out.configFile = configFile;
  if (reputation) out.reputation = reputation;
  if (noTlsJa4) out.noTlsJa4 = true;
  if (layerLimit !== undefined) out.layerLimit = layerLimit;
  if (thresholdFile !== undefined) out.thresholdFile = thresholdFile;
  if (bodyLimits) out.bodyLimits = bodyLimits;
  return out;
}

/** What the run leaves for `shell` and `file-compare` checks: eve.json, fast.log and the dataset files rules save. */
function writeOutputs(outDir: string, events: Json[], matcher: RuleMatcher | undefined): void {
  writeFileSync(join(outDir, 'eve.json'), events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  writeFileSync(join(outDir, 'fast.log'), fastLogText(events));
  matcher?.datasets.saveAll(outDir);
}

export async function runTest(dir: string): Promise<Outcome> {
  const name = dir.split('/').pop() ?? dir;
  const yamlPath = join(dir, 'test.yaml');
  if (!existsSync(yamlPath)) return { test: name, result: 'skip', reason: 'no test.yaml (held back)' };
  let t: TestYaml;
  try {
    t = (parseYaml(readFileSync(yamlPath, 'utf8')) ?? {}) as TestYaml;
  } catch (err) {
    return { test: name, result: 'skip', reason: `test.yaml unreadable: ${String(err)}` };
  }
  const req = requiresProblem(t.requires);
  if (req) return { test: name, result: 'skip', reason: req };
  const sk = skipWhen(t.skip);
  if (sk) return { test: name, result: 'skip', reason: sk };
  let args = t.args ?? [];
  if (t.command !== undefined) {
    // A custom command is a Suricata command line: its arguments are handled as args are.
    const c = commandArgs(t.command, resolve(dir));
    if (!c.args) return { test: name, result: 'skip', reason: `runs a custom command: ${c.problem ?? ''}` };
    args = c.args;
  }
  // suricata-verify runs every test whose name says "ips" in IPS mode.
  if (name.includes('ips')) return { test: name, result: 'skip', reason: 'IPS mode (test name has "ips")' };
  // `-c ${SRCDIR}/suricata.yaml`: Suricata's default configuration, not the test's.
  const isOwn = (cf: string | undefined): boolean => cf === undefined || !isSuricataDefaultConfig(cf);
  // The test's suricata.yaml settings go first: a --set of the same key overrides them, as in Suricata.
  const a = argsProblem([...(isOwn(argsProblem(args).configFile) ? configSettings(dir) : []), ...args]);
  const ownConfig = isOwn(a.configFile);
  if (a.problem) return { test: name, result: 'skip', reason: `runs Suricata with ${a.problem}` };
  if (a.refused !== undefined) {
    // Suricata refuses the configuration too when the test expects it to exit with an error and log it.
    const expected = (t['exit-code'] ?? 0) !== 0 && (t.checks ?? []).every(isEngineErrorCheck);
    return expected
      ? { test: name, result: 'pass' }
      : { test: name, result: 'fail', reason: `moat refuses the settings: ${a.refused}` };
  }
  const expectExit = Number(t['exit-code'] ?? 0);
  // suricata-verify runs Suricata with --init-errors-fatal: a test expecting a non-zero exit expects it to stop at
  // start-up (a rule, data file or configuration refused) — moat's equivalent is refusing the same input.
  const startupOnly = a.loadOnly !== undefined || expectExit !== 0;
  // `requires: pcap: false` says the test needs no capture of its own; one it names is still read.
  if (!startupOnly && (t.pcap === false || (t.requires?.pcap === false && !t.pcap && !a.pcap)))
    return { test: name, result: 'skip', reason: 'no capture (pcap: false)' };
  const filters: FilterCheck[] = [];
  const shells: ShellCheck[] = [];
  const compares: FileCompareCheck[] = [];
  // Checks on what only Suricata writes (its counters, its log text, its engine analysis) are left out. A test's
  // other checks still run, so a failure among them is seen; a test whose other checks all hold stays a skip that
  // names what was left out, not a pass.
  let leftOut: string | undefined;
  // rules.json checks of an --engine-analysis run, held against moat's own analysis of the rules.
  const ruleChecks: FilterCheck[] = [];
  for (const c of t.checks ?? []) {
    if ('shell' in c) {
      const sh = c.shell as ShellCheck;
      const only = suricataOnlyOutput(String(sh.args));
      if (only) leftOut ??= `checks ${only}`;
      else shells.push(sh);
      continue;
    }
    if ('file-compare' in c) {
      compares.push(c['file-compare'] as FileCompareCheck);
      continue;
    }
    if ('stats' in c) {
      leftOut ??= "checks Suricata's stats counters (a stats check)";
      continue;
    }
    if (!('filter' in c)) return { test: name, result: 'skip', reason: `uses a ${Object.keys(c)[0]} check` };
    const f = c.filter as FilterCheck & { filename?: string; requires?: Record<string, unknown> };
    // A check whose requirements are not met is left out, as suricata-verify does.
    if (f.requires && requiresProblem(f.requires)) continue;
    if (f.filename === 'rules.json' && a.loadOnly === '--engine-analysis') {
      ruleChecks.push(f);
      continue;
    }
    if (f.filename && f.filename !== 'eve.json') {
      leftOut ??= `checks ${suricataOnlyOutput(f.filename) ?? f.filename}`;
      continue;
    }
    const mp = matchProblem(f.match);
    if (mp && f.match?.event_type === 'stats') {
      leftOut ??= mp;
      continue;
    }
    if (mp) return { test: name, result: 'skip', reason: mp };
    filters.push(f);
  }
  const runnable = filters.length + shells.length + compares.length;
  if (runnable === 0 && !startupOnly)
    return { test: name, result: 'skip', reason: leftOut ?? 'no eve.json checks moat can run' };
  // suricata-verify loads the test's one *.rules file (any name) unless -S names one; none: detection is off.
  const files = readdirSync(dir);
  const ruleFiles = a.rulesFile ? [a.rulesFile] : files.filter((f) => f.endsWith('.rules'));
  if (ruleFiles.length > 1) return { test: name, result: 'skip', reason: 'more than one rules file' };
  const vars = ownConfig ? testVars(dir) : new Map(DEFAULT_VARS);
  const startup = loadForTest(dir, ruleFiles[0], { ...a, expectFailure: expectExit !== 0 }, vars, ownConfig);
  if (startupOnly) {
    const hasInput = ruleFiles.length > 0 || a.reputation !== undefined;
    if (ruleChecks.length > 0 && !startup.refused && !startup.error) {
      const r = engineAnalysisChecks(startup.rules ?? [], ruleChecks);
      if (r.fail) return { test: name, result: 'fail', reason: r.fail };
      leftOut ??= r.leftOut;
    }
    const o = startupOutcome(name, startup, expectExit, hasInput, leftOut);
    // Checks on the output of a run that stopped at start-up see no events and no files.
    return o.result === 'pass' && runnable > 0
      ? checkOutputs(o, [], filters, shells, compares, dir, undefined)
      : o;
  }
  if (startup.refused) return { test: name, result: 'skip', reason: startup.refused };
  if (startup.error)
    return { test: name, result: 'fail', reason: `moat refuses the input: ${startup.error}` };
  const pcapArg = t.pcap ?? a.pcap?.replace(/^\$\{?TEST_DIR\}?\//, '');
  const pcaps = pcapArg
    ? [resolve(dir, pcapArg)]
    : files.filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(dir, f));
  if (pcaps.length > 1) return { test: name, result: 'skip', reason: 'more than one capture' };
  const pcap = pcaps[0];
  if (!pcap || !existsSync(pcap))
    return { test: name, result: 'skip', reason: 'capture not found (held back)' };
  const eve = ownConfig ? testEveConfig(dir) : { alert: {}, custom: {} };
  // suricata-verify's environment override of the dns logger's version.
  const envDns = t.env?.SURICATA_EVE_DNS_VERSION;
  if (envDns !== undefined) eve.custom.dns = { ...eve.custom.dns, version: Number(envDns) === 2 ? 2 : 3 };
  if (a.noTlsJa4) eve.custom.tlsJa4 = false;
  const matcher = startup.matcher;
  let events: Json[];
  try {
    events = (
      await analyzeToEvents(pcap, {
        inspectors: matcher ? [new RuleInspector(matcher, true)] : [],
        eveCustom: eve.custom,
        alertOutput: eve.alert,
        http: {
          ...eve.http,
          ...a.bodyLimits,
          ...(a.layerLimit !== undefined ? { decode: { layerLimit: a.layerLimit } } : {}),
        },
        // Suricata's default is stream.midstream: false; tests that want pickup say so.
        // Its midstream policy is auto, ignore in IDS mode: Suricata 8 names it on the flows it applies to.
        // (The exception-policy master switch, when set, gives the midstream policy instead.)
        flow: {
          ...(a.stream?.exceptionPolicy === undefined ? { midstreamPolicy: 'ignore' as const } : {}),
          ...a.stream,
          midstream: a.midstream ?? false,
        },
      })
    ).events as Json[];
  } catch (err) {
    return {
      test: name,
      result: 'fail',
      reason: `analysis failed: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  const ran = checkOutputs({ test: name, result: 'pass' }, events, filters, shells, compares, dir, matcher);
  if (ran.result === 'pass' && leftOut)
    return { test: name, result: 'skip', reason: `${leftOut} (its other checks hold)` };
  return ran;
}

/**
 * rules.json checks against moat's analysis of the loaded rules (engine-analysis.ts). A check on a field moat's
 * analysis does not write (the fast pattern, inspection engines, a list it does not describe) is left out and named;
 * the others must hold.
 */
function engineAnalysisChecks(rules: Rule[], checks: FilterCheck[]): { fail?: string; leftOut?: string } {
  const records = rules.map(analyzeRule);
  let leftOut: string | undefined;
  for (const f of checks) {
    const match = f.match ?? {};
    const chosen = match.id === undefined ? records : records.filter((r) => r.id === match.id);
    const missing = Object.keys(match).find((k) => !chosen.some((r) => hasField(r, k)));
    if (missing !== undefined) {
      leftOut ??= `checks rules.json field ${missing} (Suricata's engine internals; moat's rule analysis does not write it)`;
      continue;
    }
    const why = runFilter(records, f);
    if (why) return { fail: `rules.json: ${why}` };
  }
  return { leftOut };
}

/** Runs the filters on the events, then the shell and file-compare checks on an output directory holding them. */
function checkOutputs(
  held: Outcome,
  events: Json[],
  filters: FilterCheck[],
  shells: ShellCheck[],
  compares: FileCompareCheck[],
  dir: string,
  matcher: RuleMatcher | undefined,
): Outcome {
  const fail = (reason: string): Outcome => ({ test: held.test, result: 'fail', reason });
  for (const f of filters) {
    const why = runFilter(events, f);
    if (why) return fail(why);
  }
  if (shells.length + compares.length === 0) return held;
  const outDir = mkdtempSync(join(tmpdir(), 'moat-sv-'));
  try {
    if (events.length > 0 || matcher) writeOutputs(outDir, events, matcher);
    const env = { testDir: dir, outputDir: outDir };
    for (const sh of shells) {
      const why = runShellCheck(sh, env);
      if (why) return fail(why);
    }
    for (const fc of compares) {
      const why = runFileCompare(fc, env);
      if (why) return fail(why);
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
  return held;
}

/**
 * The test directories under `root`: a folder with a `test.yaml` is a test; a folder without one is a group
 * (`dns/`, `tls/`, `http-evader/` …) when it holds sub-folders, else a held-back test (a capture alone).
 * Names are paths relative to `root` (`dns/v2/dns-incomplete`), so `--only` can select a group.
 */
export function listTests(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    const dir = rel === '' ? root : join(root, rel);
    const entries = readdirSync(dir, { withFileTypes: true });
    const subdirs = entries.filter((d) => d.isDirectory()).map((d) => d.name);
    const isTest = rel !== '' && (entries.some((d) => d.name === 'test.yaml') || subdirs.length === 0);
    if (isTest) {
      out.push(rel);
      return;
    }
    for (const s of subdirs) walk(rel === '' ? s : `${rel}/${s}`);
  };
  walk('');
  return out.sort();
}

export async function runAll(root: string, only?: RegExp): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const rel of listTests(root)) {
    if (only && !only.test(rel)) continue;
    const o = await runTest(join(root, rel));
    out.push({ ...o, test: rel });
  }
  return out;
}
