import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePcap, synthesize } from '../../src/synth/index.js';

const result = await synthesize({ seed: 1 });
const dir = mkdtempSync(join(tmpdir(), 'moat-synth-'));
const file = join(dir, 'sample.pcap');
writeFileSync(file, encodePcap(result.frames));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function have(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

function tshark(args: string[]): string[] {
  const r = spawnSync('tshark', ['-r', file, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l.length > 0);
}

test('tcpdump reads the capture without error and counts every packet', (t) => {
  if (!have('tcpdump')) return t.skip('tcpdump not installed');
  const r = spawnSync('tcpdump', ['-r', file, '-nn'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /truncated|bogus|invalid/i);
  assert.equal(r.stdout.split('\n').filter((l) => l.length > 0).length, result.frames.length);
});

test('tshark sees the expected SNIs in the ClientHellos', (t) => {
  if (!have('tshark')) return t.skip('tshark not installed');
  const seen = tshark([
    '-d',
    'tcp.port==8883,tls',
    '-Y',
    'tls.handshake.type==1',
    '-T',
    'fields',
    '-e',
    'tls.handshake.extensions_server_name',
  ]);
  const expected = result.flows
    .filter((f) => f.scenario === 'tls')
    .filter((f) => f.facts.sni !== undefined)
    .map((f) => String(f.facts.sni));
  // tshark prints an empty line for the hello without SNI; a hello repeated after a HelloRetryRequest shows up twice.
  const retries = result.flows.filter((f) => f.facts.helloRetry === true).map((f) => String(f.facts.sni));
  assert.deepEqual([...seen].sort(), [...expected, ...retries].sort());
});

test('tshark sees every issued certificate, the OCSP staple and no malformed packet or bad checksum', (t) => {
  if (!have('tshark')) return t.skip('tshark not installed');
  const names = tshark([
    '-d',
    'tcp.port==8883,tls',
    '-Y',
    'tls.handshake.type==11',
    '-T',
    'fields',
    '-e',
    'x509ce.dNSName',
  ]).flatMap((l) => l.split(','));
  for (const cred of Object.values(result.pki!.servers)) {
    for (const n of cred.dnsNames) assert.ok(names.includes(n), `certificate name ${n}`);
  }
  assert.ok(names.filter((n) => n.endsWith('.example')).length >= 12, 'the many-SAN certificate');
  const ocsp = tshark(['-Y', 'tls.handshake.type==22', '-T', 'fields', '-e', 'ocsp.certStatus']);
  assert.ok(ocsp.length >= 1);
  const bad = tshark([
    '-o',
    'tcp.check_checksum:TRUE',
    '-o',
    'ip.check_checksum:TRUE',
    '-o',
    'udp.check_checksum:TRUE',
    '-d',
    'tcp.port==8883,tls',
    '-Y', // The scanner's retransmitted probes are the only TCP analysis notes expected.
    '_ws.malformed || ip.checksum.status==0 || tcp.checksum.status==0 || udp.checksum.status==0 || (tcp.analysis.flags && !tcp.connection.rst && ip.src != 10.0.0.66)',
  ]);
  assert.deepEqual(bad, []);
});

test('tshark decodes HTTP, DNS and telnet as such', (t) => {
  if (!have('tshark')) return t.skip('tshark not installed');
  const methods = tshark(['-Y', 'http.request', '-T', 'fields', '-e', 'http.request.method']);
  assert.ok(methods.includes('GET') && methods.includes('POST'));
  const rcodes = tshark(['-Y', 'dns.flags.response==1', '-T', 'fields', '-e', 'dns.flags.rcode']);
  assert.ok(rcodes.includes('3') && rcodes.includes('0'));
  const dnsTypes = tshark(['-Y', 'dns.flags.response==1', '-T', 'fields', '-e', 'dns.resp.type']).join(',');
  for (const type of ['1', '5', '28', '16'])
    assert.ok(dnsTypes.split(',').includes(type), `answer type ${type}`);
  const telnet = tshark(['-Y', 'telnet.data contains "Login incorrect"']);
  assert.equal(telnet.length, result.flows.filter((f) => f.scenario === 'bruteforce').length);
});
