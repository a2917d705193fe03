/**
 * Robustness on the tcpdump test captures (830 files, ~40 link types, many deliberately malformed): every packet
 * decodes without an exception or an internal error, the reassembler stays within its bounds, and the decoder's
 * answers cover the whole range (it decodes real traffic, not only rejects it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodedPacket } from '../../src/decode/decoded-packet.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { ATTACK_PCAPS, captureFiles, readPackets, TCPDUMP_PCAPS } from './corpus-frames.js';

const files = captureFiles(TCPDUMP_PCAPS);
const attackFiles = captureFiles(ATTACK_PCAPS, true);

test(
  'every packet of every tcpdump test capture decodes without error',
  { skip: files.length === 0 ? 'corpus not found under ../shared/corpus/decode/tcpdump' : false },
  async (t) => {
    const results = [0, 0, 0, 0, 0];
    const linkTypes = new Set<number>();
    let captures = 0;
    let notCaptures = 0;
    for (const f of files) {
      const pkts = await readPackets(f);
      if (!pkts) {
        notCaptures++;
        continue;
      }
      captures++;
      const dec = new PacketDecoder();
      const pkt = new DecodedPacket();
      for (const p of pkts) {
        linkTypes.add(p.linkType);
        const r = dec.decode(p.frame, 0, p.caplen, p.wirelen, p.tsUs, p.linkType, pkt);
        results[r]++;
        assert.notEqual(pkt.anomaly, 'decoder.moat.internal_error', `${f}`);
        assert.ok(
          pkt.payloadLen >= 0 && pkt.payloadOff + pkt.payloadLen <= pkt.buf.length,
          `${f}: payload bounds`,
        );
      }
      assert.ok(dec.reassembler.held <= 1024);
    }
    t.diagnostic(`captures ${captures}, not captures ${notCaptures}, link types ${linkTypes.size}`);
    t.diagnostic(
      `ok ${results[0]}, truncated ${results[1]}, not IP ${results[2]}, held ${results[3]}, error ${results[4]}`,
    );
    assert.ok(captures >= 800, `read ${captures} captures`);
    assert.ok(results[0] > 4000, `decoded ${results[0]} packets`);
  },
);

test(
  'every packet of every attack capture decodes without error, reassembly within bounds',
  { skip: attackFiles.length === 0 ? 'corpus not found under ../shared/corpus/attacks' : false },
  async (t) => {
    const results = [0, 0, 0, 0, 0];
    let captures = 0;
    let notCaptures = 0;
    let maxHeld = 0;
    for (const f of attackFiles) {
      const pkts = await readPackets(f);
      if (!pkts) {
        notCaptures++;
        continue;
      }
      captures++;
      const dec = new PacketDecoder();
      const pkt = new DecodedPacket();
      for (const p of pkts) {
        const r = dec.decode(p.frame, 0, p.caplen, p.wirelen, p.tsUs, p.linkType, pkt);
        results[r]++;
        assert.notEqual(pkt.anomaly, 'decoder.moat.internal_error', `${f}`);
      }
      maxHeld = Math.max(maxHeld, dec.reassembler.held);
      assert.ok(dec.reassembler.bytesHeld <= 32 * 1024 * 1024);
    }
    t.diagnostic(`captures ${captures}, not captures ${notCaptures}, most datagrams held ${maxHeld}`);
    t.diagnostic(
      `ok ${results[0]}, truncated ${results[1]}, not IP ${results[2]}, held ${results[3]}, error ${results[4]}`,
    );
    assert.ok(captures >= 300, `read ${captures} captures`);
    assert.ok(results[0] > 200_000, `decoded ${results[0]} packets`);
    assert.ok(maxHeld <= 1024);
  },
);
