/**
 * fast.log (`moat analyze --fast-log FILE`): one line per alert in Suricata's format. The line count is
 * suricata-verify's expectation for alert-testmyids-not-established (one line); the time, addresses and ports come
 * from tshark's dissection of the alerting packet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { moat } from '../helpers/moat-cli.js';
import { hasTshark } from '../helpers/tshark.js';
import { fastLogLine } from '../../src/output/index.js';

const T = '../shared/corpus/suricata-verify/tests/alert-testmyids-not-established';
const have = existsSync(join(T, 'input.pcap'));

test(
  'analyze --fast-log: one line per alert, fields from the packet',
  { skip: !have || !hasTshark() },
  (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'fastlog-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const r = moat([
      'analyze',
      join(T, 'input.pcap'),
      '--rules',
      join(T, 'test.rules'),
      '--eve',
      join(dir, 'eve.json'),
      '--fast-log',
      join(dir, 'fast.log'),
      '--no-progress',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const lines = readFileSync(join(dir, 'fast.log'), 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, 1);
    const ts = spawnSync(
      'tshark',
      [
        '-r',
        join(T, 'input.pcap'),
        '-Y',
        'frame contains "uid=0(root)"',
        '-T',
        'fields',
        '-e',
        'frame.time_epoch',
      ],
      { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } },
    );
    const f = ['-e', 'ip.src', '-e', 'tcp.srcport', '-e', 'ip.dst', '-e', 'tcp.dstport'];
    const addr = spawnSync(
      'tshark',
      ['-r', join(T, 'input.pcap'), '-Y', 'frame contains "uid=0(root)"', '-T', 'fields', ...f],
      { encoding: 'utf8' },
    );
    const [sec, frac] = ts.stdout.trim().split('.');
    const d = new Date(Number(sec) * 1000);
    const p2 = (n: number): string => String(n).padStart(2, '0');
    const when =
      `${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())}/${d.getUTCFullYear()}-` +
      `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${frac.slice(0, 6)}`;
    const [src, sp, dst, dp] = addr.stdout.trim().split('\t');
    // bad-unknown is "Potentially Bad Traffic", priority 2, in Suricata's classification.config.
    const tail =
      ' GPL ATTACK_RESPONSE id check returned root [**] [Classification: Potentially Bad Traffic] [Priority: 2]' +
      ` {TCP} ${src}:${sp} -> ${dst}:${dp}`;
    assert.match(lines[0], new RegExp(`^${when.replace(/[./]/g, '\\$&')}  \\[\\*\\*\\] \\[1:[12]:7\\]`));
    assert.ok(lines[0].endsWith(tail), lines[0]);
  },
);

test('fast.log line: ICMP type/code in the port places, IPv6 in full, no classtype is "(null)"', () => {
  const line = fastLogLine({
    timestamp: '2026-11-22T23:37:43.123456+0000',
    event_type: 'alert',
    src_ip: '2001:db8::1',
    dest_ip: 'fe80::a',
    proto: 'IPv6-ICMP',
    icmp_type: 128,
    icmp_code: 0,
    alert: { action: 'allowed', gid: 1, signature_id: 9, rev: 2, signature: 'ping', severity: 3 },
  });
  assert.equal(
    line,
    '11/22/2026-23:37:43.123456  [**] [1:9:2] ping [**] [Classification: (null)] [Priority: 3] {IPv6-ICMP} ' +
      '2001:0db8:0000:0000:0000:0000:0000:0001:128 -> fe80:0000:0000:0000:0000:0000:0000:000a:0\n',
  );
  assert.equal(fastLogLine({ event_type: 'flow' }), undefined);
});

test('--fast-log needs an EVE file', { skip: !have }, () => {
  const r = moat(['analyze', join(T, 'input.pcap'), '--eve', '-', '--fast-log', 'f.log']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--fast-log is written from the EVE file/);
});
