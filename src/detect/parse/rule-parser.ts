/**
 * Parses one rule line: `action proto src sport -> dst dport (options)`. Options are applied in order through the
 * keyword table; an unknown or unsupported keyword rejects this rule with an error naming the keyword and sid, and
 * the rule set goes on loading the rest.
 */
import { RuleError, type BufferName, type Rule, type RuleAction } from '../rule.js';
import { parseAddress } from './address.js';
import { parsePorts } from './ports.js';
import { splitOptions } from './options.js';
import { KEYWORDS } from '../keywords/index.js';
import { compactRule, ParsedRule, withFields } from './parsed-rule.js';
import { bufferProto } from '../app-buffers.js';
import { shared } from './strings.js';
import type { BuildContext } from '../keywords/context.js';

const ACTIONS: readonly RuleAction[] = [
  'alert',
  'pass',
  'drop',
  'reject',
  'rejectsrc',
  'rejectdst',
  'rejectboth',
];
const PROTOS = new Set([
  'ip',
  'ipv4',
  'ipv6',
  'tcp',
  'udp',
  'icmp',
  'icmpv6',
  'sctp',
  'pkthdr',
  'http',
  'http1',
  'http2',
  'tls',
  'dns',
  'ssh',
  'smtp',
  'ftp',
  'telnet',
  'mqtt',
  'tcp-pkt',
  'tcp-stream',
  'quic',
  'smb',
]);

const WHITESPACE_RUN = /\s+/;

/** Splits the header into its seven fields, keeping bracketed groups (which may contain spaces) whole. */
function headerFields(h: string): string[] {
  // Most headers have no group: one native split instead of a loop over every character.
  if (h.indexOf('[') < 0 && h.indexOf(']') < 0) {
    const f = h.split(WHITESPACE_RUN);
    if (f.length > 0 && f[f.length - 1] === '') f.pop();
    if (f.length > 0 && f[0] === '') f.shift();
    return f;
  }
  const out: string[] = [];
  let depth = 0;
  let from = -1;
  for (let i = 0; i < h.length; i++) {
    const c = h.charCodeAt(i);
    if (c === 0x5b) depth++;
    else if (c === 0x5d) depth--;
    // Whitespace as /\s/ knows it, without a regex test per character.
    const space = c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c > 0x7f && /\s/.test(h[i]));
    if (space && depth === 0) {
      if (from >= 0) out.push(h.slice(from, i));
      from = -1;
    } else if (from < 0) from = i;
  }
  if (from >= 0) out.push(h.slice(from));
  return out;
}

const RESPONSE_ONLY =
  /^(http\.(stat_code|stat_msg|response_line|server|location|response_body|response_header)|tls\.cert_|tls\.certs$|tls\.subjectaltname$|ja3s\.)/;
/** HTTP buffers of the request alone: a rule that has one is inspected on the request (Suricata's to_server-only engines). */
const REQUEST_ONLY =
  /^http\.(method|uri|request_line|request_body|request_header|user_agent|host|referer|accept)/;
const BOTH_SIDES = new Set([
  'file.name',
  'http.header',
  'http.header_names',
  'http.header.raw',
  'http.protocol',
  'http.start',
  'http.connection',
  'http.content_type',
  'http.content_len',
  'tls.random',
  'tls.random_time',
  'tls.random_bytes',
]);

/** Certificate buffers Suricata has both ways: the server's certificate to the client, the client's to the server. */
const CERT_BOTH_WAYS = /^tls\.cert_(subject|issuer|serial|fingerprint)$/;

/** A buffer name without its transforms ("http.uri|to_lowercase" → "http.uri"). */
function head(b: string): string {
  const bar = b.indexOf('|');
  return bar < 0 ? b : b.slice(0, bar);
}

/** What orienting a rule needs to know of a buffer (by its name without transforms), as bits. */
const RESPONSE = 1;
const REQUEST = 2;
const CERT = 4;
const BOTH = 8;
const FILE = 16;

/** Traits by buffer name: a few dozen names, looked up for every buffer of every app-layer rule at load. */
const TRAITS = new Map<string, number>();

function traits(h: string): number {
  let t = TRAITS.get(h);
  if (t === undefined) {
    t =
      (RESPONSE_ONLY.test(h) ? RESPONSE : 0) |
      (REQUEST_ONLY.test(h) ? REQUEST : 0) |
      (CERT_BOTH_WAYS.test(h) ? CERT : 0) |
      (BOTH_SIDES.has(h) ? BOTH : 0) |
      (h === 'file.data' || h === 'file.name' ? FILE : 0);
    TRAITS.set(h, t);
  }
  return t;
}

/**
 * A certificate rule that says flow:to_server inspects the client's certificate (buffers renamed `#ts`); one with no
 * direction gets a twin that does, beside itself on the server's. Rules naming other response-only buffers stay
 * on the server's side.
 */
function orientCertRule(rule: Rule): boolean {
  if (rule.flow.toClient === true) return false;
  const toClientSide = (b: BufferName): BufferName => {
    const [head, ...rest] = b.split('|');
    return (CERT_BOTH_WAYS.test(head) ? [`${head}#ts`, ...rest].join('|') : b) as BufferName;
  };
  const client = withFields(rule, {
    buffers: new Map([...rule.buffers].map(([k, v]) => [toClientSide(k), v])),
    datasets: rule.datasets.map((d) => ({ ...d, buffer: toClientSide(d.buffer) })),
    appDir: 0,
  });
  if (rule.flow.toServer === true) {
    Object.assign(rule, { buffers: client.buffers, datasets: client.datasets, appDir: 0 });
    return true;
  }
  rule.appDir = 1;
  rule.clientCertTwin = client;
  return true;
}

/** A buffer's name on the side a rule inspects: file.data is the request's or the response's body, `#tc` the response's. */
function renamed(b: BufferName, toClient: boolean): BufferName {
  const h = head(b);
  if (h === 'file.data')
    return ((toClient ? 'http.response_body' : 'http.request_body') + b.slice(h.length)) as BufferName;
  return (toClient && BOTH_SIDES.has(h) ? `${h}#tc${b.slice(h.length)}` : b) as BufferName;
}

/** The map with its keys renamed for one side; the map itself when no key changes (most rules). */
function renamedKeys<V>(m: Map<BufferName, V>, toClient: boolean): Map<BufferName, V> {
  let same = true;
  for (const k of m.keys())
    if (renamed(k, toClient) !== k) {
      same = false;
      break;
    }
  return same ? m : new Map([...m].map(([k, v]) => [renamed(k, toClient), v]));
}

/**
 * Which side of a transaction an app-layer rule inspects: the response when it names a response-only buffer or
 * says flow:to_client. Buffers both sides have (http.header, http.protocol …) then mean the response's.
 */
function orientAppRule(rule: Rule): void {
  const absent = rule.absent;
  if (
    rule.buffers.has('ip.src') ||
    rule.buffers.has('ip.dst') ||
    absent?.has('ip.src') ||
    absent?.has('ip.dst')
  )
    throw new RuleError(
      `only dataset/datarep can test the address (no content or pcre)`,
      undefined,
      rule.buffers.has('ip.src') || absent?.has('ip.src') ? 'ip.src' : 'ip.dst',
    );
  if (absent)
    for (const [b, mode] of absent)
      if (mode === 'only' && rule.buffers.has(b))
        throw new RuleError(
          `${b} must be absent, yet has matches (use absent: or_else)`,
          undefined,
          'absent',
        );
  // The traits of every buffer the rule names (its matches, datasets and absent tests), payload aside.
  let any = 0;
  let all = BOTH;
  let count = 0;
  const note = (b: string): void => {
    if (b === 'payload') return;
    const t = traits(head(b));
    any |= t;
    all &= t;
    count++;
  };
  for (const b of rule.buffers.keys()) note(b);
  for (const d of rule.datasets) note(d.buffer);
  if (absent) for (const b of absent.keys()) note(b);
  if (count === 0) return;
  // A certificate buffer both ways, and no other response-only one: see orientCertRule.
  if (any & CERT) {
    let otherResponse = false;
    const other = (b: string): void => {
      const t = b === 'payload' ? 0 : traits(head(b));
      if (t & RESPONSE && !(t & CERT)) otherResponse = true;
    };
    for (const b of rule.buffers.keys()) other(b);
    for (const d of rule.datasets) other(d.buffer);
    if (absent) for (const b of absent.keys()) other(b);
    if (!otherResponse && orientCertRule(rule)) return;
  }
  // file.data and file.name are of the file a transaction carries: the response's unless the rule says to_server
  // or has a request-only buffer (Suricata then keeps only the rule's to_server engines, the request's files).
  const fileToClient = (any & FILE) !== 0 && rule.flow.toServer !== true && (any & REQUEST) === 0;
  const toClient = rule.flow.toClient === true || fileToClient || (any & RESPONSE) !== 0;
  rule.appDir = toClient ? 1 : 0;
  // Only buffers both sides have and no direction: Suricata inspects the rule on the request and on the response
  // (`http.header; content:"Server: "` matches a response). The response's is a twin beside the rule.
  if (!toClient && rule.flow.toServer !== true && all & BOTH)
    rule.clientCertTwin = withFields(rule, {
      buffers: new Map([...rule.buffers].map(([k, v]) => [renamed(k, true), v])),
      datasets: rule.datasets.map((d) => ({ ...d, buffer: renamed(d.buffer, true) })),
      absent: absent && new Map([...absent].map(([k, v]) => [renamed(k, true), v])),
      appDir: 1,
    });
  rule.buffers = renamedKeys(rule.buffers, toClient);
  for (const d of rule.datasets) d.buffer = renamed(d.buffer, toClient);
  if (absent) rule.absent = renamedKeys(absent, toClient);
}

/** The app protocols a rule's header may name with each protocol's buffers (JA3/JA4 and QUIC share tls.*). */
const BUFFER_PROTOS: Record<'tls' | 'http' | 'dns', ReadonlySet<string>> = {
  tls: new Set(['tls', 'quic']),
  http: new Set(['http', 'http1']),
  dns: new Set(['dns']),
};
const APP_HEADER_PROTOS = new Set([
  'http',
  'http1',
  'tls',
  'dns',
  'ssh',
  'smtp',
  'ftp',
  'telnet',
  'mqtt',
  'quic',
  'smb',
]);

/** Header protocols whose transactions carry files in Suricata 8 (file.data, fileext …), besides HTTP. */
const FILE_PROTOS = new Set(['smtp', 'ftp', 'smb']);

/** A buffer of another app protocol than the one the header names (Suricata refuses such a rule), if any. */
function conflictingBuffer(rule: Rule): string | undefined {
  if (!APP_HEADER_PROTOS.has(rule.proto)) return undefined;
  for (const key of rule.buffers.keys()) {
    const h = head(key) as BufferName;
    const bp = bufferProto(h);
    // A frame buffer names its protocol in the keyword (frame:tls.pdu): not checked here.
    if (bp && bp !== 'frame' && !BUFFER_PROTOS[bp].has(rule.proto)) return h;
  }
  return undefined;
}

/** Keywords that add no condition of their own (meta, hints); `flow` adds none when it names only a direction. */
const NO_CONDITION = new Set([
  'app-layer-protocol',
  'flow',
  'prefilter',
  'msg',
  'sid',
  'rev',
  'gid',
  'classtype',
  'priority',
  'reference',
  'metadata',
  'target',
]);

/**
 * Suricata's protocol-detection-only signature: app-layer-protocol is its only match (a direction-only `flow`
 * sets the signature's direction and adds no match).
 */
function isPdOnly(rule: Rule, opts: ReadonlyArray<{ name: string }>): boolean {
  const f = rule.flow;
  if (f.established || f.notEstablished || f.stateless || f.onlyStream || f.noStream) return false;
  return opts.every((o) => NO_CONDITION.has(o.name));
}

/** A rule judged on packets only: no buffer (payload included), no event, no app-layer field test. */
function packetOnly(rule: Rule): boolean {
  return (
    rule.buffers.size === 0 &&
    rule.appEvents === undefined &&
    rule.decodeEvents === undefined &&
    rule.tlsVersion === undefined &&
    rule.dnsRrtype === undefined &&
    rule.absent === undefined &&
    rule.streamSize === undefined &&
    rule.datasets.length === 0
  );
}

/**
 * Each keyword's handler with the keyword's own name: handlers get that name, not the option's (a slice of the
 * rule's text, which a handler that keeps its name, as sticky buffers do, would keep alive).
 */
const KEYWORD_ENTRIES = new Map([...KEYWORDS].map(([name, handler]) => [name, { name, handler }]));

export function parseRule(text: string, vars: ReadonlyMap<string, string>): Rule {
  const t = text.trim();
  const open = t.indexOf('(');
  if (open < 0 || !t.endsWith(')'))
    throw new RuleError('a rule is "action proto src sport -> dst dport (options)"');
  const body = t.slice(open + 1, -1);
  const opts = splitOptions(body);
  // Name the sid in every error, even for problems found before the sid option.
  const sidOpt = opts.find((o) => o.name === 'sid')?.value;
  const sid = sidOpt !== undefined && /^\d+$/.test(sidOpt) ? Number(sidOpt) : undefined;
  try {
    const f = headerFields(t.slice(0, open));
    if (f.length !== 7)
      throw new RuleError(
        `the header needs 7 fields (action proto src sport dir dst dport), got ${f.length}`,
      );
    const [action, proto, src, sport, dir, dst, dport] = f;
    const actionAt = ACTIONS.indexOf(action as RuleAction);
    if (actionAt < 0) throw new RuleError(`unknown action '${action}'`);
    if (proto.includes(':') && PROTOS.has(proto.slice(0, proto.indexOf(':')).toLowerCase()))
      throw new RuleError(
        `rule hook '${proto}': inspection at a transaction's progress points (Suricata 8 hooks) is not supported`,
      );
    if (!PROTOS.has(proto.toLowerCase())) throw new RuleError(`unsupported protocol '${proto}'`);
    if (dir !== '->' && dir !== '<>' && dir !== '=>')
      throw new RuleError(`direction must be ->, <> or =>, got '${dir}'`);
    // The rule keeps no text of its own (nothing reads it; ~9 MB for ET Open), and what it keeps of it is copied.
    const rule: Rule = new ParsedRule(
      ACTIONS[actionAt],
      shared(proto.toLowerCase()),
      parseAddress(src, vars),
      parsePorts(sport, vars),
      dir === '<>',
      parseAddress(dst, vars),
      parsePorts(dport, vars),
    );
    if (dir === '=>') rule.txBothDir = true;
    const ctx: BuildContext = { rule, buffer: 'payload' };
    for (const o of opts) {
      const k = KEYWORD_ENTRIES.get(o.name);
      if (!k) throw new RuleError('unsupported keyword', undefined, o.name);
      k.handler(ctx, o.value, k.name);
    }
    if (rule.sid === 0) throw new RuleError('no sid');
    if (rule.appProtos.length > 0 && isPdOnly(rule, opts)) rule.pdOnly = true;
    if (rule.appProtos.some((a) => a.dir !== undefined || a.guessed === true) && !packetOnly(rule))
      throw new RuleError(
        'a per-direction or recognized-only protocol (ssh, ftp, smtp, smb) is judged on packets: the rule may have no content or buffer',
        undefined,
        'app-layer-protocol',
      );
    const conflict = conflictingBuffer(rule);
    if (conflict && conflict.startsWith('file.') && FILE_PROTOS.has(rule.proto))
      // Suricata has files on these protocols; moat extracts files from HTTP only, so the rule could never match.
      throw new RuleError(
        `on '${rule.proto}' rules: moat extracts files from HTTP only, so this rule could never match (Suricata extracts ${rule.proto.toUpperCase()} files)`,
        undefined,
        conflict,
      );
    if (conflict) throw new RuleError(`rule contains conflicting protocols: ${rule.proto} and ${conflict}`);
    orientAppRule(rule);
    compactRule(rule);
    if (rule.clientCertTwin) compactRule(rule.clientCertTwin);
    return rule;
  } catch (err) {
    if (err instanceof RuleError) throw new RuleError(err.detail, err.sid ?? sid, err.keyword);
    throw err;
  }
}
