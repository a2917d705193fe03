import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { Honeypot } from '../../src/honeypot/honeypot.js';
import { startSsh } from '../../src/honeypot/services/ssh.js';
import { tempDir } from './helpers.js';

function hasSsh(): boolean {
  try {
    execFileSync('ssh', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('ssh: a real OpenSSH client logs in with a password and runs commands', async (t) => {
  if (!hasSsh()) return t.skip('OpenSSH client not installed');
  const dir = tempDir('ssh');
  const hp = new Honeypot({ quarantineDir: join(dir, 'q') });
  const svc = await startSsh(hp, 0, '127.0.0.1');
  // SSH_ASKPASS supplies the password without a terminal (no sshpass needed).
  const askpass = join(dir, 'askpass.sh');
  writeFileSync(askpass, '#!/bin/sh\necho admin\n');
  chmodSync(askpass, 0o700);
  try {
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(
        'ssh',
        [
          '-p',
          String(svc.port()),
          '-o',
          'StrictHostKeyChecking=no',
          '-o',
          `UserKnownHostsFile=${join(dir, 'kh')}`,
          '-o',
          'PreferredAuthentications=password',
          '-o',
          'PubkeyAuthentication=no',
          '-o',
          'NumberOfPasswordPrompts=1',
          'admin@127.0.0.1',
          'uname -m; /bin/busybox ECCHI; cat /proc/cpuinfo | head',
        ],
        {
          env: { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => p.pid && process.kill(p.pid, 'SIGKILL'), 15000);
      p.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
    assert.match(out.stdout, /armv7l/, out.stderr);
    assert.match(out.stdout, /ECCHI: applet not found/);
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    await svc.close();
  }
  const events = hp.counters.sessions;
  assert.equal(events, 1);
});
