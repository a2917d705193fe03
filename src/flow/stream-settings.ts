/**
 * The stream engine's settings as Suricata's suricata.yaml keys name them (`stream.midstream`,
 * `stream.async-oneside`, `stream.midstream-policy`, `stream.reassembly.depth`, and the flow key's
 * `decoder.recursion-level.use-for-tracking`), given as `KEY=VALUE` (`moat analyze --set`). They map onto
 * FlowTrackerOptions; an unknown value, or a combination Suricata's IDS mode refuses, is a ConfigError naming the
 * key. moat observes (IDS): the exception policies that drop or reject traffic need an inline engine.
 */
import { ConfigError } from '../framework/errors.js';
import type { FlowTrackerOptions, MidstreamPolicy } from './options.js';
import { applyHostOsPolicy } from './os-policy.js';

/** The keys this module understands. */
export const STREAM_SETTING_KEYS = [
  'stream.midstream',
  'stream.async-oneside',
  'stream.midstream-policy',
  'stream.reassembly.depth',
  'decoder.recursion-level.use-for-tracking',
  'exception-policy',
  'app-layer.protocols.tls.encryption-handling',
  'stream.bypass',
  'host-os-policy.<policy>',
];

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** A suricata.yaml size: bytes, or a number with kb/mb/gb (powers of 1024, as Suricata reads them). */
function size(key: string, value: string): number {
  const m = /^(\d+)\s*([kmg]?b?)$/i.exec(value);
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined)
    throw new ConfigError(`${key}: expected a size (50, 64kb, 1mb), got '${value}'`);
  return Number(m[1]) * unit;
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);
const POLICIES = new Set([
  'auto',
  'ignore',
  'pass-flow',
  'pass-packet',
  'bypass',
  'drop-flow',
  'drop-packet',
  'reject',
]);

function bool(key: string, value: string): boolean {
  const v = value.toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new ConfigError(`${key}: expected true or false, got '${value}'`);
}

/** `app-layer.protocols.<proto>[.tcp|.udp].detection-ports.dp`: the destination ports of a protocol. */
const DETECTION_PORTS = /^app-layer\.protocols\.([a-z0-9_-]+)\.(?:(tcp|udp)\.)?detection-ports\.dp$/;

/** A Suricata port list as detection ports take it: `53`, `[53, 5353]`, `53,5353`. */
function portList(key: string, value: string): number[] {
  const items = value
    .replace(/^\[|\]$/g, '')
    .split(',')
    .map((x) => x.trim());
  const ports = items.map(Number);
  if (items.some((x) => !/^\d+$/.test(x)) || ports.some((p) => p < 1 || p > 65535))
    throw new ConfigError(`${key}: expected ports such as 53 or [53, 5353], got '${value}'`);
  return ports;
}

/**
 * Applies one `KEY=VALUE` to `opts`: true when the key is a stream setting, false when it is not one (the caller
 * may know it); a stream key with a bad value throws.
 */
export function applyStreamSetting(kv: string, opts: FlowTrackerOptions): boolean {
  const eq = kv.indexOf('=');
  const key = eq < 0 ? kv : kv.slice(0, eq);
  if (key.startsWith('host-os-policy.') && eq >= 0) {
    applyHostOsPolicy(key, kv.slice(eq + 1), (opts.hostOsPolicy ??= {}));
    return true;
  }
  const dp = DETECTION_PORTS.exec(key);
  if (dp) {
    if (eq < 0) throw new ConfigError(`${key}: needs a value (${key}=PORTS)`);
    const ports = portList(key, kv.slice(eq + 1).trim());
    // No transport named: Suricata reads the protocol's own detection-ports for both.
    const dpOpts = (opts.detectionPorts = { ...opts.detectionPorts });
    for (const t of dp[2] ? [dp[2] as 'tcp' | 'udp'] : (['tcp', 'udp'] as const))
      dpOpts[t] = { ...dpOpts[t], [dp[1]]: ports };
    return true;
  }
  if (!STREAM_SETTING_KEYS.includes(key)) return false;
  if (eq < 0) throw new ConfigError(`${key}: needs a value (${key}=VALUE)`);
  const value = kv.slice(eq + 1).trim();
  if (key === 'stream.midstream') opts.midstream = bool(key, value);
  else if (key === 'stream.async-oneside') opts.asyncOneside = bool(key, value);
  else if (key === 'stream.reassembly.depth') opts.reassemblyDepth = size(key, value);
  else if (key === 'decoder.recursion-level.use-for-tracking') opts.recursionTracking = bool(key, value);
  else if (key === 'stream.bypass') opts.streamBypass = bool(key, value);
  else if (key === 'app-layer.protocols.tls.encryption-handling') {
    if (value !== 'default' && value !== 'bypass' && value !== 'full')
      throw new ConfigError(`${key}: expected default, bypass or full, got '${value}'`);
    opts.tlsEncryption = value;
  } else {
    if (!POLICIES.has(value))
      throw new ConfigError(`${key}: unknown exception policy '${value}' (${[...POLICIES].join(', ')})`);
    if (key === 'exception-policy') opts.exceptionPolicy = value as MidstreamPolicy;
    else opts.midstreamPolicy = value as MidstreamPolicy;
  }
  return true;
}

/**
 * Checks the midstream policy against the midstream setting as Suricata's IDS mode does (its "Exception Policy
 * Behaviors - IDS Mode" table): with pickup enabled only ignore and pass-flow are valid; with it disabled ignore,
 * pass-flow and bypass are. Packet actions never are (the policy is about the whole flow), and dropping or
 * rejecting needs an inline engine. `auto` is ignore in IDS mode.
 */
export function checkStreamSettings(opts: FlowTrackerOptions): void {
  const p = opts.midstreamPolicy;
  if (p === undefined) {
    masterMidstreamPolicy(opts.exceptionPolicy);
    return;
  }
  if (p === 'auto') {
    opts.midstreamPolicy = 'ignore';
    return;
  }
  const midstream = opts.midstream ?? true;
  const valid = midstream
    ? p === 'ignore' || p === 'pass-flow'
    : p !== 'pass-packet' && !/^drop|^reject/.test(p);
  if (!valid)
    throw new ConfigError(
      `stream.midstream-policy=${p} is not valid with stream.midstream=${midstream} in IDS mode (valid: ${midstream ? 'ignore, pass-flow' : 'ignore, pass-flow, bypass'})`,
    );
}

/** All `KEY=VALUE` settings into flow options; a key that is not a stream setting is a ConfigError. */
export function streamOptionsOf(
  settings: readonly string[],
  base: FlowTrackerOptions = {},
): FlowTrackerOptions {
  const opts: FlowTrackerOptions = { ...base };
  for (const kv of settings) {
    if (!applyStreamSetting(kv, opts))
      throw new ConfigError(
        `--set ${kv}: unknown setting (known: ${STREAM_SETTING_KEYS.join(', ')}, app-layer.protocols.PROTO[.tcp|.udp].detection-ports.dp)`,
      );
  }
  checkStreamSettings(opts);
  return opts;
}

/**
 * The midstream policy the `exception-policy` master switch gives when stream.midstream-policy is not set, as
 * Suricata 8 derives it in IDS mode: drop-flow and drop-packet are ignored there (no inline engine), auto is ignore,
 * bypass and pass-flow apply whether midstream pickup is on or off (the pickup check is only for a policy set on its
 * own). pass-packet is refused, as Suricata refuses it for the midstream policy; reject needs an inline engine.
 */
export function masterMidstreamPolicy(master: MidstreamPolicy | undefined): MidstreamPolicy | undefined {
  if (master === undefined) return undefined;
  if (master === 'bypass' || master === 'pass-flow') return master;
  if (master === 'pass-packet' || master === 'reject')
    throw new ConfigError(
      `exception-policy=${master} is not valid for stream.midstream-policy in IDS mode (${master === 'reject' ? 'rejecting needs an inline engine' : 'the policy is about the whole flow'})`,
    );
  return 'ignore';
}
