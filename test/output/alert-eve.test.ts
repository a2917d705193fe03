/** EVE alert records rendered from findings: Suricata's layout for rule alerts, moat's for its own checks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { printable, writeAlertRecord, xffAddress, type AlertPlace } from '../../src/output/eve/alert.js';
import { createFlowTracker, NO_PROTOCOLS, type FlowView } from '../../src/flow/index.js';
import { TCP_ACK, TCP_SYN } from '../../src/decode/decoded-packet.js';
import { raw } from '../../src/output/eve/json-out.js';
import type { Alert, Signature, TlsScore } from '../../src/finding/index.js';
import { packet, RecordingSink } from '../flow/packets.js';
import { writtenRecords } from '../helpers/eve-object.js';

const T0 = Date.UTC(2024, 2, 1, 12, 0, 0) * 1000;

/** A finished TCP flow 10.0.0.1:40000 → 192.0.2.80:80 on VLAN 7. */
function tcpFlow(): FlowView {
  const sink = new RecordingSink();
  const eng = createFlowTracker(sink, NO_PROTOCOLS);
  const c = { src: '10.0.0.1', dst: '192.0.2.80', sp: 40000, dp: 80, vlan: [7] };
  const s = { src: '192.0.2.80', dst: '10.0.0.1', sp: 80, dp: 40000, vlan: [7] };
  eng.handle(packet({ ...c, flags: TCP_SYN, ts: T0 }));
  eng.handle(packet({ ...s, flags: TCP_SYN | TCP_ACK, ts: T0 + 10 }));
  eng.finish(T0 + 20);
  return sink.ended[0].flow;
}

const SIG: Signature = { gid: 1, sid: 7, rev: 2, msg: 'test "quoted"', category: 'Misc', severity: 2 };

function render(a: Alert, at: Partial<AlertPlace> = {}, opts = {}): Record<string, unknown> {
  const flow = at.flow ?? tcpFlow();
  return writtenRecords((o) =>
    writeAlertRecord(o, a, { flow, tsUs: T0 + 5, iface: undefined, pcapCnt: 0, ...at }, opts),
  )[0];
}

/** An HTTP record as the output would describe it to an alert. */
const httpRecord = (headers: Array<[string, string]> = []): NonNullable<AlertPlace['record']> => ({
  writeMember: (o) => raw(o, '"http":{"url":"/x"}'),
  txId: 2,
  requestHeaders: headers,
});

test('a rule alert on a server → client record: reversed tuple, to_client, then tx_id, the record and traffic tags', () => {
  const rec = render(
    {
      kind: 'rule-alert',
      signature: { ...SIG, metadata: { tag: ['a', 'b'] } },
      action: 'allowed',
      dir: 1,
      traffic: { label: ['web'] },
    },
    { record: httpRecord(), pcapCnt: 12, iface: 'eth1' },
  );
  assert.deepEqual(Object.keys(rec), [
    'timestamp',
    'flow_id',
    'pcap_cnt',
    'event_type',
    'in_iface',
    'vlan',
    'src_ip',
    'src_port',
    'dest_ip',
    'dest_port',
    'ip_v',
    'proto',
    'pkt_src',
    'direction',
    'alert',
    'tx_id',
    'http',
    'flow',
    'traffic',
  ]);
  assert.equal(rec.src_ip, '192.0.2.80');
  assert.equal(rec.src_port, 80);
  assert.equal(rec.dest_ip, '10.0.0.1');
  assert.equal(rec.direction, 'to_client');
  assert.deepEqual(rec.vlan, [7]);
  assert.deepEqual(rec.alert, {
    action: 'allowed',
    gid: 1,
    signature_id: 7,
    rev: 2,
    signature: 'test "quoted"',
    category: 'Misc',
    severity: 2,
    metadata: { tag: ['a', 'b'] },
  });
  assert.equal(rec.tx_id, 2);
  assert.deepEqual(rec.http, { url: '/x' });
  assert.deepEqual(rec.traffic, { label: ['web'] });
  // The flow object names the flow as the client opened it, whichever way the alerting record went.
  const flow = rec.flow as Record<string, unknown>;
  assert.deepEqual(
    [flow.src_ip, flow.src_port, flow.dest_ip, flow.dest_port, flow.pkts_toserver, flow.pkts_toclient],
    ['10.0.0.1', 40000, '192.0.2.80', 80, 1, 1],
  );
});

test('X-Forwarded-For on HTTP alerts: written in for the client (overwrite) or added to the alert (extra-data)', () => {
  const xff = { deployment: 'reverse' as const, header: 'X-Forwarded-For' };
  const record = httpRecord([['x-forwarded-for', '203.0.113.9, 198.51.100.4']]);
  const alert = (dir: 0 | 1): Alert => ({ kind: 'rule-alert', signature: SIG, action: 'allowed', dir });
  const fwd = render(alert(0), { record }, { xff: { ...xff, mode: 'overwrite' } });
  assert.equal(fwd.src_ip, '198.51.100.4');
  assert.equal(fwd.dest_ip, '192.0.2.80');
  const back = render(alert(1), { record }, { xff: { ...xff, mode: 'overwrite' } });
  assert.equal(back.src_ip, '192.0.2.80');
  assert.equal(back.dest_ip, '198.51.100.4');
  const extra = render(alert(0), { record }, { xff: { ...xff, mode: 'extra-data' } });
  assert.equal(extra.src_ip, '10.0.0.1');
  assert.equal((extra.alert as Record<string, unknown>).xff, '198.51.100.4');
  // Without the option nothing changes.
  assert.equal(render(alert(0), { record }).src_ip, '10.0.0.1');
});

test('a stream alert at the flow end: no pcap_cnt, pkt_src, and the payload options on the stream bytes', () => {
  const rec = render(
    {
      kind: 'rule-alert',
      signature: SIG,
      action: 'allowed',
      dir: 0,
      payload: Buffer.from('AB\x00C', 'latin1'),
    },
    { pcapCnt: 99 },
    { payload: true, payloadPrintable: true },
  );
  assert.equal(rec.pcap_cnt, undefined);
  assert.equal(rec.pkt_src, 'stream (flow timeout)');
  assert.equal(rec.payload, Buffer.from('AB\x00C', 'latin1').toString('base64'));
  assert.equal(rec.payload_printable, 'AB.C');
  assert.equal(rec.stream, 1);
  assert.deepEqual(Object.keys(rec).slice(-6), [
    'alert',
    'pkt_src',
    'payload',
    'payload_printable',
    'stream',
    'flow',
  ]);
});

const GROUP = { score: 0.2, weight: 1, contribution: 0.2, dimensions: [] };
const SCORE: TlsScore = {
  policy: 'home',
  selected_by: 'default',
  chain_source: 'handshake',
  score: 0.2,
  condition: 'F >= 0.5',
  verdict: 'risky',
  certificate: GROUP,
  address: GROUP,
  reputation: GROUP,
};

test("the TLS monitor's alert: the handshake's tuple, app_proto, its tls object, the verdict under moat", () => {
  const rec = render(
    {
      kind: 'tls-alert',
      signature: SIG,
      action: 'allowed',
      score: SCORE,
      wouldBlock: true,
      blocked: false,
      channels: [],
    },
    { record: { writeMember: (o) => raw(o, '"tls":{"sni":"x.test"}') }, pcapCnt: 4 },
  );
  assert.equal(rec.pcap_cnt, 4);
  assert.equal(rec.src_ip, '10.0.0.1');
  assert.equal(rec.direction, undefined);
  assert.deepEqual(Object.keys(rec).slice(-4), ['app_proto', 'alert', 'tls', 'moat']);
  assert.equal(rec.app_proto, 'tls');
  assert.deepEqual(rec.tls, { sni: 'x.test' });
  assert.deepEqual(rec.moat, { would_block: true, blocked: false, score: SCORE });
});

test("the event cache's decision: oriented by direction, the entry under moat.event_cache", () => {
  const rec = render(
    {
      kind: 'cache-alert',
      signature: SIG,
      action: 'blocked',
      dir: 1,
      entry: {
        srcIp: '192.0.2.80',
        dstIp: '10.0.0.1',
        srcPort: 80,
        dstPort: 40000,
        proto: 6,
        operationType: 'block',
        operation: 'drop',
        eventId: 'sid:7',
        diagnosis: 'rules',
        status: 'valid',
        scope: 'any',
        direction: 'both',
        hits: 3,
      },
    },
    { pcapCnt: 8 },
  );
  assert.equal(rec.pcap_cnt, undefined);
  assert.equal(rec.src_ip, '192.0.2.80');
  assert.equal((rec.alert as Record<string, unknown>).action, 'blocked');
  assert.deepEqual(Object.keys((rec.moat as { event_cache: object }).event_cache), [
    'src_ip',
    'dest_ip',
    'src_port',
    'dest_port',
    'proto',
    'operation_type',
    'operation',
    'event_id',
    'diagnosis',
    'status',
    'scope',
    'direction',
    'hits',
  ]);
});

test("the model's alert names the flow's bare tuple; log review's names only the device", () => {
  const model = render({
    kind: 'model-alert',
    signature: SIG,
    action: 'allowed',
    wouldBlock: true,
    model: {
      ip: '192.0.2.80',
      verdict: 'black',
      score: 0.91,
      modelVersion: 3,
      rulesFired: ['beacon'],
      reasons: ['periodic'],
      flowsSeen: 12,
      samplingRate: 1,
    },
  });
  assert.deepEqual(Object.keys(model), [
    'timestamp',
    'flow_id',
    'event_type',
    'src_ip',
    'src_port',
    'dest_ip',
    'dest_port',
    'proto',
    'alert',
    'moat',
  ]);
  assert.deepEqual(model.moat, {
    would_block: true,
    model: {
      ip: '192.0.2.80',
      verdict: 'black',
      score: 0.91,
      model_version: 3,
      rules_fired: ['beacon'],
      reasons: ['periodic'],
      flows_seen: 12,
      sampling_rate: 1,
    },
  });
  const review = render({
    kind: 'review-alert',
    signature: SIG,
    action: 'blocked',
    review: {
      rule: 'fanout',
      device: '10.0.0.1',
      value: 70.4,
      limit: 64,
      windowS: 60,
      operation: 'suppress',
      operationArg: '20/second',
      lifetimeS: 3600,
    },
  });
  assert.deepEqual(Object.keys(review), ['timestamp', 'event_type', 'src_ip', 'alert', 'moat']);
  assert.deepEqual(review.moat, {
    log_review: {
      rule: 'fanout',
      device: '10.0.0.1',
      value: 70,
      limit: 64,
      window_s: 60,
      operation: 'suppress',
      operation_arg: '20/second',
      lifetime_s: 3600,
    },
  });
});

test('X-Forwarded-For: last entry behind a reverse proxy, first behind a forward one', () => {
  const hs: Array<[string, string]> = [['X-Forwarded-For', '10.2.2.2, 10.3.3.3']];
  const xff = { mode: 'extra-data' as const, deployment: 'reverse' as const, header: 'X-Forwarded-For' };
  assert.equal(xffAddress(hs, xff), '10.3.3.3');
  assert.equal(xffAddress(hs, { ...xff, deployment: 'forward' }), '10.2.2.2');
  assert.equal(xffAddress([['X-Forwarded-For', 'unknown']], xff), undefined);
});

test('payload_printable keeps printable ASCII, CR and LF, and dots the rest', () => {
  assert.equal(printable(Buffer.from('GET /\r\n\x00\x01\xff~ ', 'latin1')), 'GET /\r\n...~ ');
});
