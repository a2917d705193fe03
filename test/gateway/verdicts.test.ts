/**
 * The verdict machinery without the network: the verdict table for each A-37 operation (and the kernel's dry-run of
 * it, as root), the sinkholing DNS answer, the incident policy's decisions on the bus, the inbox's checks, and the
 * store that carries the entries across restarts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessBus, type CacheEntryChange, type CacheEntryMessage } from '../../src/framework/index.js';
import { openSqlite } from '../../src/store/index.js';
import { AlertDispatcher, WebhookChannel } from '../../src/output/index.js';
import {
  IncidentPolicy,
  VerdictInbox,
  VerdictStore,
  inboxDir,
  postToInbox,
  renderVerdicts,
  MAX_SET_TIMEOUT_S,
  sinkholeAnswer,
  type VerdictTableOptions,
} from '../../src/gateway/enforce/index.js';

const OPTS: VerdictTableOptions = {
  table: 'moat_gateway_verdicts',
  honeypot: '192.168.63.10',
  monitorGroup: 10,
  trackGroup: 11,
  monitorSnaplen: 128,
  suppressRate: '10/second',
  deception: { dnsPort: 10053, httpPort: 10080 },
};

const NOW_S = 1_800_000_000;

function entry(over: Partial<CacheEntryMessage>): CacheEntryMessage {
  return {
    srcIp: '192.168.61.50',
    dstIp: '10.90.0.1',
    srcPort: 40000,
    dstPort: 443,
    proto: 6,
    createdUs: NOW_S * 1e6,
    lastHitUs: NOW_S * 1e6,
    maxLifetimeUs: 600e6,
    direction: 'both',
    scope: 'lan',
    operationType: 'block',
    operation: 'drop',
    eventId: 'sid:1',
    diagnosis: 'rules',
    status: 'valid',
    hits: 0,
    ...over,
  };
}

test('each operation renders its nftables rules, with the deadline in the kernel', () => {
  const r = (e: Partial<CacheEntryMessage>) => renderVerdicts([entry(e)], OPTS, NOW_S).script;
  const until = `meta time < ${NOW_S + 600}`;
  // A connection's entry matches the service (the next connection comes from another port), both ways.
  const drop = r({});
  assert.match(
    drop,
    new RegExp(
      `${until} ip saddr 192\\.168\\.61\\.50 ip daddr 10\\.90\\.0\\.1 meta l4proto 6 tcp dport 443 drop`,
    ),
  );
  assert.match(drop, /ip saddr 10\.90\.0\.1 ip daddr 192\.168\.61\.50 meta l4proto 6 tcp sport 443 drop/);
  assert.match(r({ operation: 'reset' }), /tcp dport 443 meta l4proto tcp reject with tcp reset comment/);
  assert.match(r({ operation: 'forward', direction: 'forward' }), /tcp dport 443 accept comment/);
  assert.match(r({ operation: 'suppress', operationArg: '50/minute' }), /limit rate over 50\/minute drop/);
  assert.match(r({ operation: 'suppress', operationArg: 'lots' }), /limit rate over 10\/second drop/);
  assert.match(r({ operation: 'monitor' }), /ct state new log group 10 snaplen 128/);
  assert.match(r({ operation: 'track' }), /tcp dport 443 log group 11 comment/);
  const dev = { dstIp: '*', srcPort: 0, dstPort: 0, proto: 0, direction: 'forward' as const };
  // Address-level drops are set elements with their own timeout; the set's rules match them.
  const isolated = renderVerdicts([entry({ ...dev, direction: 'both' })], OPTS, NOW_S);
  assert.equal(isolated.elements, 1);
  assert.match(
    isolated.script,
    /set drop_dev_both \{ type ipv4_addr; flags timeout; elements = \{ 192\.168\.61\.50 timeout 600s comment "192\.168\.61\.50\|\*\|0\|0\|0" \}; \}/,
  );
  assert.match(
    isolated.script,
    /ip saddr @drop_dev_both counter drop\n\s+ip daddr @drop_dev_both counter drop/,
  );
  const pair = renderVerdicts(
    [entry({ srcPort: 0, dstPort: 0, proto: 0, direction: 'forward' })],
    OPTS,
    NOW_S,
  );
  assert.match(
    pair.script,
    /set drop_pair_fwd \{ type ipv4_addr \. ipv4_addr; flags timeout; elements = \{ 192\.168\.61\.50 \. 10\.90\.0\.1 timeout 600s/,
  );
  assert.doesNotMatch(pair.script, /ip daddr \. ip saddr @drop_pair/);
  const intervene = r({ ...dev, operation: 'intervene' });
  assert.match(
    intervene,
    /ip saddr 192\.168\.61\.50 ct state new ct mark set 0x6d6f6174 dnat ip to 192\.168\.63\.10/,
  );
  assert.match(
    intervene,
    /ip daddr 192\.168\.61\.50 ct mark != 0x6d6f6174 meta l4proto tcp reject with tcp reset/,
    'a2 both ways',
  );
  const deceive = r({ ...dev, operation: 'deceive' });
  assert.match(
    deceive,
    /meta l4proto udp udp dport 53 ct state new ct mark set 0x6d6f6174 redirect to :10053/,
  );
  assert.match(deceive, /meta l4proto tcp ct state new ct mark set 0x6d6f6174 redirect to :10080/);
  // a watched entry is tracked until its watch ends; an invalid one and an expired one enforce nothing.
  const watched = r({ status: 'watched', watchUntilUs: (NOW_S + 60) * 1e6 });
  assert.match(watched, new RegExp(`meta time < ${NOW_S + 60} .* log group 11`));
  assert.doesNotMatch(watched, / drop /);
  assert.equal(renderVerdicts([entry({ status: 'invalid' })], OPTS, NOW_S).rules, 0);
  assert.equal(renderVerdicts([entry({ maxLifetimeUs: 1e6 })], OPTS, NOW_S + 5).rules, 0);
  const skipped = renderVerdicts(
    [
      entry({ srcIp: '2001:db8::1', dstIp: '192.0.2.1' }),
      entry({ ...dev, operation: 'intervene' }),
      entry({ srcIp: '2001:db8::1', dstIp: '2001:db8::2', operation: 'intervene' }),
    ],
    { ...OPTS, honeypot: undefined },
    NOW_S,
  ).skipped;
  assert.deepEqual(
    skipped.map((s) => s.why),
    [
      'an IPv4 and an IPv6 address: no packet has both',
      'intervene needs the DMZ honeypot (zones.dmz.honeypot)',
      'intervene needs the DMZ honeypot (zones.dmz.honeypot)',
    ],
  );
  assert.deepEqual(
    renderVerdicts(
      [entry({ srcIp: '2001:db8::1', dstIp: '2001:db8::2', operation: 'intervene' })],
      OPTS,
      NOW_S,
    ).skipped.map((s) => s.why),
    ['intervene: the DMZ honeypot has an IPv4 address only'],
  );
  // IPv6 entries: ip6 matches in canonical form, address-level drops in the ipv6_addr sets.
  const v6 = renderVerdicts(
    [
      entry({ srcIp: '2001:DB8:0:0::1', dstIp: '2001:db8::2', operation: 'reset', proto: 6, dstPort: 443 }),
      entry({ srcIp: '2001:db8::1', dstIp: '2001:db8::9', srcPort: 0, dstPort: 0, proto: 0 }),
      entry({ srcIp: 'fd61::50', dstIp: '*', srcPort: 0, dstPort: 0, proto: 0 }),
    ],
    OPTS,
    NOW_S,
  );
  assert.deepEqual(v6.skipped, []);
  assert.match(
    v6.script,
    /ip6 saddr 2001:db8::1 ip6 daddr 2001:db8::2 meta l4proto 6 tcp dport 443 meta l4proto tcp reject with tcp reset/,
  );
  assert.match(
    v6.script,
    /set drop_pair_both6 \{ type ipv6_addr \. ipv6_addr; flags timeout; elements = \{ 2001:db8::1 \. 2001:db8::9 timeout/,
  );
  assert.match(
    v6.script,
    /set drop_dev_both6 \{ type ipv6_addr; flags timeout; elements = \{ fd61::50 timeout/,
  );
  assert.match(v6.script, /ip6 saddr \. ip6 daddr @drop_pair_both6 counter drop/);
  // Observing rules come first, then allowing ones: a forwarded flow is still monitored.
  const order = renderVerdicts(
    [
      entry({ operation: 'drop', dstPort: 1 }),
      entry({ operation: 'forward', dstPort: 2 }),
      entry({ operation: 'monitor', dstPort: 3 }),
    ],
    OPTS,
    NOW_S,
  ).script;
  assert.ok(
    order.indexOf('log group 10') < order.indexOf(' accept ') &&
      order.indexOf(' accept ') < order.indexOf(' drop '),
  );
});

test('the kernel accepts the verdict table for every operation (dry run)', (t) => {
  if (process.getuid?.() !== 0 || spawnSync('sh', ['-c', 'command -v nft']).status !== 0) {
    t.skip('needs root and nft');
    return;
  }
  const ns = `mvdry${process.pid}`;
  spawnSync('ip', ['netns', 'add', ns]);
  try {
    const ops = ['forward', 'drop', 'suppress', 'deceive', 'intervene', 'monitor', 'track', 'reset'] as const;
    const entries = ops.flatMap((op, i) => [
      entry({ operation: op, dstPort: 1000 + i }),
      entry({ operation: op, dstIp: '*', srcPort: 0, dstPort: 0, proto: 0, srcIp: `192.168.61.${60 + i}` }),
      entry({ operation: op, proto: 17, dstPort: 53, srcIp: `192.168.61.${80 + i}` }),
    ]);
    // The same for IPv6 (intervene is skipped: the honeypot has an IPv4 address).
    entries.push(
      ...ops.flatMap((op, i) => [
        entry({ operation: op, srcIp: `fd61::${60 + i}`, dstIp: 'fd90::1', dstPort: 1000 + i }),
        entry({ operation: op, dstIp: '*', srcPort: 0, dstPort: 0, proto: 0, srcIp: `fd61::${80 + i}` }),
        entry({ operation: op, proto: 17, dstPort: 53, srcIp: `fd61::${100 + i}`, dstIp: 'fd90::1' }),
        entry({
          operation: op,
          srcPort: 0,
          dstPort: 0,
          proto: 0,
          srcIp: `fd61::${120 + i}`,
          dstIp: 'fd90::2',
        }),
      ]),
    );
    // An operator's ten-year block: nft refuses such a set timeout, and one refused element would lose the table.
    const nowS = Date.now() / 1000 - 10;
    entries.push(
      entry({
        dstIp: '*',
        srcPort: 0,
        dstPort: 0,
        proto: 0,
        srcIp: '192.168.61.99',
        createdUs: nowS * 1e6,
        maxLifetimeUs: 10 * 365 * 86_400e6,
      }),
    );
    const rs = renderVerdicts(entries, OPTS, nowS);
    assert.equal(rs.skipped.length, 4, JSON.stringify(rs.skipped));
    assert.equal(rs.clamped, true);
    assert.match(rs.script, new RegExp(`192\\.168\\.61\\.99 timeout ${MAX_SET_TIMEOUT_S}s`));
    const r = spawnSync('ip', ['netns', 'exec', ns, 'nft', '-c', '-f', '-'], {
      input: rs.script,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `${r.stderr}\n${rs.script}`);
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
});

function dnsQuery(name: string, qtype: number): Buffer {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const q = Buffer.concat([...labels, Buffer.from([0]), Buffer.from([0, qtype, 0, 1])]);
  return Buffer.concat([Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), q]);
}

test('the deception DNS answers every A query with the sinkhole and refuses junk', () => {
  const sink = Buffer.from([10, 66, 66, 66]);
  const a = sinkholeAnswer(dnsQuery('bank.example.com', 1), sink)!;
  assert.equal(a.readUInt16BE(0), 0x1234, 'same id');
  assert.equal(a.readUInt16BE(2) & 0x8000, 0x8000, 'a response');
  assert.equal(a.readUInt16BE(6), 1, 'one answer');
  assert.deepEqual([...a.subarray(a.length - 4)], [10, 66, 66, 66]);
  const aaaa = sinkholeAnswer(dnsQuery('bank.example.com', 28), sink)!;
  assert.equal(aaaa.readUInt16BE(6), 0, 'no AAAA answer');
  assert.equal(sinkholeAnswer(Buffer.from([1, 2, 3]), sink), undefined);
  assert.equal(sinkholeAnswer(dnsQuery('x.example', 1).subarray(0, 20), sink), undefined, 'truncated');
  const response = dnsQuery('x.example', 1);
  response[2] |= 0x80;
  assert.equal(sinkholeAnswer(response, sink), undefined, 'a response is not answered');
  const loop = dnsQuery('x.example', 1);
  loop[12] = 0xc0;
  assert.equal(sinkholeAnswer(loop, sink), undefined, 'a compression pointer in a question');
});

test('the incident policy turns rule hits and engine verdicts into entries and alerts', async (t) => {
  const bus = new InProcessBus();
  const seen: CacheEntryChange[] = [];
  await bus.subscribe('cache-entry', 'test', (c) => void seen.push(c));
  const posts: string[] = [];
  const hook = createServer((req, res) => {
    let b = '';
    req.on('data', (d: Buffer) => (b += d.toString()));
    req.on('end', () => {
      posts.push(b);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  t.after(() => hook.close());
  const port = (hook.address() as { port: number }).port;
  const zoneOf = (ip: string) =>
    ip.startsWith('192.168.61.')
      ? 'lan'
      : ip.startsWith('10.90.0.')
        ? 'wan'
        : ip === '192.168.61.1'
          ? 'gateway'
          : 'outside';
  const p = new IncidentPolicy({
    bus,
    zoneOf,
    lifetimeS: 300,
    incidentSeverity: 1,
    alerts: new AlertDispatcher(new Map([['hook', new WebhookChannel(`http://127.0.0.1:${port}/`)]])),
    alertChannels: ['hook'],
    log: () => undefined,
  });
  await p.start();
  const hit = {
    sid: 7,
    msg: 'm',
    severity: 3,
    srcIp: '192.168.61.50',
    dstIp: '10.90.0.1',
    srcPort: 40000,
    dstPort: 80,
    proto: 6,
    tsUs: 0,
  };
  p.onRuleHit({ ...hit, action: 'drop' });
  p.onRuleHit({ ...hit, action: 'drop' });
  p.onRuleHit({ ...hit, action: 'reject', dstPort: 81 });
  p.onRuleHit({ ...hit, action: 'alert', dstPort: 82 });
  assert.deepEqual(
    seen.map((c) => [c.entry.operation, c.entry.dstPort]),
    [
      ['drop', 80],
      ['reset', 81],
    ],
    'one entry per service however often the rule fires; a plain alert blocks nothing',
  );
  seen.length = 0;
  p.onRuleHit({ ...hit, action: 'alert', severity: 1, srcIp: '10.90.0.5', dstIp: '192.168.61.50' });
  p.onRuleHit({ ...hit, action: 'alert', severity: 1 });
  p.onRuleHit({ ...hit, action: 'alert', severity: 1, dstIp: '192.168.61.60' });
  assert.deepEqual(
    seen.map((c) => [c.entry.srcIp, c.entry.dstIp, c.entry.operation, c.entry.direction]),
    [
      ['10.90.0.5', '*', 'intervene', 'forward'],
      ['192.168.61.50', '*', 'drop', 'both'],
    ],
    'inbound: honeypot takes over; outbound: the device is isolated; internal to internal: neither',
  );
  await p.config.alerts!.drain();
  assert.equal(posts.length, 1);
  assert.match(posts[0], /"isolated":"192\.168\.61\.50"/);
  seen.length = 0;
  const v = {
    srcIp: '192.168.61.50',
    dstIp: '10.90.0.7',
    srcPort: 40001,
    dstPort: 443,
    proto: 6,
    tsUs: Date.now() * 1000,
    signatureId: 9,
  };
  bus.publish('verdict', { ...v, engine: 'tlsmon', verdict: 'risky', block: true, blocked: false });
  bus.publish('verdict', {
    ...v,
    dstIp: '10.90.0.8',
    engine: 'ml',
    verdict: 'gray',
    block: false,
    blocked: false,
  });
  await bus.flush();
  assert.deepEqual(
    seen.map((c) => [c.entry.dstIp, c.entry.srcPort, c.entry.dstPort, c.entry.operation, c.entry.diagnosis]),
    [
      ['10.90.0.7', 0, 0, 'drop', 'tlsmon'],
      ['10.90.0.8', 0, 0, 'track', 'ml'],
    ],
  );
  await p.stop();
});

test('the inbox publishes checked messages and refuses the rest', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-inbox-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bus = new InProcessBus();
  const seen: CacheEntryChange[] = [];
  await bus.subscribe('cache-entry', 'test', (c) => void seen.push(c));
  const logs: string[] = [];
  const inbox = new VerdictInbox({ stateDir: dir, bus, log: (l) => logs.push(l) });
  await inbox.start();
  t.after(() => inbox.stop());
  postToInbox(dir, 'cache-entry', { change: 'put', entry: entry({}) });
  writeFileSync(
    join(inboxDir(dir), '1-bad.json'),
    JSON.stringify({
      topic: 'cache-entry',
      payload: { change: 'put', entry: { ...entry({}), srcIp: 'nope' } },
    }),
  );
  writeFileSync(join(inboxDir(dir), '2-junk.json'), '{not json');
  const end = Date.now() + 5000;
  while (inbox.published + inbox.refused < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  assert.equal(inbox.published, 1);
  assert.equal(inbox.refused, 2);
  assert.equal(seen.length, 1);
  assert.match(logs.join('\n'), /1-bad\.json: entry\.srcIp: not an IPv4 or IPv6 address/);
  assert.deepEqual(readdirSync(inboxDir(dir)), [], 'every file is consumed');
});

test('the store keeps the entries in force across a reopen and forgets expired ones', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-vstore-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const now = Date.now() / 1000;
  const s1 = openSqlite(join(dir, 'moat.db'));
  const vs = new VerdictStore(s1);
  vs.put(
    entry({ createdUs: now * 1e6, status: 'watched', operation: 'track', watchUntilUs: (now + 60) * 1e6 }),
  );
  vs.put(entry({ createdUs: (now - 1000) * 1e6, dstPort: 1 }));
  vs.put(entry({ createdUs: now * 1e6, dstPort: 2 }));
  vs.delete('192.168.61.50|10.90.0.1|40000|2|6');
  s1.close();
  const back = new VerdictStore(openSqlite(join(dir, 'moat.db'))).load(now);
  assert.deepEqual(
    back.map((e) => [e.dstPort, e.status]),
    [[443, 'watched']],
  );
});
