/**
 * A parsed Suricata-compatible rule (A-31, A-32, A-35): header (action, protocol, addresses, ports, direction) and
 * the options that matter for matching, in rule order. Content-like matches are grouped per buffer because
 * relative modifiers (distance/within) chain within one buffer only.
 */
import type { AddressSet } from './parse/address.js';
import type { PortSet } from './parse/ports.js';

export type RuleAction = 'alert' | 'pass' | 'drop' | 'reject' | 'rejectsrc' | 'rejectdst' | 'rejectboth';

/** Where a payload match looks: the packet/stream payload or a protocol field ("sticky buffer"). */
export type BaseBuffer =
  | 'payload'
  | 'tls.sni'
  | 'tls.cert_subject'
  | 'tls.cert_issuer'
  | 'tls.cert_serial'
  | 'tls.cert_fingerprint'
  /** Each certificate of the server's chain (DER), one buffer per certificate: a rule matches in any one. */
  | 'tls.certs'
  /** Each subject alternative name of the server certificate (DNS, IP, e-mail, URI), one buffer per name. */
  | 'tls.subjectaltname'
  | 'ja3.hash'
  | 'ja3.string'
  | 'ja3s.hash'
  | 'ja3s.string'
  | 'ja4.hash'
  | 'http.uri'
  | 'http.method'
  | 'http.host'
  | 'http.user_agent'
  | 'http.header'
  | 'http.header_names'
  | 'http.header.raw'
  | 'http.protocol'
  | 'http.request_line'
  | 'http.start'
  | 'http.cookie'
  | 'http.referer'
  | 'http.accept'
  | 'http.accept_enc'
  | 'http.accept_lang'
  | 'http.connection'
  | 'http.content_type'
  | 'http.content_len'
  | 'http.stat_code'
  | 'http.stat_msg'
  | 'http.response_line'
  | 'http.server'
  | 'http.location'
  | 'http.request_body'
  /** Each request or response header as "Name: value", one instance per header. */
  | 'http.request_header'
  | 'http.response_header'
  | 'http.response_body'
  /** file.data before the rule's side is known: the request or the response body (see rule-parser). */
  | 'file.data'
  /** The names of the files a transaction carried, one instance per file: the request's, the response's (#tc). */
  | 'file.name'
  | 'file.name#tc'
  /** Response-side forms of the buffers both directions have (a rule inspecting the response uses these). */
  | 'http.header#tc'
  | 'http.header_names#tc'
  | 'http.header.raw#tc'
  /** The hello's random, its first 4 bytes, its last 28: the client's to the server, the server's (#tc) back. */
  | 'tls.random'
  | 'tls.random_time'
  | 'tls.random_bytes'
  | 'tls.random#tc'
  | 'tls.random_time#tc'
  | 'tls.random_bytes#tc'
  | 'tls.cert_subject#ts'
  | 'tls.cert_issuer#ts'
  | 'tls.cert_serial#ts'
  | 'tls.cert_fingerprint#ts'
  | 'http.protocol#tc'
  | 'http.start#tc'
  | 'http.connection#tc'
  | 'http.content_type#tc'
  | 'http.content_len#tc'
  | 'dns.query'
  /** Question names, answer owner names, and a response's names (see app-buffers.ts): one instance per name. */
  | 'dns.queries.rrname'
  | 'dns.answers.rrname'
  | 'dns.response.rrname'
  /** The packet's source and destination address (datasets of type ipv4/ip test them; see Rule.datasets). */
  | 'ip.src'
  | 'ip.dst'
  | 'ipv4.hdr'
  | 'ipv6.hdr'
  | 'tcp.hdr'
  | 'udp.hdr'
  | 'icmpv4.hdr'
  | 'icmpv6.hdr'
  /** A frame's bytes (`frame:tls.pdu`): one instance per frame of that name. */
  | `frame:${string}`;

/** A buffer, optionally after transforms ("http.host|dotprefix|to_lowercase"), applied left to right. */
export type BufferName = BaseBuffer | `${BaseBuffer}|${string}`;

export interface ContentMatch {
  kind: 'content';
  bytes: Uint8Array;
  negated: boolean;
  nocase: boolean;
  offset?: number;
  depth?: number;
  distance?: number;
  within?: number;
  startsWith: boolean;
  endsWith: boolean;
  fastPattern: boolean;
  /** byte_extract variables (slot numbers) standing for offset/depth/distance/within. */
  vars?: { offset?: number; depth?: number; distance?: number; within?: number };
}

/** A compiled pcre (see pcre/index.ts). */
export interface PcreProgram {
  /** End (absolute index into buf) of the first match in buf[start, end), or -1. */
  exec(buf: Uint8Array, start: number, end: number): number;
  engine: 'regexp' | 'bounded';
  why?: string;
}

export interface PcreMatch {
  kind: 'pcre';
  regex: PcreProgram;
  negated: boolean;
  /** /R: relative to the previous match's end. */
  relative: boolean;
  source: string;
}

export interface IsDataAtMatch {
  kind: 'isdataat';
  offset: number;
  relative: boolean;
  negated: boolean;
  /** byte_extract variable standing for the offset. */
  offsetVar?: number;
}

/** byte_extract variables one rule may define. */
export const MAX_BYTE_VARS = 16;

/** How byte_test, byte_jump and byte_extract read a number: `bytes` binary bytes, or that many characters of text. */
export interface NumberRead {
  /** 0: for text, every digit there is; for binary, nothing (the value 0). */
  bytes: number;
  offset: number;
  relative: boolean;
  bigEndian: boolean;
  string?: 'hex' | 'dec' | 'oct';
  /** AND-ed with the value, which is then shifted right by the mask's trailing zero bits. */
  bitmask?: number;
  /** byte_extract variables standing for the byte count or the offset. */
  bytesVar?: number;
  offsetVar?: number;
}

export interface ByteTestMatch extends NumberRead {
  kind: 'byte_test';
  op: '<' | '>' | '=' | '!' | '&' | '^' | '<=' | '>=';
  negated: boolean;
  value: number;
  valueVar?: number;
}

export interface ByteJumpMatch extends NumberRead {
  kind: 'byte_jump';
  multiplier: number;
  postOffset: number;
  align: boolean;
  fromBeginning: boolean;
  fromEnd: boolean;
}

/** byte_extract: reads a number into a variable (slot) later keywords of the rule use. */
export interface ByteExtractMatch extends NumberRead {
  kind: 'byte_extract';
  slot: number;
  multiplier: number;
  /** Round the value up to a multiple of 2 or 4 (0: no rounding). */
  align: number;
}

/**
 * byte_math: reads a number (bitmask not applied at read), combines it with `rvalue` (or a variable) by `oper`, then
 * applies `mask` and stores the result in its variable. The position moves to the end of the bytes read.
 */
export interface ByteMathMatch extends NumberRead {
  kind: 'byte_math';
  oper: '+' | '-' | '/' | '*' | '<<' | '>>';
  rvalue: number;
  rvalueVar?: number;
  slot: number;
  /** Suricata's byte_math bitmask, applied to the result (not to the bytes read). */
  mask?: number;
}

/** bsize / urilen: the buffer's length. */
export interface SizeMatch {
  kind: 'bsize';
  test: NumberTest;
}

/**
 * base64_decode: decodes base64 text from the buffer (from its start or, relative, from the previous match's end,
 * plus offset; at most `bytes` characters) and requires `data` — the matches after base64_data — on the result.
 */
export interface Base64Match {
  kind: 'base64_decode';
  bytes?: number;
  offset: number;
  relative: boolean;
  data: BufferMatch[];
}

export type BufferMatch =
  | Base64Match
  | SizeMatch
  | ContentMatch
  | PcreMatch
  | IsDataAtMatch
  | ByteTestMatch
  | ByteJumpMatch
  | ByteExtractMatch
  | ByteMathMatch;

export interface NumberTest {
  /** `<>` and `!<>`: exclusive range a…b and its negation; `&` / `&!`: (x & a) equal / not equal to b. */
  op: '=' | '<' | '>' | '<=' | '>=' | '!=' | '<>' | '!<>' | '&' | '&!';
  a: number;
  b?: number;
}

export interface FlowOptions {
  toServer?: boolean;
  toClient?: boolean;
  established?: boolean;
  notEstablished?: boolean;
  stateless?: boolean;
  onlyStream?: boolean;
  noStream?: boolean;
}

export interface FlagsTest {
  /** Flags that must be set ('+': at least these; '*': any of these; '!': none of these; exact otherwise). */
  mode: 'exact' | 'plus' | 'any' | 'not';
  flags: number;
  /** Flags ignored in the comparison (the part after the comma). */
  ignore: number;
}

/**
 * A rule's `threshold`/`detection_filter`, or a threshold.config `threshold`/`event_filter`/`rate_filter` entry
 * (threshold-config.ts). Tracked per source, destination, address pair (either direction), rule or flow.
 */
export interface Threshold {
  type: 'limit' | 'threshold' | 'both' | 'detection_filter' | 'backoff' | 'rate_filter';
  track: 'by_src' | 'by_dst' | 'by_rule' | 'by_both' | 'by_flow';
  count: number;
  /** The window; 0 for backoff, which has none. */
  seconds: number;
  /** backoff: each alerting match's number is the previous one's times this. */
  multiplier?: number;
  /** rate_filter: the action taken once `count` is passed within `seconds`, for `timeout` seconds. */
  newAction?: RateFilterAction;
  timeout?: number;
}

/** What a rate filter turns a rule's action into (Suricata accepts log and sdrop but does not act on them). */
export type RateFilterAction = 'alert' | 'drop' | 'pass' | 'reject' | 'log' | 'sdrop';

/** A threshold.config `suppress` with a track: no alert when the tracked address is in `addrs`. */
export interface Suppression {
  track: 'by_src' | 'by_dst' | 'by_either';
  addrs: AddressSet;
}

export interface FlowbitOp {
  op: 'set' | 'unset' | 'toggle' | 'isset' | 'isnotset' | 'noalert';
  names: string[];
  /** isset a|b: any of; a&b: all of. */
  any: boolean;
}

/** xbits: a bit kept per host (ip_src/ip_dst) or per address pair, with an expiry. */
export interface XbitOp {
  op: 'set' | 'unset' | 'toggle' | 'isset' | 'isnotset';
  name: string;
  track: 'ip_src' | 'ip_dst' | 'ip_pair';
  /** Seconds a set bit lives. */
  expire: number;
}

/** flowint: an integer kept per flow; checks (isset, ==, > …) before the rule matches, changes (=, +, -) after. */
export interface FlowintOp {
  name: string;
  op: '=' | '+' | '-' | '==' | '!=' | '<' | '>' | '<=' | '>=' | 'isset' | 'notset';
  /** A number, or another flowint's name. */
  value?: number | string;
}

export interface IpRep {
  side: 'src' | 'dst' | 'both' | 'any';
  category: string;
  /** isset/isnotset: whether the address has a score in the category at all. */
  op: '<' | '>' | '=' | '!=' | 'isset' | 'isnotset';
  value: number;
}

export interface DatasetOp {
  kind: 'dataset' | 'datarep';
  op: 'isset' | 'isnotset' | 'set' | 'unset';
  name: string;
  /** Absent: the set is one an earlier `dataset` option with a type made (resolved when rules are loaded). */
  type?: 'string' | 'md5' | 'sha256' | 'ipv4' | 'ip';
  load?: string;
  /** `memcap` (bytes) and `hashsize`: Suricata's bounds on the set's hash table (see dataset-memory.ts). */
  memcap?: number;
  hashsize?: number;
  /** `save FILE` / `state FILE`: the set is written there (relative: the data directory) when the run ends. */
  save?: string;
  /** datarep: compare the reputation value. */
  repOp?: '<' | '>' | '=';
  repValue?: number;
  buffer: BufferName;
}

export interface AppProtoTest {
  proto: string;
  negated: boolean;
  /** `,original`: the protocol the flow had before it changed (none when it never changed). */
  original?: boolean;
  /**
   * `,to_server` / `,to_client`: the protocol of that direction's data — recognized from its first data (ssh, ftp,
   * smtp, smb) or else the flow's parsed protocol once that direction has sent data.
   */
  dir?: 0 | 1;
  /** A protocol moat recognizes but does not parse (proto-guess.ts): matched on the recognition. */
  guessed?: boolean;
}

export interface Rule {
  action: RuleAction;
  proto: string;
  src: AddressSet;
  srcPorts: PortSet;
  bidirectional: boolean;
  /**
   * `=>` (Suricata 8 transactional rules): buffers of both directions of one transaction; the header names the
   * client and the server whichever direction the packet or record that completes the match goes.
   */
  txBothDir?: boolean;
  dst: AddressSet;
  dstPorts: PortSet;
  sid: number;
  rev: number;
  gid: number;
  msg: string;
  classtype?: string;
  priority?: number;
  references: string[];
  metadata: Record<string, string[]>;
  /** The metadata options' values as written; `metadata` is split from them on first read (see rule-parser). */
  metadataText?: string[];
  flow: FlowOptions;
  /** Matches per buffer, in rule order. */
  buffers: Map<BufferName, BufferMatch[]>;
  dsize?: NumberTest;
  ttl?: NumberTest;
  /** ipv4-csum, tcpv4-csum … : checksums that must be valid or invalid (keywords/checksum.ts). */
  checksums?: Array<{
    layer: 'ipv4' | 'tcpv4' | 'tcpv6' | 'udpv4' | 'udpv6' | 'icmpv4' | 'icmpv6';
    valid: boolean;
  }>;
  ipProto?: { negated: boolean; proto: number } | { test: NumberTest };
  itype?: NumberTest;
  /** ipopts: an IPv4 option that must be present (its type number; -1: any option). */
  ipOpt?: number;
  /** flow.pkts / flow.bytes per direction (0 to server, 1 to client; 2 either). */
  flowCounts?: Array<{ what: 'pkts' | 'bytes'; dir: 0 | 1 | 2; test: NumberTest }>;
  /** id, seq, ack, window, icmp_id, icmp_seq: header fields compared to numbers (all must hold). */
  fieldTests?: Array<{ field: 'id' | 'seq' | 'ack' | 'window' | 'icmp_id' | 'icmp_seq'; test: NumberTest }>;
  /** fragbits: the IPv4 flags (0x4 reserved, 0x2 DF, 0x1 MF) as `flags` tests TCP flags. */
  fragbits?: FlagsTest;
  /** sameip: source and destination address are the same. */
  sameIp?: boolean;
  /** icmpv6.mtu: the MTU of an ICMPv6 Packet Too Big (type 2, code 0); other packets do not match. */
  icmpv6Mtu?: NumberTest;
  /** tcp.mss: the MSS option's value (a packet without one does not match). */
  tcpMss?: NumberTest;
  /** vlan.layers: how many VLAN tags the packet has. */
  vlanLayers?: NumberTest;
  /** vlan.id: a tag's id, at `layer` (0 the outermost, negative from the innermost) or at any layer. */
  vlanId?: { test: NumberTest; layer?: number };
  icode?: NumberTest;
  flags?: FlagsTest;
  tlsVersion?: string[];
  /**
   * `absent` after a sticky buffer: `only`, the buffer must be missing; `or_else`, missing passes and a present
   * buffer must match the rule's matches on it.
   */
  absent?: Map<BufferName, 'only' | 'or_else'>;
  /** dns.rrtype: a request's question types or a response's answer types, any of which must pass. */
  dnsRrtype?: NumberTest;
  /** The rule's own `threshold` or `detection_filter`. */
  threshold?: Threshold;
  /**
   * Set by a threshold file (threshold-config.ts): the thresholds and rate filters the rule runs instead of
   * `threshold` (the rule's own one among them unless an entry replaced it), each of which must let a match through.
   */
  thresholds?: Threshold[];
  /** threshold.config suppressions, checked before any threshold; `suppressAll`: a suppress without a track. */
  suppress?: Suppression[];
  suppressAll?: boolean;
  flowbits: FlowbitOp[];
  xbits?: XbitOp[];
  /**
   * bypass: once the rule matches, the flow's later packets are no longer inspected (Suricata's local bypass in IDS
   * mode) and its flow record says `state: bypassed`. Transactions still complete and are inspected: moat's parsers
   * run below the rules and are not stopped, whereas Suricata's bypass stops its app layer too (a packet match here
   * often stands for Suricata's later stream match, after which that app layer had already run).
   */
  bypass?: boolean;
  /** tag options as written (keywords/state.ts checks them; detect/tagging.ts applies them). */
  tags?: string[];
  flowint?: FlowintOp[];
  /** stream_size: the TCP stream's size by sequence numbers (server: what the server sent). */
  streamSize?: { side: 'server' | 'client' | 'both' | 'either'; test: NumberTest };
  iprep: IpRep[];
  datasets: DatasetOp[];
  /** app-layer-protocol conditions, all of which must hold. */
  appProtos: AppProtoTest[];
  /**
   * A rule whose only condition is the detected protocol (app-layer-protocol, a flow direction, meta keywords): as
   * Suricata's protocol-detection-only signatures it is judged on the packet where the flow's protocol is decided
   * or changes, not on every packet after.
   */
  pdOnly?: boolean;
  /**
   * app-layer-event: the parser events (`dns.z_flag_set`, `http.request_line_missing_protocol` …) the rule needs,
   * all raised on the transaction the rule is evaluated on (see event-rules.ts).
   */
  appEvents?: string[];
  /**
   * decode-event: the decoder events (`decoder.ipv4.trunc_pkt` …) the packet must carry, all of them (see
   * decode-event-rules.ts).
   */
  decodeEvents?: string[];
  /**
   * The side of a transaction an app-layer rule inspects (0 request, 1 response), from its buffers and `flow:`;
   * the alert's direction follows it.
   */
  appDir?: number;
  /**
   * A rule with no direction on buffers both sides of a transaction have, run by the matcher beside the rule: on
   * the certificate buffers (tls.cert_subject …) the same rule on the client's certificate, as Suricata inspects
   * these buffers both ways (to the client: the server's certificate, to the server: the client's); on
   * http.header, tls.random … the same rule on the response's.
   */
  clientCertTwin?: Rule;
  /** Set when a `requires:` condition does not hold here: the rule is left out without an error, as in Suricata. */
  unmetRequirement?: string;
}

/** A rule that could not be loaded: names the sid when known, the keyword and what was wrong. */
export class RuleError extends Error {
  constructor(
    readonly detail: string,
    readonly sid?: number,
    readonly keyword?: string,
  ) {
    super(`${sid !== undefined ? `sid ${sid}: ` : ''}${keyword ? `${keyword}: ` : ''}${detail}`);
    this.name = 'RuleError';
  }
}
