/**
 * The stream settings (`moat analyze --set`): stream.async-oneside and stream.midstream-policy, on the captures
 * suricata-verify runs them on; the expected answers are Suricata's (those tests' expectations).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { analyzeToEvents } from '../../src/pipeline/index.js';
import { streamOptionsOf, type FlowTrackerOptions } from '../../src/flow/index.js';
import { ConfigError } from '../../src/framework/errors.js';
import { parseRules, RuleInspector, RuleMatcher } from '../../src/detect/index.js';

const SV = '../shared/corpus/suricata-verify/tests';
// The client's side only: SYN, its ACK (no SYN/ACK seen), a GET, ACK, FIN.
const CLI = `${SV}/stream-async/http/stream-async-6063-cli-01/http-request-header-async-cli.pcap`;
// The server's side only: SYN/ACK, ACK, a response, FIN.
const SRV = `${SV}/stream-async/http/stream-async-6063-srv-01/http-request-header-async-srv.pcap`;
// An HTTP session picked up midstream whose response carries "uid=0(root)".
const MID = `${SV}/alert-testmyids-midstream5/input.pcap`;
const ROOT_RULE =
  'alert ip any any -> any any (msg:"id check returned root"; content:"uid=0|28|root|29|"; sid:2100498; rev:7;)\n' +
  'alert http any any -> any any (msg:"HTTP traffic"; sid:1; rev:1;)\n';

type Ev = Record<string, unknown> & {
  event_type: string;
  flow?: Record<string, unknown>;
  tcp?: Record<string, unknown>;
};

async function run(pcap: string, flow: FlowTrackerOptions, rules?: string): Promise<Ev[]> {
  const inspectors = [];
  if (rules !== undefined) {
    const parsed = parseRules(rules, 'test.rules');
    assert.deepEqual(parsed.errors, []);
    inspectors.push(new RuleInspector(new RuleMatcher(parsed.rules, {}), true));
  }
  return (await analyzeToEvents(pcap, { flow, inspectors })).events as Ev[];
}

const of = (evs: Ev[], type: string): Ev[] => evs.filter((e) => e.event_type === type);

test('settings are parsed and checked as Suricata IDS mode checks them', () => {
  assert.deepEqual(streamOptionsOf(['stream.async-oneside=false', 'stream.midstream=true']), {
    asyncOneside: false,
    midstream: true,
  });
  assert.equal(streamOptionsOf(['stream.midstream-policy=auto']).midstreamPolicy, 'ignore');
  assert.equal(
    streamOptionsOf(['stream.midstream=false', 'stream.midstream-policy=bypass']).midstreamPolicy,
    'bypass',
  );
  // Suricata 8 exits with an error on these (suricata-verify bug-5825-midstream-exception-policy, IDS cases).
  for (const bad of [
    ['stream.midstream=true', 'stream.midstream-policy=bypass'],
    ['stream.midstream=true', 'stream.midstream-policy=drop-flow'],
    ['stream.midstream=true', 'stream.midstream-policy=drop-packet'],
    ['stream.midstream=true', 'stream.midstream-policy=pass-packet'],
    ['stream.midstream=false', 'stream.midstream-policy=drop-flow'],
  ])
    assert.throws(() => streamOptionsOf(bad), ConfigError, bad.join(' '));
  assert.throws(
    () => streamOptionsOf(['stream.async-oneside=maybe']),
    /stream\.async-oneside: expected true or false/,
  );
  assert.throws(() => streamOptionsOf(['stream.midstream-policy=drop']), /unknown exception policy 'drop'/);
  assert.throws(() => streamOptionsOf(['stream.depth=1']), /unknown setting/);
});

test('stream.async-oneside on a client-only handshake', async (t) => {
  if (!existsSync(CLI)) return t.skip(`${CLI} absent`);
  // false (Suricata's default): the ACK after the SYN is no part of the session; nothing is parsed.
  const off = await run(CLI, { midstream: true, asyncOneside: false });
  assert.equal(of(off, 'http').length, 0);
  const f = of(off, 'flow')[0];
  assert.equal(f.app_proto, undefined);
  assert.equal(f.flow?.state, 'new');
  assert.equal(f.flow?.pkts_toserver, 5);
  assert.equal(f.flow?.bytes_toserver, 696);
  assert.equal(f.tcp?.state, 'syn_sent');
  assert.equal(f.tcp?.ts_max_regions, 1);
  assert.equal(f.tcp?.tc_max_regions, 1);
  // true: the one-sided handshake establishes the session, its request is parsed.
  const on = await run(CLI, { midstream: true, asyncOneside: true });
  assert.equal(of(on, 'http').length, 1);
  assert.equal(of(on, 'flow')[0].tcp?.state, 'close_wait');
  assert.equal(of(on, 'flow')[0].flow?.state, 'established');
  // Unset: moat's own behaviour (parsed, state as the flags show) is unchanged.
  const unset = await run(CLI, { midstream: true });
  assert.equal(of(unset, 'http').length, 1);
  assert.equal(of(unset, 'flow')[0].tcp?.state, 'syn_sent');
});

test('a session picked up at its SYN/ACK is established by the responder', async (t) => {
  if (!existsSync(SRV)) return t.skip(`${SRV} absent`);
  const evs = await run(SRV, { midstream: true, asyncOneside: false, midstreamPolicy: 'ignore' });
  const f = of(evs, 'flow')[0];
  assert.equal(f.flow?.state, 'established');
  assert.equal(f.tcp?.state, 'fin_wait1');
  assert.deepEqual(f.flow?.exception_policy, [{ target: 'stream_midstream', policy: 'ignore' }]);
  // The response with no request: libhtp's event, on the response's tuple.
  const a = of(evs, 'anomaly').find(
    (e) => (e.anomaly as { event: string }).event === 'UNABLE_TO_MATCH_RESPONSE_TO_REQUEST',
  );
  assert.equal(a?.src_port, 80);
});

test('stream.midstream-policy in IDS mode: ignore, pass-flow, bypass', async (t) => {
  if (!existsSync(MID)) return t.skip(`${MID} absent`);
  const ignore = await run(MID, { midstream: true, midstreamPolicy: 'ignore' }, ROOT_RULE);
  assert.ok(of(ignore, 'alert').length >= 1);
  assert.equal(of(ignore, 'http').length, 1);
  // pass-flow: parsed and logged, never inspected.
  const pass = await run(MID, { midstream: true, midstreamPolicy: 'pass-flow' }, ROOT_RULE);
  assert.equal(of(pass, 'alert').length, 0);
  assert.equal(of(pass, 'http').length, 1);
  const pf = of(pass, 'flow')[0];
  assert.equal(pf.flow?.action, 'pass');
  assert.deepEqual(pf.flow?.exception_policy, [{ target: 'stream_midstream', policy: 'pass_flow' }]);
  // bypass (pickup off): not tracked, not inspected, the flow says so.
  const bypass = await run(MID, { midstream: false, midstreamPolicy: 'bypass' }, ROOT_RULE);
  assert.equal(of(bypass, 'alert').length, 0);
  assert.equal(of(bypass, 'http').length, 0);
  assert.equal(of(bypass, 'flow')[0].flow?.state, 'bypassed');
  // ignore with pickup off: the packet rule still sees the packets, the http rule has no session to match.
  const off = await run(MID, { midstream: false, midstreamPolicy: 'ignore' }, ROOT_RULE);
  assert.equal(of(off, 'http').length, 0);
  assert.ok(of(off, 'alert').every((e) => (e.alert as { signature_id: number }).signature_id === 2100498));
  // No policy set: no exception_policy on the flow (moat's default output).
  const none = await run(MID, { midstream: true });
  assert.equal(of(none, 'flow')[0].flow?.exception_policy, undefined);
});

/** pcap_cnt of the alerts of one `stream-event` rule on a capture. */
async function streamEventAlerts(pcap: string, event: string): Promise<number[]> {
  const rule = `alert tcp any any -> any any (msg:"stream event"; stream-event:${event}; sid:9; rev:1;)\n`;
  const evs = await run(pcap, { midstream: true }, rule);
  return of(evs, 'alert').map((e) => e.pcap_cnt as number);
}

test('stream-event:reassembly_seq_gap on the packet whose ACK passes a hole', async (t) => {
  const simple = `${SV}/eve-payload-05-tcp-data-gap/tcp-simple-gap2.pcap`;
  const dns = `${SV}/dns-tcp-ts-gap/input.pcap`;
  const rst = `${SV}/tcp-rst-unacked-stream-03-gap/input.pcap`;
  if (![simple, dns, rst].every(existsSync)) return t.skip('captures absent');
  // tshark's tcp.analysis.ack_lost_segment: frame 7.
  assert.deepEqual(await streamEventAlerts(simple, 'reassembly_seq_gap'), [7]);
  // tshark flags frames 8 and 11; 11 acknowledges 69..103, which frame 10 carried (tshark lost track after the
  // hole that 8 acknowledges past: the client's bytes 35..69).
  assert.deepEqual(await streamEventAlerts(dns, 'reassembly_seq_gap'), [8]);
  // A hole never acknowledged (the client resets) is no gap event: Suricata's test expects none.
  assert.deepEqual(await streamEventAlerts(rst, 'stream.reassembly_seq_gap'), []);
});

test('stream-event refuses the events moat does not raise', () => {
  const r = parseRules(
    'alert tcp any any -> any any (stream-event:3whs_ack_in_wrong_dir; sid:1;)\n',
    't.rules',
  );
  assert.equal(r.rules.length, 0);
  assert.match(r.errors[0].message, /stream engine does not raise/);
});

test('stream.reassembly.depth: reassembly stops at the depth, once per direction', async (t) => {
  // One SMB2 session of 1.5 MB; Suricata's answer with depth 50 (suricata-verify stream-depth-reached-event): two
  // stream.reassembly_depth_reached events and two alerts of the stream-event rule.
  const smb = `${SV}/smb2-03-rule/smb2.pcap`;
  const http = `${SV}/http-gap-simple/input.pcap`;
  if (![smb, http].every(existsSync)) return t.skip('captures absent');
  assert.deepEqual(streamOptionsOf(['stream.reassembly.depth=1mb']).reassemblyDepth, 1 << 20);
  assert.throws(() => streamOptionsOf(['stream.reassembly.depth=lots']), /expected a size/);
  const rule = 'alert tcp any any -> any any (stream-event:reassembly_depth_reached; sid:2210062; rev:2;)\n';
  const evs = await run(smb, { midstream: true, reassemblyDepth: 50 }, rule);
  const depth = of(evs, 'anomaly').filter(
    (e) => (e.anomaly as { event: string }).event === 'stream.reassembly_depth_reached',
  );
  assert.equal(depth.length, 2);
  // One per direction: on two different packets.
  assert.notEqual(depth[0].pcap_cnt, depth[1].pcap_cnt);
  assert.equal(of(evs, 'alert').length, 2);
  // Unset: no limit, no event.
  const none = await run(smb, { midstream: true }, rule);
  assert.equal(of(none, 'alert').length, 0);
  // The parser sees the first 30 bytes of each direction only: "GET /1 HTTP/1.0\r\nUser-Agent: M" of the first
  // request, nothing of the two others.
  const cut = of(await run(http, { reassemblyDepth: 30 }), 'http');
  assert.equal(cut.length, 1);
  assert.equal((cut[0].http as { url: string }).url, '/1');
  assert.equal((cut[0].http as { http_user_agent: string }).http_user_agent, 'M');
  assert.equal(of(await run(http, {}), 'http').length, 3);
});

test('decoder.recursion-level.use-for-tracking: a tunnel inner packet joins the outer flow when off', async (t) => {
  // Echo request and reply, each once outside and once inside an IPv6 tunnel. Suricata's answer
  // (suricata-verify flow-pkt-recursion): 4 one-packet flows when the depth is keyed, 2 request/reply flows when not.
  const pcap = `${SV}/flow-pkt-recursion/tunnel-pkt-flows.pcap`;
  if (!existsSync(pcap)) return t.skip(`${pcap} absent`);
  assert.equal(streamOptionsOf(['decoder.recursion-level.use-for-tracking=false']).recursionTracking, false);
  const counts = (evs: Ev[]): string[] =>
    of(evs, 'flow').map((e) => `${String(e.flow?.pkts_toserver)}/${String(e.flow?.pkts_toclient)}`);
  assert.deepEqual(counts(await run(pcap, {})), ['1/0', '1/0', '1/0', '1/0']);
  assert.deepEqual(counts(await run(pcap, { recursionTracking: false })), ['1/1', '1/1']);
});
