/**
 * When Suricata's tls logger writes an event (server certificate, TLS 1.3, or a resumed session when its
 * `session-resumption` is on) and Suricata 8's `flow.tx_cnt`, on real captures. Expected answers: suricata-verify's
 * own expectations (eve-suricata-version, stream-async-6063-srv-01) and tshark's reading of the capture.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeToEvents } from '../../src/pipeline/collect.js';
import { eveOptionsOf } from '../../src/pipeline/eve-config.js';
import type { EveEvent } from '../../src/output/eve/header.js';

const SV = join(process.cwd(), '..', 'shared', 'corpus', 'suricata-verify', 'tests');
const skip = existsSync(SV) ? false : `suricata-verify corpus not found at ${SV}`;
/** Five TLS 1.2 connections to 443 (the last, client port 49369, resumes a session), five DNS lookups, one HTTP GET. */
const ETH = join(SV, 'ethernet-eve', 'test.pcap');

type Ev = EveEvent & { src_port?: number; tls?: { session_resumed?: boolean }; flow?: { tx_cnt?: number } };
const of = (evs: EveEvent[], type: string): Ev[] => evs.filter((e) => e.event_type === type) as Ev[];

describe('tls events as Suricata logs them', { skip }, () => {
  it('a bare `- tls` entry leaves the certificate-less resumed session out', async () => {
    const { events } = await analyzeToEvents(ETH, { eveCustom: { tlsSessionResumption: false } });
    const tls = of(events, 'tls');
    assert.equal(tls.length, 4);
    assert.ok(!tls.some((e) => e.src_port === 49369));
  });

  it('with session-resumption on (the default) the resumed session is written, marked resumed', async () => {
    const { events } = await analyzeToEvents(ETH);
    const tls = of(events, 'tls');
    assert.equal(tls.length, 5);
    assert.equal(tls.find((e) => e.src_port === 49369)?.tls?.session_resumed, true);
  });

  it('reads session-resumption from the eve-log types list', () => {
    const doc = (types: unknown[]) => ({ outputs: [{ 'eve-log': { enabled: 'yes', types } }] });
    assert.equal(eveOptionsOf(doc(['tls'])).custom.tlsSessionResumption, false);
    assert.equal(
      eveOptionsOf(doc([{ tls: { 'session-resumption': 'no' } }])).custom.tlsSessionResumption,
      false,
    );
    assert.equal(eveOptionsOf(doc([{ tls: { extended: 'yes' } }])).custom.tlsSessionResumption, undefined);
  });
});

describe('flow.tx_cnt', { skip }, () => {
  it('counts each protocol as Suricata 8 does: DNS messages, HTTP transactions, one per TLS session', async () => {
    const { events } = await analyzeToEvents(ETH);
    const flows = of(events, 'flow');
    const byProto = (p: string) => flows.filter((f) => (f as { app_proto?: string }).app_proto === p);
    // tshark: each of the five DNS flows to port 53 holds one query and its response; each mDNS flow one query.
    const dns = byProto('dns');
    assert.deepEqual(
      dns.filter((f) => (f as { dest_port?: number }).dest_port === 5353).map((f) => f.flow?.tx_cnt),
      [1, 1],
    );
    assert.deepEqual(
      dns.filter((f) => (f as { dest_port?: number }).dest_port === 53).map((f) => f.flow?.tx_cnt),
      [2, 2, 2, 2, 2],
    );
    assert.deepEqual(
      byProto('tls').map((f) => f.flow?.tx_cnt),
      [1, 1, 1, 1, 1],
    );
    // tshark: one GET on the HTTP connection.
    assert.deepEqual(
      byProto('http').map((f) => f.flow?.tx_cnt),
      [1],
    );
  });

  it('a response seen without its request is one HTTP transaction (stream-async-6063-srv-01)', async () => {
    const pcap = join(
      SV,
      'stream-async',
      'http',
      'stream-async-6063-srv-01',
      'http-request-header-async-srv.pcap',
    );
    const { events } = await analyzeToEvents(pcap, { flow: { midstream: true, midstreamPolicy: 'ignore' } });
    const http = of(events, 'flow').filter((f) => (f as { app_proto?: string }).app_proto === 'http');
    assert.deepEqual(
      http.map((f) => f.flow?.tx_cnt),
      [1],
    );
  });
});
