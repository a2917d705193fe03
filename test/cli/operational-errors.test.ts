/**
 * Operational errors end with one line naming the cause and exit 2, never a stack trace: an unknown interface, a
 * filter libpcap rejects, a port already in use (analyze -i, identify serve, honeypot, relay). Each server must
 * also let its process end (nothing left listening).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { moat, type MoatResult } from '../helpers/moat-cli.js';
import { liveCaptureMissing } from '../helpers/live-capture.js';

/**
 * The error is one line naming the cause (the last on stderr, after any notes the command printed while
 * starting), with no stack frames anywhere.
 */
function oneLine(r: MoatResult, cause: RegExp): void {
  assert.equal(r.status, 2, `exit 2; stderr: ${r.stderr}`);
  const text = r.stderr.trimEnd().split('\n');
  assert.doesNotMatch(r.stderr, /^\s+at |Error:/m, 'no stack trace');
  assert.equal(text.filter((l) => l.startsWith('moat: ')).length, 1, `one error line: ${r.stderr}`);
  assert.match(text[text.length - 1], cause);
}

/** A loopback port held by this test for the duration of `fn`. */
async function withBusyPort(fn: (port: number) => void | Promise<void>): Promise<void> {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn((server.address() as { port: number }).port);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'moat-operr-'));
}

test('analyze -i: an unknown interface and a bad BPF filter are one line, exit 2, no EVE file', (t) => {
  const dir = tempDir();
  try {
    const eve = join(dir, 'eve.json');
    const r = moat(['analyze', '-i', 'nosuchif0', '--eve', eve, '--duration', '1']);
    if (liveCaptureMissing() === undefined) oneLine(r, /^moat: no interface named 'nosuchif0' \(have: .*lo/);
    else oneLine(r, /^moat: live capture needs the cap package and libpcap/);
    assert.equal(existsSync(eve), false);
    if (liveCaptureMissing() !== undefined) {
      t.skip('a BPF filter is compiled by libpcap on an open interface: needs root and the cap package');
      return;
    }
    const bpf = moat(['analyze', '-i', 'lo', '--bpf', 'tcp port', '--eve', eve, '--duration', '1']);
    oneLine(bpf, /^moat: cannot capture on lo with filter "tcp port": .*syntax error/);
    assert.equal(existsSync(eve), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('identify serve on a port in use: one line, exit 2, the process ends', async () => {
  const dir = tempDir();
  try {
    await withBusyPort((port) => {
      const r = moat(['identify', 'serve', '--port', String(port), '--no-auth', '--db', join(dir, 'm.db')]);
      oneLine(
        r,
        new RegExp(
          `^moat: identify serve: cannot listen on 127\\.0\\.0\\.1:${port}: the port is already in use$`,
        ),
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('honeypot and relay on a port in use: one line, exit 2, the process ends', async () => {
  const dir = tempDir();
  try {
    await withBusyPort((port) => {
      const cfg = join(dir, 'hp.yaml');
      writeFileSync(
        cfg,
        [
          'bind: 127.0.0.1',
          'telnet: [0]',
          `ssh: [${port}]`,
          'http: []',
          'mqtt: []',
          `quarantineDir: ${join(dir, 'q')}`,
          `database: ${join(dir, 'm.db')}`,
          `eve: ${join(dir, 'eve.json')}`,
        ].join('\n') + '\n',
      );
      // telnet is already listening when ssh fails: it is closed again, or this run would never end.
      oneLine(
        moat(['honeypot', '--config', cfg]),
        new RegExp(
          `^moat: honeypot ssh: cannot listen on 127\\.0\\.0\\.1:${port}: the port is already in use$`,
        ),
      );

      const key = join(dir, 'relay.key');
      assert.equal(moat(['relay', 'keygen', '--out', key]).status, 0);
      const rcfg = join(dir, 'relay.yaml');
      writeFileSync(
        rcfg,
        [
          `listen: { host: 127.0.0.1, port: ${port} }`,
          `keyFile: ${key}`,
          `log: ${join(dir, 'relay.jsonl')}`,
          'devices:',
          '  - { name: cam-1, protocol: shell, host: 127.0.0.1, port: 2323 }',
        ].join('\n') + '\n',
      );
      oneLine(
        moat(['relay', '--config', rcfg]),
        new RegExp(
          `^moat: relay device end: cannot listen on 127\\.0\\.0\\.1:${port}: the port is already in use$`,
        ),
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('configuration errors are one line too: a missing relay key names the file and how to make one', () => {
  const dir = tempDir();
  try {
    const cfg = join(dir, 'relay.yaml');
    writeFileSync(
      cfg,
      `listen: { port: 0 }\nkeyFile: ${join(dir, 'absent.key')}\ndevices:\n  - { name: c, protocol: shell, host: h, port: 2 }\n`,
    );
    oneLine(
      moat(['relay', '--config', cfg]),
      /^moat: keyFile .*absent\.key: ENOENT.*\(make one with `moat relay keygen --out FILE`\)$/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
