/**
 * Issue 17: the TLS record of a full TLS ≤ 1.2 handshake goes out at ServerHelloDone (logged with the packet that
 * ACKs it, as Suricata does) even when the server promised a session ticket; the ticket, which comes one flight
 * later, is handed on through `lateTicket` so the TLS monitor still keys the session's chain on it.
 * Checked on suricata-verify bug-2646-02 (its expected pcap_cnt is Suricata's) with the ticket bytes from tshark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeToEvents, type Inspector } from '../../../src/pipeline/index.js';
import type { AppRecord, TlsHandshake } from '../../../src/proto/index.js';
import { ServiceCertificateCache } from '../../../src/tlsmon/certificate-cache.js';
import { featuresOf } from '../../../src/tlsmon/inspector.js';
import type { FlowView } from '../../../src/flow/index.js';
import { hasTshark } from '../../helpers/tshark.js';

const PCAP = join(
  process.cwd(),
  '..',
  'shared',
  'corpus',
  'suricata-verify',
  'tests',
  'bug-2646-02',
  'input.pcap',
);

test('TLS 1.2 with a promised ticket: event at the ACK of ServerHelloDone, ticket handed on later', async (t) => {
  if (!existsSync(PCAP)) return t.skip(`corpus absent: ${PCAP}`);
  if (!hasTshark()) return t.skip('tshark not installed');
  const ticketHex = execFileSync(
    'tshark',
    ['-r', PCAP, '-Y', 'tls.handshake.type == 4', '-T', 'fields', '-e', 'tls.handshake.session_ticket'],
    { encoding: 'utf8' },
  ).trim();
  assert.match(ticketHex, /^[0-9a-f]{64,}$/, 'tshark dissects one NewSessionTicket');
  const seen: Array<{ tls: TlsHandshake; ticketAtScoring?: string; flow: FlowView; tsUs: number }> = [];
  const probe: Inspector = {
    name: 'probe',
    onAppRecord(flow: FlowView, r: AppRecord, tsUs: number) {
      if (r.type === 'tls') seen.push({ tls: r.tls, ticketAtScoring: r.tls.lateTicket?.hash, flow, tsUs });
      return undefined;
    },
  };
  const { events } = await analyzeToEvents(PCAP, { inspectors: [probe], flow: { midstream: false } });
  const tls = events.filter((e) => e.event_type === 'tls');
  assert.equal(tls.length, 1);
  // Packet 9 is the client's ACK of packet 8 (Certificate, ServerKeyExchange, ServerHelloDone) in tshark's list.
  assert.equal(tls[0].pcap_cnt, 9);
  assert.equal(seen.length, 1);
  const [rec] = seen;
  assert.equal(rec.ticketAtScoring, undefined, 'the ticket comes after the record went out');
  assert.equal(rec.tls.newTicketHash, undefined);
  const want = createHash('sha256').update(Buffer.from(ticketHex, 'hex')).digest('hex');
  assert.equal(rec.tls.lateTicket?.hash, want, "the holder got the SHA-256 of tshark's ticket bytes");

  // The monitor's cache: the handshake scored before its ticket; a later resumption by that ticket finds its chain.
  const cache = new ServiceCertificateCache();
  const full = featuresOf(rec.flow, { ...rec.tls, lateTicket: { hash: undefined } }, rec.tsUs);
  assert.equal(cache.apply(full), 'handshake');
  full.session!.lateTicket!.hash = want;
  const resumed = featuresOf(rec.flow, { ...rec.tls, resumed: true, serverCertificates: [] }, rec.tsUs + 1e6);
  resumed.session = { clientTicket: want };
  assert.equal(cache.apply(resumed), 'session');
  assert.equal(resumed.chain[0].sha1, rec.tls.serverCertificates[0].sha1);
  // A connection that went on without its ticket leaves nothing behind.
  const none = featuresOf(rec.flow, { ...rec.tls, lateTicket: { hash: '' } }, rec.tsUs);
  cache.apply(none);
  const other = featuresOf(rec.flow, { ...rec.tls, resumed: true, serverCertificates: [] }, rec.tsUs + 2e6);
  other.session = { clientTicket: '' };
  assert.equal(cache.apply(other), 'none');
});
