/**
 * IPv6 extension-header events Suricata raises (decode-ipv6.c): unknown hop-by-hop / destination options, headers
 * holding only padding, duplicated headers, routing type 0, AH's reserved field, a fragment header's reserved byte.
 * On suricata-verify's ipv6-evasion captures the expected events per packet come from tshark's dissection of the
 * option types; the duplicate/reserved cases are built frames with each condition alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LINKTYPE_ETHERNET } from '../../src/capture/index.js';
import {
  IPV6_DSTOPTS_ONLY_PADDING,
  IPV6_DSTOPTS_UNKNOWN_OPT,
  IPV6_EXTHDR_AH_RES_NOT_NULL,
  IPV6_EXTHDR_DUPL_DH,
  IPV6_EXTHDR_DUPL_HH,
  IPV6_EXTHDR_DUPL_RH,
  IPV6_EXTHDR_INVALID_OPTLEN,
  IPV6_FH_NON_ZERO_RES_FIELD,
  IPV6_HOPOPTS_ONLY_PADDING,
  IPV6_HOPOPTS_UNKNOWN_OPT,
  IPV6_RH_TYPE_0,
  IPV6_ZERO_LEN_PADN,
  hasDecoderEvent,
} from '../../src/decode/anomalies.js';
import { DECODE_OK } from '../../src/decode/decoded-packet.js';
import { readPackets } from './corpus-frames.js';
import { decodeFrame } from './helpers.js';

const EV = join(process.cwd(), '..', 'shared', 'corpus', 'suricata-verify', 'tests', 'ipv6-evasion');
const PCAPS = [
  join(EV, 'ipv6-covert-dstopts', 'covert_send6.pcap'),
  join(EV, 'ipv6-dos-with-ext-headers-6', 'denial6-6.pcap'),
  join(EV, 'ipv6-kill-router-gateway', 'kill_router6.pcap'),
];
const skip = !PCAPS.every((p) => existsSync(p))
  ? 'needs ../shared/corpus'
  : spawnSync('which', ['tshark']).status !== 0
    ? 'needs tshark'
    : false;

const KNOWN = new Set([0x00, 0x01, 0x05, 0xc2, 0xc9]);

test('option events per packet agree with tshark’s option types', { skip }, async () => {
  let unknownSeen = 0;
  for (const pcap of PCAPS) {
    const rows = execFileSync(
      'tshark',
      ['-r', pcap, '-T', 'fields', '-e', 'ipv6.nxt', '-e', 'ipv6.opt.type'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 1 << 26,
      },
    )
      .split('\n')
      .slice(0, -1);
    const pkts = (await readPackets(pcap)) ?? [];
    assert.equal(pkts.length, rows.length, pcap);
    for (let i = 0; i < rows.length; i++) {
      const [nxt, types] = rows[i].split('\t');
      const chain = nxt === '' ? [] : nxt.split(',').map(Number);
      const optHeaders = chain.filter((n) => n === 0 || n === 60);
      // One options header per packet: its option types are tshark's whole list.
      if (optHeaders.length !== 1) continue;
      const hop = optHeaders[0] === 0;
      const t = types === '' ? [] : types.split(',').map((x) => Number(x));
      const unknown = t.some((x) => !KNOWN.has(x));
      const onlyPadding = t.length > 0 && t.every((x) => x === 0 || x === 1);
      const d = decodeFrame(pkts[i].frame, LINKTYPE_ETHERNET);
      const where = `${pcap} frame ${i + 1}`;
      assert.equal(
        hasDecoderEvent(d.pkt, hop ? IPV6_HOPOPTS_UNKNOWN_OPT : IPV6_DSTOPTS_UNKNOWN_OPT),
        unknown,
        where,
      );
      assert.equal(
        hasDecoderEvent(d.pkt, hop ? IPV6_HOPOPTS_ONLY_PADDING : IPV6_DSTOPTS_ONLY_PADDING),
        onlyPadding,
        where,
      );
      if (unknown) unknownSeen++;
    }
  }
  // covert_send6 hides data in 18 destination options headers of unknown types (tshark).
  assert.equal(unknownSeen, 18);
});

/** Ethernet + IPv6 (next header `nh`) + `ext` + 8 bytes of UDP. */
function frame(nh: number, ext: number[]): Buffer {
  const udp = [0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00];
  const payload = Buffer.from([...ext, ...udp]);
  const ip = Buffer.alloc(40);
  ip[0] = 0x60;
  ip.writeUInt16BE(payload.length, 4);
  ip[6] = nh;
  ip[7] = 64;
  ip[23] = 1;
  ip[39] = 2;
  const eth = Buffer.from([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x86, 0xdd]);
  return Buffer.concat([eth, ip, payload]);
}

/** An 8-byte options header: next header, then six option bytes. */
const opts = (next: number, six: number[]): number[] => [next, 0, ...six];
const PADN4 = [1, 4, 0, 0, 0, 0];

test('duplicated and reserved-field events, each alone', () => {
  const events = (nh: number, ext: number[]): string[] => {
    const d = decodeFrame(frame(nh, ext), LINKTYPE_ETHERNET);
    assert.equal(d.r, DECODE_OK);
    assert.equal(d.pkt.proto, 17, 'the walk reaches UDP');
    return d.pkt.events.slice(0, d.pkt.eventCount);
  };
  // Two destination options headers are allowed (before routing and before the upper layer); a third is not.
  assert.deepEqual(events(60, [...opts(60, PADN4), ...opts(17, PADN4)]), [
    IPV6_DSTOPTS_ONLY_PADDING,
    IPV6_DSTOPTS_ONLY_PADDING,
  ]);
  assert.deepEqual(events(60, [...opts(60, PADN4), ...opts(60, PADN4), ...opts(17, PADN4)]), [
    IPV6_DSTOPTS_ONLY_PADDING,
    IPV6_DSTOPTS_ONLY_PADDING,
    IPV6_EXTHDR_DUPL_DH,
  ]);
  assert.deepEqual(events(0, [...opts(0, [5, 2, 0, 0, 0, 0]), ...opts(17, [0x3e, 4, 0, 0, 0, 0])]), [
    IPV6_EXTHDR_DUPL_HH,
  ]);
  // Routing type 0, then a second routing header.
  assert.deepEqual(events(43, [43, 0, 0, 0, 0, 0, 0, 0, 17, 0, 4, 0, 0, 0, 0, 0]), [
    IPV6_RH_TYPE_0,
    IPV6_EXTHDR_DUPL_RH,
  ]);
  // AH (length 1: 12 bytes) with a non-zero reserved field.
  assert.deepEqual(events(51, [17, 1, 0, 7, 0, 0, 0, 1, 0, 0, 0, 1]), [IPV6_EXTHDR_AH_RES_NOT_NULL]);
  // An atomic fragment whose reserved byte is set.
  const ev = events(44, [17, 9, 0, 0, 0, 0, 0, 1]);
  assert.ok(ev.includes(IPV6_FH_NON_ZERO_RES_FIELD), ev.join());
  // PadN of length 0, then an option running past the header.
  assert.deepEqual(events(60, opts(17, [1, 0, 0x3e, 9, 0, 0])), [
    IPV6_ZERO_LEN_PADN,
    IPV6_EXTHDR_INVALID_OPTLEN,
    IPV6_DSTOPTS_ONLY_PADDING,
  ]);
});
