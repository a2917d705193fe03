/**
 * A-37's operations enforced for real in nftables inside a network namespace: drop, reset, suppress (rate),
 * intervene (DNAT to the honeypot), monitor/track (NFLOG copies, traffic still flows), and removal restoring access.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Enforcer } from '../../src/security/enforcement.js';
import { EventCacheTable, type Operation } from '../../src/security/event-cache.js';

const NS = `moat-sec-enf-${process.pid}`;
const SERVER = '10.98.0.1';
const HONEYPOT = '10.98.0.2';

function canRun(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, nftables)';
  if (spawnSync('sh', ['-c', 'command -v nft && command -v ip']).status !== 0)
    return 'nft or ip not installed';
  return undefined;
}

/** Connects inside the namespace and returns the banner, or the error code. */
function fetchBanner(timeoutMs = 1500): string {
  const js = `const s=require('net').connect({port:8443,host:'${SERVER}',localAddress:'127.0.0.1'});let d='';s.on('data',c=>d+=c);s.on('end',()=>console.log(d||'EMPTY'));s.on('error',e=>console.log(e.code));s.setTimeout(${timeoutMs},()=>{console.log('TIMEOUT');s.destroy()})`;
  return spawnSync('ip', ['netns', 'exec', NS, process.execPath, '-e', js], {
    encoding: 'utf8',
    timeout: 10_000,
  }).stdout.trim();
}

/** Sends n UDP datagrams to SERVER:9999 inside the namespace; returns how many the server got. */
function udpBurst(n: number): number {
  const js = `const d=require('dgram');const srv=d.createSocket('udp4');let got=0;srv.on('message',()=>got++);srv.bind(9999,'${SERVER}',()=>{const c=d.createSocket('udp4');c.bind(0,'127.0.0.1',()=>{let i=0;const send=()=>{if(i++<${n})c.send('x',9999,'${SERVER}',send);else setTimeout(()=>{console.log(got);process.exit(0)},300)};send()})})`;
  return Number(
    spawnSync('ip', ['netns', 'exec', NS, process.execPath, '-e', js], {
      encoding: 'utf8',
      timeout: 10_000,
    }).stdout.trim(),
  );
}

test('every A-37 operation is carried out by the kernel and undone on removal', async (t) => {
  const why = canRun();
  if (why) {
    t.skip(why);
    return;
  }
  let server: ChildProcess | undefined;
  spawnSync('ip', ['netns', 'del', NS]);
  assert.equal(spawnSync('ip', ['netns', 'add', NS]).status, 0);
  try {
    for (const args of [
      ['link', 'set', 'lo', 'up'],
      ['addr', 'add', `${SERVER}/32`, 'dev', 'lo'],
      ['addr', 'add', `${HONEYPOT}/32`, 'dev', 'lo'],
    ]) {
      assert.equal(spawnSync('ip', ['-n', NS, ...args]).status, 0);
    }
    const js = `const net=require('net');for(const [a,n] of [['${SERVER}','real'],['${HONEYPOT}','honeypot']])net.createServer(s=>s.end(n)).listen(8443,a);setTimeout(()=>console.log('up'),100)`;
    server = spawn('ip', ['netns', 'exec', NS, process.execPath, '-e', js], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((r) => server?.stdout?.once('data', () => r()));
    const enf = new Enforcer({ netns: NS, table: 'moat_sec_test', honeypot: HONEYPOT, hookOutput: true });
    await enf.install();
    const table = new EventCacheTable();
    const entry = (operation: Operation, proto = 6, dstPort = 8443, operationArg?: string) =>
      table.record({
        srcIp: '127.0.0.1',
        dstIp: SERVER,
        srcPort: 0,
        dstPort,
        proto,
        createdUs: 0,
        maxLifetimeUs: 60e6,
        direction: 'forward',
        scope: 'any',
        operation,
        operationArg,
        eventId: `test:${operation}`,
        diagnosis: 'operator',
      });

    assert.equal(fetchBanner(), 'real');
    const cases: Array<[Operation, string]> = [
      ['drop', 'TIMEOUT'],
      ['reset', 'ECONNREFUSED'],
      ['intervene', 'honeypot'],
      ['monitor', 'real'],
      ['track', 'real'],
      ['forward', 'real'],
    ];
    for (const [op, expect] of cases) {
      const e = entry(op);
      await enf.apply(e);
      assert.equal(fetchBanner(), expect, op);
      assert.ok((await enf.remove(e)) >= 1, `${op} rules removed`);
      assert.equal(fetchBanner(), 'real', `after removing ${op}`);
    }
    // suppress: at most the burst gets through a 1/minute limit; without it, all 40 datagrams arrive.
    assert.equal(udpBurst(40), 40);
    const s = entry('suppress', 17, 9999, '1/minute');
    await enf.apply(s);
    const got = udpBurst(40);
    assert.ok(got >= 1 && got <= 10, `suppressed to ${got} of 40`);
    await enf.remove(s);
    assert.throws(
      () => new Enforcer({ netns: NS }).statements(entry('deceive')),
      /deceive needs a deception address/,
    );
    await enf.uninstall();
  } finally {
    server?.kill('SIGTERM');
    spawnSync('ip', ['netns', 'del', NS]);
  }
});
