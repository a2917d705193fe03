/** Packet-header keywords: dsize, ttl, itype, icode, ip_proto, flags, flow. */
import { RuleError, type NumberTest, type Rule } from '../rule.js';
import { commaList, intValue } from '../parse/options.js';
import { needValue, type KeywordHandler } from './context.js';

/** IPv4 option names of `ipopts` and their type octets (-1: any option). */
const IP_OPTIONS: Record<string, number> = {
  eol: 0,
  nop: 1,
  rr: 7,
  ts: 68,
  sec: 130,
  lsrr: 131,
  esec: 133,
  satid: 136,
  ssrr: 137,
  any: -1,
};

/** flow.pkts:toserver,<10 — a direction (toserver, toclient, either) and a number test. */
function flowCount(rule: Rule, what: 'pkts' | 'bytes', text: string, k: string): void {
  const comma = text.indexOf(',');
  if (comma < 0) throw new RuleError(`'${text}' is not 'direction,test' (toserver,<10)`, undefined, k);
  const d = text.slice(0, comma).trim();
  const dir = d === 'toserver' ? 0 : d === 'toclient' ? 1 : d === 'either' ? 2 : -1;
  if (dir < 0)
    throw new RuleError(`direction must be toserver, toclient or either, got '${d}'`, undefined, k);
  (rule.flowCounts ??= []).push({
    what,
    dir: dir as 0 | 1 | 2,
    test: parseNumberTest(text.slice(comma + 1), k),
  });
}

/** A header field keyword (id, seq, window …): a number, optionally with an operator or '!'. */
function field(name: 'id' | 'seq' | 'ack' | 'window' | 'icmp_id' | 'icmp_seq', max: number): KeywordHandler {
  return (c, v, k) => {
    const test = parseNumberTest(needValue(v, k), k);
    if (test.a > max || (test.b ?? 0) > max) throw new RuleError(`must be ≤ ${max}`, undefined, k);
    (c.rule.fieldTests ??= []).push({ field: name, test });
  };
}

/** The modifier of a flags/fragbits value: '!' none of, '*' any of, '+' at least, exact otherwise. */
function flagMode(text: string): { mode: 'exact' | 'plus' | 'any' | 'not'; letters: string } {
  let mode: 'exact' | 'plus' | 'any' | 'not' = 'exact';
  let letters = text;
  const mark = (ch: string): void => {
    mode = ch === '!' ? 'not' : ch === '*' ? 'any' : 'plus';
  };
  if (/^[!*+]/.test(letters)) {
    mark(letters[0]);
    letters = letters.slice(1);
  }
  if (/[*+]$/.test(letters)) {
    mark(letters[letters.length - 1]);
    letters = letters.slice(0, -1);
  }
  return { mode, letters };
}

/**
 * Suricata's unsigned-integer syntax (its generic uint parser, shared by dsize, ttl, tcp.mss …): N, =N, !N, !=N,
 * <N, <=N, >N, >=N, the exclusive ranges A<>B and A-B, the negated range !A-B, and the bitmask &M=V / &M!=V.
 */
export function parseNumberTest(text: string, k: string): NumberTest {
  const t = text.trim();
  let m = /^(!)?\s*(\d+)\s*(?:<>|-)\s*(\d+)$/.exec(t);
  if (m) {
    const a = Number(m[2]);
    const b = Number(m[3]);
    // Suricata refuses a range with nothing strictly inside it.
    if (a >= b) throw new RuleError(`range '${text}' needs its first value below its second`, undefined, k);
    return { op: m[1] ? '!<>' : '<>', a, b };
  }
  m = /^&\s*(\d+|0x[0-9a-f]+)\s*(!=|=)\s*(\d+|0x[0-9a-f]+)$/i.exec(t);
  if (m) {
    const mask = Number(m[1]);
    const value = Number(m[3]);
    // A value with bits outside the mask can never be the masked field.
    if ((value & mask) !== value)
      throw new RuleError(`bitmask '${text}': value has bits outside the mask`, undefined, k);
    return { op: m[2] === '=' ? '&' : '&!', a: mask, b: value };
  }
  m = /^(<=|>=|<|>|=|!=|!)?\s*(\d+)$/.exec(t);
  if (!m)
    throw new RuleError(
      `'${text}' is not a number test like 5, <5, >=5, !5, 3<>9, 3-9, !3-9, &0xf=4`,
      undefined,
      k,
    );
  const op = (m[1] === '!' ? '!=' : (m[1] ?? '=')) as NumberTest['op'];
  return { op, a: Number(m[2]) };
}

export function testNumber(t: NumberTest, x: number): boolean {
  switch (t.op) {
    case '=':
      return x === t.a;
    case '!=':
      return x !== t.a;
    case '<':
      return x < t.a;
    case '>':
      return x > t.a;
    case '<=':
      return x <= t.a;
    case '>=':
      return x >= t.a;
    case '<>':
      return x > t.a && x < (t.b ?? t.a);
    case '!<>':
      return x <= t.a || x >= (t.b ?? t.a);
    case '&':
      return (x & t.a) >>> 0 === t.b;
    case '&!':
      return (x & t.a) >>> 0 !== t.b;
  }
}

const PROTO_NAMES: Record<string, number> = {
  icmp: 1,
  igmp: 2,
  tcp: 6,
  udp: 17,
  gre: 47,
  esp: 50,
  ah: 51,
  'ipv6-icmp': 58,
  icmpv6: 58,
  sctp: 132,
};
const FLAG_BITS: Record<string, number> = {
  F: 0x01,
  S: 0x02,
  R: 0x04,
  P: 0x08,
  A: 0x10,
  U: 0x20,
  E: 0x40,
  C: 0x80,
  '2': 0x40,
  '1': 0x80,
};

function flagMask(letters: string, k: string): number {
  let m = 0;
  for (const ch of letters.toUpperCase()) {
    if (ch === '0') continue;
    const b = FLAG_BITS[ch];
    if (b === undefined) throw new RuleError(`unknown TCP flag '${ch}'`, undefined, k);
    m |= b;
  }
  return m;
}

export const HEADER_KEYWORDS: Record<string, KeywordHandler> = {
  // stream_size:<server|client|both|either>,<op>,<number>
  stream_size: (c, v, k) => {
    const [side, op, n, ...rest] = commaList(needValue(v, k));
    if (side !== 'server' && side !== 'client' && side !== 'both' && side !== 'either')
      throw new RuleError(`side must be server, client, both or either, got '${side}'`, undefined, k);
    if (rest.length > 0 || !['>', '<', '=', '!=', '>=', '<='].includes(op ?? ''))
      throw new RuleError(`'${v ?? ''}' is not 'side,op,number' (op: > < = != >= <=)`, undefined, k);
    c.rule.streamSize = { side, test: parseNumberTest(`${op}${n ?? ''}`, k) };
  },
  dsize: (c, v, k) => {
    c.rule.dsize = parseNumberTest(needValue(v, k), k);
  },
  ttl: (c, v, k) => {
    c.rule.ttl = parseNumberTest(needValue(v, k), k);
  },
  ipopts: (c, v, k) => {
    const name = needValue(v, k).trim().toLowerCase();
    const t = IP_OPTIONS[name];
    if (t === undefined) throw new RuleError(`unknown IP option '${name}'`, undefined, k);
    c.rule.ipOpt = t;
  },
  'flow.pkts': (c, v, k) => flowCount(c.rule, 'pkts', needValue(v, k), k),
  'flow.bytes': (c, v, k) => flowCount(c.rule, 'bytes', needValue(v, k), k),
  'flow.pkts_toserver': (c, v, k) => flowCount(c.rule, 'pkts', `toserver,${needValue(v, k)}`, k),
  'flow.pkts_toclient': (c, v, k) => flowCount(c.rule, 'pkts', `toclient,${needValue(v, k)}`, k),
  'flow.bytes_toserver': (c, v, k) => flowCount(c.rule, 'bytes', `toserver,${needValue(v, k)}`, k),
  'flow.bytes_toclient': (c, v, k) => flowCount(c.rule, 'bytes', `toclient,${needValue(v, k)}`, k),
  'icmpv6.mtu': (c, v, k) => {
    c.rule.icmpv6Mtu = parseNumberTest(needValue(v, k), k);
  },
  'tcp.mss': (c, v, k) => {
    c.rule.tcpMss = parseNumberTest(needValue(v, k), k);
  },
  'vlan.layers': (c, v, k) => {
    c.rule.vlanLayers = parseNumberTest(needValue(v, k), k);
  },
  'vlan.id': (c, v, k) => {
    const [id, layer] = needValue(v, k)
      .split(',')
      .map((s) => s.trim());
    const test = parseNumberTest(id, k);
    if (layer === undefined || layer === 'any') c.rule.vlanId = { test };
    else if (/^-?\d+$/.test(layer)) c.rule.vlanId = { test, layer: Number(layer) };
    else throw new RuleError(`vlan.id layer '${layer}' is not a number`, undefined, k);
  },
  itype: (c, v, k) => {
    c.rule.itype = parseNumberTest(needValue(v, k), k);
  },
  icode: (c, v, k) => {
    c.rule.icode = parseNumberTest(needValue(v, k), k);
  },
  ip_proto: (c, v, k) => {
    let t = needValue(v, k).trim();
    // ip_proto:>134 and friends compare the protocol number.
    if (/^(<|>|<=|>=)\s*\d+$/.test(t)) {
      c.rule.ipProto = { test: parseNumberTest(t, k) };
      return;
    }
    const negated = t.startsWith('!');
    if (negated) t = t.slice(1);
    const proto = /^\d+$/.test(t) ? intValue(t, k, 0) : PROTO_NAMES[t.toLowerCase()];
    if (proto === undefined || proto > 255) throw new RuleError(`unknown protocol '${t}'`, undefined, k);
    c.rule.ipProto = { negated, proto };
  },
  id: field('id', 0xffff),
  seq: field('seq', 0xffffffff),
  ack: field('ack', 0xffffffff),
  window: field('window', 0xffff),
  // Suricata 8's name for window.
  'tcp.window': field('window', 0xffff),
  icmp_id: field('icmp_id', 0xffff),
  icmp_seq: field('icmp_seq', 0xffff),
  sameip: (c, v, k) => {
    if (v !== undefined && v !== '') throw new RuleError(`takes no value, got '${v}'`, undefined, k);
    c.rule.sameIp = true;
  },
  fragbits: (c, v, k) => {
    const { mode, letters } = flagMode(needValue(v, k).split(',')[0].trim());
    let bits = 0;
    for (const ch of letters.toUpperCase()) {
      const b = ch === 'M' ? 1 : ch === 'D' ? 2 : ch === 'R' ? 4 : -1;
      if (b < 0) throw new RuleError(`unknown fragment bit '${ch}' (M, D or R)`, undefined, k);
      bits |= b;
    }
    c.rule.fragbits = { mode, flags: bits, ignore: 0 };
  },
  'tcp.flags': (c, v, k) => HEADER_KEYWORDS.flags(c, v, k),
  flags: (c, v, k) => {
    const [main, ignore = ''] = needValue(v, k)
      .split(',')
      .map((s) => s.trim());
    let mode: 'exact' | 'plus' | 'any' | 'not' = 'exact';
    let letters = main;
    if (letters.startsWith('!')) {
      mode = 'not';
      letters = letters.slice(1);
    } else if (letters.startsWith('*')) {
      mode = 'any';
      letters = letters.slice(1);
    } else if (letters.startsWith('+')) {
      mode = 'plus';
      letters = letters.slice(1);
    }
    if (letters.endsWith('+')) {
      mode = 'plus';
      letters = letters.slice(0, -1);
    } else if (letters.endsWith('*')) {
      mode = 'any';
      letters = letters.slice(0, -1);
    }
    c.rule.flags = { mode, flags: flagMask(letters, k), ignore: flagMask(ignore, k) };
  },
  flow: (c, v, k) => {
    for (const opt of commaList(needValue(v, k))) {
      switch (opt) {
        case 'to_server':
        case 'from_client':
          c.rule.flow.toServer = true;
          break;
        case 'to_client':
        case 'from_server':
          c.rule.flow.toClient = true;
          break;
        case 'established':
          c.rule.flow.established = true;
          break;
        case 'not_established':
          c.rule.flow.notEstablished = true;
          break;
        case 'stateless':
          c.rule.flow.stateless = true;
          break;
        case 'only_stream':
          c.rule.flow.onlyStream = true;
          break;
        case 'no_stream':
          c.rule.flow.noStream = true;
          break;
        default:
          throw new RuleError(`unknown flow option '${opt}'`, undefined, k);
      }
    }
    if (c.rule.flow.toServer && c.rule.flow.toClient)
      throw new RuleError('to_server and to_client together', undefined, k);
  },
};
