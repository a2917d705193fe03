import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/store/index.js';
import { startConsole, type StartedConsole } from '../../src/console/index.js';
import { LOCKOUT_FAILURES } from '../../src/console/auth.js';
import { ConsoleClient } from './https-client.js';

const PASSWORD = 'correct horse battery';

async function started(
  t: { after: (fn: () => unknown) => void },
  loginRate?: number,
): Promise<{ c: StartedConsole; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'moat-console-sec-'));
  const store = openSqlite(join(dir, 'moat.db'));
  const c = await startConsole({
    store,
    stateDir: join(dir, 'state'),
    host: '127.0.0.1',
    port: 0,
    webDir: '',
    loginRate,
  });
  t.after(async () => {
    await c.close();
    store.db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { c, dir };
}

/** A path from the OpenAPI document with its parameters filled with values that pass their schemas' shape. */
function concrete(path: string): string {
  return path
    .replace('{mac}', '02:00:00:00:00:01')
    .replace('{version}', '1')
    .replace('{id}', '1')
    .replace('{ip}', '203.0.113.7');
}

test('console security: every route in the OpenAPI document refuses without a session; changes need the CSRF token; roles', async (t) => {
  const { c } = await started(t);
  const admin = new ConsoleClient(c.url, c.certificate.cert);
  assert.equal(
    (await admin.call('POST', '/api/setup/admin', { user: 'admin', password: PASSWORD })).status,
    200,
  );
  // First boot only: a second admin cannot be made without logging in.
  assert.equal(
    (await admin.call('POST', '/api/setup/admin', { user: 'other', password: PASSWORD })).status,
    409,
  );
  const login = await admin.login('admin', PASSWORD);
  assert.equal(login.status, 200);
  const setCookie = String(login.headers['set-cookie']);
  for (const flag of ['HttpOnly', 'Secure', 'SameSite=Strict'])
    assert.ok(setCookie.includes(flag), `${flag} in ${setCookie}`);

  const doc = await admin.call('GET', '/api/openapi.json');
  assert.equal(doc.status, 200);
  const paths = doc.body.paths as Record<string, Record<string, { 'x-access': string }>>;
  const ops = Object.entries(paths).flatMap(([p, m]) =>
    Object.entries(m).map(([method, op]) => ({ p, method, access: op['x-access'] })),
  );
  assert.ok(ops.length >= 30, `${ops.length} operations`);
  console.log(`# ${ops.length} operations in the OpenAPI document, ${ops.length - 3} behind a session`);
  const publicOps = ops
    .filter((o) => o.access === 'public')
    .map((o) => `${o.method} ${o.p}`)
    .sort();
  assert.deepEqual(publicOps, ['get /api/session', 'post /api/login', 'post /api/setup/admin']);
  const anonymous = new ConsoleClient(c.url, c.certificate.cert);
  for (const o of ops.filter((x) => x.access !== 'public')) {
    const r = await anonymous.call(
      o.method.toUpperCase(),
      concrete(o.p),
      o.method === 'get' ? undefined : {},
    );
    assert.equal(r.status, 401, `${o.method} ${o.p} answered ${r.status} without a session`);
  }
  // Every change refuses a missing or wrong CSRF token, even with a valid admin session.
  for (const o of ops.filter((x) => x.access !== 'public' && x.method !== 'get')) {
    const r = await admin.call(o.method.toUpperCase(), concrete(o.p), {}, { csrf: false });
    assert.equal(r.status, 403, `${o.method} ${o.p} without CSRF: ${r.status}`);
  }
  const saved = admin.csrf;
  admin.csrf = 'forged';
  assert.equal((await admin.call('PUT', '/api/channels', { webhooks: [] })).status, 403);
  admin.csrf = saved;
  assert.equal((await admin.call('PUT', '/api/channels', { webhooks: [] })).status, 200);
  // Schema: a bad field is a 400 naming it.
  const bad = await admin.call('PUT', '/api/channels', { webhooks: ['ftp://x'] });
  assert.equal(bad.status, 400);
  assert.match(JSON.stringify(bad.body.problems), /body\.webhooks\.0/);

  // Read-only accounts read but change nothing.
  assert.equal(
    (await admin.call('POST', '/api/users', { user: 'viewer', password: PASSWORD, role: 'read-only' }))
      .status,
    200,
  );
  const viewer = new ConsoleClient(c.url, c.certificate.cert);
  assert.equal((await viewer.login('viewer', PASSWORD)).status, 200);
  assert.equal((await viewer.call('GET', '/api/devices')).status, 200);
  for (const o of ops.filter((x) => x.access === 'admin')) {
    const r = await viewer.call(o.method.toUpperCase(), concrete(o.p), o.method === 'get' ? undefined : {});
    assert.equal(r.status, 403, `read-only ${o.method} ${o.p}: ${r.status}`);
  }

  // Audit: the changes above are logged with who made them.
  const audit = await admin.call('GET', '/api/audit');
  const actions = (audit.body.entries as Array<{ action: string; user: string }>).map(
    (e) => `${e.user} ${e.action}`,
  );
  assert.ok(actions.includes('admin set-channels'), actions.join(', '));
  assert.ok(actions.includes('admin create-user'));

  // Logout: the same cookie is refused afterwards.
  const cookie = admin.cookie;
  assert.equal((await admin.call('POST', '/api/logout')).status, 200);
  admin.cookie = cookie;
  assert.equal((await admin.call('GET', '/api/devices')).status, 401);
  assert.equal((await admin.call('GET', '/api/session')).body.authenticated, false);
});

test('console security: an account locks after repeated failures; logins are rate-limited per address', async (t) => {
  const { c } = await started(t, 8);
  const cl = new ConsoleClient(c.url, c.certificate.cert);
  await cl.call('POST', '/api/setup/admin', { user: 'admin', password: PASSWORD });
  for (let i = 1; i < LOCKOUT_FAILURES; i++)
    assert.equal((await cl.login('admin', `wrong ${i}`)).status, 401);
  assert.equal((await cl.login('admin', 'wrong again')).status, 423);
  // Locked: even the right password is refused now.
  const locked = await cl.login('admin', PASSWORD);
  assert.equal(locked.status, 423);
  assert.ok(Number(locked.headers['retry-after']) > 0);
  // The address is limited too: 8 attempts a minute, the next is 429.
  let last = 0;
  for (let i = 0; i < 3; i++) last = (await cl.login('nobody', 'x')).status;
  assert.equal(last, 429);
});
