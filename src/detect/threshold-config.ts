/**
 * Suricata's threshold.config (`threshold-file`): per-sensor alert tuning applied to loaded rules.
 *
 *   threshold|event_filter gen_id G, sig_id S, type limit|threshold|both, track by_src|by_dst|by_rule|by_both|by_flow,
 *     count N, seconds T
 *   rate_filter gen_id G, sig_id S, track by_src|by_dst|by_rule|by_both, count N, seconds T,
 *     new_action alert|drop|pass|reject|log|sdrop, timeout T
 *   suppress gen_id G, sig_id S[, track by_src|by_dst|by_either, ip ADDRESSES]
 *
 * `sig_id 0` names every rule of generator G, `gen_id 0, sig_id 0` every rule. Precedence as Suricata's: a
 * suppression adds to whatever the rule has; a threshold naming one rule replaces the rule's own
 * threshold/detection_filter; a rate filter naming one rule, and any entry naming all rules, leaves a rule that
 * already has a threshold (its own or an earlier entry's) alone. Comments (#), blank lines and a trailing
 * backslash (continuation) are as in rule files. Every bad line is reported with file and line; unlike Suricata,
 * which then ignores the whole file unless testing the configuration, callers refuse to run on it.
 */
import { readFileSync } from 'node:fs';
import { RuleError, type RateFilterAction, type Rule, type Suppression, type Threshold } from './rule.js';
import { parseAddress, splitGroup } from './parse/address.js';
import { DEFAULT_VARS } from './ruleset.js';

export interface ThresholdEntry {
  kind: 'threshold' | 'rate_filter' | 'suppress';
  gid: number;
  sid: number;
  /** threshold, event_filter, rate_filter. */
  threshold?: Threshold;
  /** suppress with a track; a suppress without one silences the rules it names. */
  suppression?: Suppression;
  /** Where the entry is written, for messages. */
  file: string;
  line: number;
}

export interface ThresholdConfigError {
  file: string;
  line: number;
  message: string;
}

export interface ThresholdConfig {
  entries: ThresholdEntry[];
  errors: ThresholdConfigError[];
}

const HEAD =
  /^(event_filter|threshold|rate_filter|suppress)\s+gen_id\s+(\d+)\s*,\s*sig_id\s+(\d+)\s*(?:,(.*))?$/;

const THRESHOLD_TYPES = new Set(['limit', 'threshold', 'both']);
const THRESHOLD_TRACKS = new Set(['by_src', 'by_dst', 'by_rule', 'by_both', 'by_flow']);
const RATE_TRACKS = new Set(['by_src', 'by_dst', 'by_rule', 'by_both']);
const SUPPRESS_TRACKS = new Set(['by_src', 'by_dst', 'by_either']);
const NEW_ACTIONS = new Set(['alert', 'drop', 'pass', 'reject', 'log', 'sdrop']);

/** Ids and counts are unsigned 32-bit in Suricata. */
const U32_MAX = 0xffffffff;

class LineError extends Error {}

function u32(v: string | undefined, what: string, min: number): number {
  if (v === undefined || !/^\d+$/.test(v))
    throw new LineError(`${what} must be a whole number, got '${v ?? ''}'`);
  const n = Number(v);
  if (n < min || n > U32_MAX) throw new LineError(`${what} must be from ${min} to ${U32_MAX}, got ${v}`);
  return n;
}

/** The "name value" options after sig_id, split at top-level commas (an ip list has commas in brackets). */
function optionsOf(rest: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (rest === undefined) return out;
  if (rest.trim() === '') throw new LineError("nothing after the last ','");
  let parts: string[];
  try {
    parts = splitGroup(`[${rest}]`, 'entry');
  } catch (err) {
    throw new LineError(err instanceof RuleError ? err.detail : String(err));
  }
  for (const part of parts) {
    const m = /^([a-z_]+)\s+(.+)$/s.exec(part);
    if (!m) throw new LineError(`'${part}' is not 'name value'`);
    if (out.has(m[1])) throw new LineError(`${m[1]} given twice`);
    out.set(m[1], m[2].trim());
  }
  return out;
}

function only(opts: Map<string, string>, allowed: readonly string[], kind: string): void {
  for (const k of opts.keys())
    if (!allowed.includes(k))
      throw new LineError(`${kind} takes ${allowed.join(', ')}; '${k}' is not one of them`);
  for (const k of allowed) if (!opts.has(k)) throw new LineError(`${kind} needs ${k}`);
}

function oneOf<T extends string>(v: string | undefined, set: ReadonlySet<string>, what: string): T {
  if (v === undefined || !set.has(v))
    throw new LineError(`${what} must be ${[...set].join(', ')}, got '${v ?? ''}'`);
  return v as T;
}

function parseEntry(text: string, vars: ReadonlyMap<string, string>): Omit<ThresholdEntry, 'file' | 'line'> {
  const m = HEAD.exec(text);
  if (!m) {
    const word = /^\S+/.exec(text)?.[0] ?? '';
    if (!/^(event_filter|threshold|rate_filter|suppress)$/.test(word))
      throw new LineError(`'${word}' is not threshold, event_filter, rate_filter or suppress`);
    throw new LineError(`expected '${word} gen_id <number>, sig_id <number>, …'`);
  }
  const gid = u32(m[2], 'gen_id', 0);
  const sid = u32(m[3], 'sig_id', 0);
  // Suricata refuses a sid without its generator: sids are only unique within one.
  if (gid === 0 && sid !== 0) throw new LineError(`sig_id ${sid} needs its gen_id (0 names every generator)`);
  const opts = optionsOf(m[4]);
  if (m[1] === 'suppress') {
    if (opts.size === 0) return { kind: 'suppress', gid, sid };
    only(opts, ['track', 'ip'], 'suppress');
    const track = oneOf<Suppression['track']>(opts.get('track'), SUPPRESS_TRACKS, 'track');
    let addrs;
    try {
      addrs = parseAddress(opts.get('ip')!, vars);
    } catch (err) {
      throw new LineError(`ip: ${err instanceof RuleError ? err.detail : String(err)}`);
    }
    return { kind: 'suppress', gid, sid, suppression: { track, addrs } };
  }
  if (m[1] === 'rate_filter') {
    only(opts, ['track', 'count', 'seconds', 'new_action', 'timeout'], 'rate_filter');
    return {
      kind: 'rate_filter',
      gid,
      sid,
      threshold: {
        type: 'rate_filter',
        track: oneOf<Threshold['track']>(opts.get('track'), RATE_TRACKS, 'track'),
        count: u32(opts.get('count'), 'count', 1),
        seconds: u32(opts.get('seconds'), 'seconds', 0),
        newAction: oneOf<RateFilterAction>(opts.get('new_action'), NEW_ACTIONS, 'new_action'),
        timeout: u32(opts.get('timeout'), 'timeout', 0),
      },
    };
  }
  only(opts, ['type', 'track', 'count', 'seconds'], m[1]);
  return {
    kind: 'threshold',
    gid,
    sid,
    threshold: {
      type: oneOf<'limit' | 'threshold' | 'both'>(opts.get('type'), THRESHOLD_TYPES, 'type'),
      track: oneOf<Threshold['track']>(opts.get('track'), THRESHOLD_TRACKS, 'track'),
      count: u32(opts.get('count'), 'count', 1),
      seconds: u32(opts.get('seconds'), 'seconds', 0),
    },
  };
}

/** Parses a threshold.config text; `vars` resolves `ip $NAME` (the rules' address variables). */
export function parseThresholdConfig(
  text: string,
  file: string,
  vars: ReadonlyMap<string, string>,
): ThresholdConfig {
  const entries: ThresholdEntry[] = [];
  const errors: ThresholdConfigError[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    let t = lines[i];
    while (t.endsWith('\\') && i + 1 < lines.length) t = t.slice(0, -1) + lines[++i];
    t = t.trim();
    if (t === '' || t.startsWith('#')) continue;
    try {
      entries.push({ ...parseEntry(t, vars), file, line });
    } catch (err) {
      if (!(err instanceof LineError)) throw err;
      errors.push({ file, line, message: err.message });
    }
  }
  return { entries, errors };
}

export function loadThresholdFile(
  file: string,
  vars: ReadonlyMap<string, string> = new Map(DEFAULT_VARS),
): ThresholdConfig {
  return parseThresholdConfig(readFileSync(file, 'utf8'), file, vars);
}

export function formatThresholdError(e: ThresholdConfigError): string {
  return `${e.file}:${e.line}: ${e.message}`;
}

/** The rule and its client-certificate twin (one signature in Suricata: they share settings and counters). */
function setOn(r: Rule, f: (x: Rule) => void): void {
  f(r);
  if (r.clientCertTwin) f(r.clientCertTwin);
}

/**
 * Applies the entries to the rules, in file order (later entries see what earlier ones set). Returns warnings:
 * entries naming a rule that is not loaded, or left unapplied because the rule keeps its own threshold.
 */
export function applyThresholdConfig(rules: readonly Rule[], entries: readonly ThresholdEntry[]): string[] {
  const warnings: string[] = [];
  const byId = new Map<string, Rule>();
  for (const r of rules) byId.set(`${r.gid}:${r.sid}`, r);
  const listOf = (r: Rule): Threshold[] => r.thresholds ?? (r.threshold ? [r.threshold] : []);
  for (const e of entries) {
    const where = `${e.file}:${e.line}`;
    const targets =
      e.sid !== 0
        ? [byId.get(`${e.gid}:${e.sid}`)].filter((r): r is Rule => r !== undefined)
        : rules.filter((r) => e.gid === 0 || r.gid === e.gid);
    if (e.sid !== 0 && targets.length === 0) {
      warnings.push(`${where}: no loaded rule has gen_id ${e.gid}, sig_id ${e.sid}`);
      continue;
    }
    for (const r of targets) {
      if (e.kind === 'suppress') {
        const s = e.suppression;
        setOn(r, (x) => (s ? (x.suppress = [...(x.suppress ?? []), s]) : (x.suppressAll = true)));
        continue;
      }
      const th = e.threshold!;
      const list = listOf(r);
      if (e.sid === 0 || e.kind === 'rate_filter') {
        // Wildcards and rate filters do not override a threshold the rule already has.
        if (list.length > 0) {
          if (e.sid !== 0)
            warnings.push(
              `${where}: sid ${r.sid} has its own threshold, which takes precedence over the rate_filter`,
            );
          continue;
        }
        setOn(r, (x) => (x.thresholds = [th]));
        continue;
      }
      // A threshold for this rule replaces the last one it has.
      const next = list.slice(0, Math.max(0, list.length - 1));
      next.push(th);
      setOn(r, (x) => (x.thresholds = next));
    }
  }
  return warnings;
}
