/**
 * Decoder events added for decode-event rules (issue 17), each on real bytes, with Suricata's definitions: an IPv6
 * fragment header with offset 0 and no more fragments is useless; a second one is a duplicate and skipped; a
 * fragment other than the last must carry a multiple of 8 bytes; an extension header followed by fewer than two
 * bytes is a truncated extension header; TCP options of a length their kind does not allow, or given twice; UDP's
 * three length checks. A packet keeps every event it raised, in order. What tshark reads in the same frames is the
 * other side of each check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { CORPUS, readPackets, type CapturedPacket } from './corpus-frames.js';
import { decodeFrame } from './helpers.js';
import { hasTshark } from '../helpers/tshark.js';

const SV = join(CORPUS, 'suricata-verify', 'tests');
const EVASION = join(SV, 'ipv6-evasion');

function eventsOf(p: CapturedPacket): string[] {
  const d = decodeFrame(p.frame, p.linkType, { caplen: p.caplen, wirelen: p.wirelen });
  return d.pkt.events.slice(0, d.pkt.eventCount);
}

/** tshark's fields for one frame (1-based), tab-separated as it prints them. */
function tshark(file: string, frame: number, fields: string[]): string[] {
  const out = execFileSync(
    'tshark',
    ['-r', file, '-Y', `frame.number == ${frame}`, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return out.trimEnd().split('\t');
}

test('ipv6.exthdr_useless_fh and exthdr_dupl_fh: two atomic fragment headers (frag-10, frame 5)', async (t) => {
  const file = join(EVASION, 'ipv6-malformed-fragments-10', 'frag-10.pcap');
  if (!existsSync(file)) return t.skip('corpus absent');
  const pkts = (await readPackets(file))!;
  if (hasTshark()) {
    // tshark: two fragment headers, each offset 0 and M clear.
    assert.deepEqual(tshark(file, 5, ['ipv6.fraghdr.offset', 'ipv6.fraghdr.more']), ['0,0', '0,0']);
  }
  assert.deepEqual(eventsOf(pkts[4]), ['decoder.ipv6.exthdr_useless_fh', 'decoder.ipv6.exthdr_dupl_fh']);
  // The packet is still a whole ICMPv6 datagram: the second header was skipped, not taken as a fragment.
  const d = decodeFrame(pkts[4].frame, pkts[4].linkType);
  assert.equal(d.r, 0);
  assert.equal(d.pkt.proto, 58);
  assert.equal(d.pkt.icmpType, 128);
  // The other frames of the capture raise nothing, but for the MLD reports' hop-by-hop header (frames 4 and 7:
  // router alert, then a PadN of length 0, which Suricata's decode-ipv6.c flags as zero_len_padn).
  for (const i of [0, 1, 2, 5, 7, 8]) assert.deepEqual(eventsOf(pkts[i]), [], `frame ${i + 1}`);
  for (const i of [3, 6])
    assert.deepEqual(eventsOf(pkts[i]), ['decoder.ipv6.zero_len_padn'], `frame ${i + 1}`);
});

test('ipv6.frag_invalid_length: a non-last fragment of 175 bytes (frag-24, frame 6)', async (t) => {
  const file = join(EVASION, 'ipv6-malformed-fragments-24', 'frag-24.pcap');
  if (!existsSync(file)) return t.skip('corpus absent');
  const pkts = (await readPackets(file))!;
  if (hasTshark()) {
    // Payload 183 = 8 (fragment header) + 175, more fragments set: 175 is not a multiple of 8.
    assert.deepEqual(tshark(file, 6, ['ipv6.plen', 'ipv6.fraghdr.more']), ['183', '1']);
    assert.deepEqual(tshark(file, 5, ['ipv6.plen', 'ipv6.fraghdr.more']), ['416', '1']);
  }
  assert.deepEqual(eventsOf(pkts[5]), ['decoder.ipv6.frag_invalid_length']);
  // 416 − 8 = 408 bytes is a multiple of 8; the last fragment (frame 9) may be any length.
  assert.deepEqual(eventsOf(pkts[4]), []);
  assert.deepEqual(eventsOf(pkts[8]).includes('decoder.ipv6.frag_invalid_length'), false);
});

test('ipv6.trunc_exthdr after a useless fragment header: one packet, two events (frag-25, frame 8)', async (t) => {
  const file = join(EVASION, 'ipv6-malformed-fragments-25', 'frag-25.pcap');
  if (!existsSync(file)) return t.skip('corpus absent');
  const pkts = (await readPackets(file))!;
  if (hasTshark()) {
    // Payload 8: the fragment header alone, announcing TCP; tshark calls it malformed.
    assert.deepEqual(tshark(file, 8, ['ipv6.plen', 'ipv6.fraghdr.nxt', 'ipv6.fraghdr.more']), [
      '8',
      '6',
      '0',
    ]);
  }
  assert.deepEqual(eventsOf(pkts[7]), ['decoder.ipv6.exthdr_useless_fh', 'decoder.ipv6.trunc_exthdr']);
  const d = decodeFrame(pkts[7].frame, pkts[7].linkType);
  assert.equal(d.r, 4, 'invalid: decoding stops');
  assert.equal(d.pkt.anomaly, 'decoder.ipv6.exthdr_useless_fh', 'the EVE anomaly keeps the first event');
});

/** A real SYN (tcp-empty-sack, frame 1: MSS, NOP, WS, NOP, NOP, TS, SACK-permitted, EOL, EOL) with its options edited. */
async function realSyn(t: { skip(m: string): void }): Promise<CapturedPacket | undefined> {
  const file = join(SV, 'tcp-empty-sack', 'tcp-opt.pcap');
  if (!existsSync(file)) {
    t.skip('corpus absent');
    return undefined;
  }
  const syn = (await readPackets(file))![0];
  // A raw-IP capture: the options start after IPv4 (20) and the fixed TCP header (20).
  assert.equal(
    syn.frame.subarray(40, 64).toString('hex'),
    '020405b4010303070101080a32a1fb930000000004020000',
  );
  return syn;
}

test('tcp.opt_invalid_len and tcp.opt_duplicate on a real SYN; valid options raise nothing', async (t) => {
  const syn = await realSyn(t);
  if (!syn) return;
  assert.deepEqual(eventsOf(syn), []);
  const edit = (at: number, bytes: number[]): CapturedPacket => {
    const frame = Buffer.from(syn.frame);
    Buffer.from(bytes).copy(frame, at);
    return { ...syn, frame };
  };
  // MSS with length 3.
  // MSS of length 3 (the walk goes on from there: 0xb4 is read as an option kind of length 1, which stops it).
  assert.deepEqual(eventsOf(edit(41, [3])), ['decoder.tcp.opt_invalid_len', 'decoder.tcp.opt_invalid_len']);
  // Window scale of length 4 (it swallows the NOP after it; the walk stays in step).
  assert.deepEqual(eventsOf(edit(45, [3, 4])), ['decoder.tcp.opt_invalid_len']);
  // An option running past the header: the walk stops there.
  assert.deepEqual(eventsOf(edit(41, [40])), ['decoder.tcp.opt_invalid_len']);
  // Length 0 or 1 cannot be walked.
  assert.deepEqual(eventsOf(edit(41, [1])), ['decoder.tcp.opt_invalid_len']);
  // SACK-permitted and the two EOLs (04 02 00 00) replaced by a second MSS: a duplicate.
  assert.deepEqual(eventsOf(edit(60, [2, 4, 5, 0xb4])), ['decoder.tcp.opt_duplicate']);
  // The packet still goes on to the flow layer (Suricata decodes it on).
  const d = decodeFrame(edit(60, [2, 4, 5, 0xb4]).frame, syn.linkType);
  assert.equal(d.r, 0);
  assert.equal(d.pkt.dstPort, 443);
});

test('Suricata 8 tolerates an empty SACK and a 4-byte Fast Open cookie', async (t) => {
  const sack = join(SV, 'tcp-empty-sack', 'tcp-opt.pcap');
  const tfo = join(SV, 'tcp-fastopen-09', 'tcp-opt-invalid-warning.pcap');
  if (!existsSync(sack) || !existsSync(tfo)) return t.skip('corpus absent');
  for (const file of [sack, tfo]) {
    const pkts = (await readPackets(file))!;
    for (const [i, p] of pkts.entries()) assert.deepEqual(eventsOf(p), [], `${file} frame ${i + 1}`);
  }
  if (hasTshark()) {
    // tshark reads a SACK option of length 2 and a Fast Open option of length 6 in them.
    const lens = execFileSync(
      'tshark',
      ['-r', sack, '-T', 'fields', '-e', 'tcp.option_len', '-Y', 'tcp.options.sack'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    assert.match(lens, /\b2\b/);
    const tfoLen = execFileSync(
      'tshark',
      ['-r', tfo, '-T', 'fields', '-e', 'tcp.option_len', '-Y', 'tcp.options.tfo'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    assert.match(tfoLen, /\b6\b/);
  }
});

test("UDP's length events by Suricata 8's names (decode-too-small, udp-len-invalid)", async (t) => {
  const small = join(SV, 'decode-too-small', 'test.pcap');
  const bad = join(SV, 'udp-5379', 'udp-len-invalid', 'input.pcap');
  if (!existsSync(small) || !existsSync(bad)) return t.skip('corpus absent');
  const s = (await readPackets(small))!;
  // Frames 2, 3 (IPv4) and 6, 7 (IPv6): 0 and 4 bytes where the 8-byte UDP header should be.
  for (const i of [1, 2, 5, 6])
    assert.deepEqual(eventsOf(s[i]), ['decoder.udp.hlen_too_small'], `frame ${i + 1}`);
  assert.deepEqual(eventsOf(s[0]), ['decoder.tcp.pkt_too_small']);
  assert.deepEqual(eventsOf(s[3]), ['decoder.gre.pkt_too_small']);
  const b = (await readPackets(bad))!;
  if (hasTshark()) assert.deepEqual(tshark(bad, 1, ['udp.length']), ['5']);
  assert.deepEqual(eventsOf(b[0]), ['decoder.udp.len_invalid']);
});

test('ipv4.trunc_pkt: a total length past the frame makes the packet invalid, with no addresses', async (t) => {
  const file = join(SV, 'ipv4-truncated', 'truncated.pcap');
  if (!existsSync(file)) return t.skip('corpus absent');
  const p = (await readPackets(file))![0];
  if (hasTshark()) assert.deepEqual(tshark(file, 1, ['ip.len', 'frame.cap_len']), ['65028', '1530']);
  const d = decodeFrame(p.frame, p.linkType, { caplen: p.caplen, wirelen: p.wirelen });
  assert.equal(d.r, 4);
  assert.equal(d.pkt.ipVersion, 0);
  assert.deepEqual(d.pkt.events.slice(0, d.pkt.eventCount), ['decoder.ipv4.trunc_pkt']);
  // Cut by the capture's snap length instead, it is not an event: the packet decodes as far as it goes.
  const cut = decodeFrame(p.frame, p.linkType, { caplen: p.caplen, wirelen: 65042 });
  assert.equal(cut.pkt.eventCount, 0);
  assert.equal(cut.pkt.ipVersion, 4);
});
