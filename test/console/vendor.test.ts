import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/store/index.js';
import { startConsole } from '../../src/console/index.js';
import { generateVendorKey } from '../../src/verify/index.js';
import { ConsoleClient } from './https-client.js';
import { vendorServer } from './seed.js';

test('first deployment: vendor content signed by a key the console does not trust is refused by A-2 and nothing is installed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-console-vendor-'));
  const store = openSqlite(join(dir, 'moat.db'));
  const trusted = generateVendorKey();
  const impostor = generateVendorKey();
  const vendor = await vendorServer(impostor.privatePem, '2026.9.0');
  const c = await startConsole({
    store,
    stateDir: join(dir, 'state'),
    vendorKeys: [trusted.publicPem],
    host: '127.0.0.1',
    port: 0,
    webDir: '',
  });
  t.after(async () => {
    await c.close();
    await vendor.close();
    store.db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const cl = new ConsoleClient(c.url, c.certificate.cert);
  await cl.call('POST', '/api/setup/admin', { user: 'admin', password: 'a long passphrase' });
  await cl.login('admin', 'a long passphrase');
  const r = await cl.call('POST', '/api/setup/vendor', { url: vendor.url });
  assert.equal(r.status, 200);
  const body = r.body as {
    bundle: { ok: boolean; checker?: string };
    model: { ok: boolean; checker?: string };
  };
  assert.deepEqual([body.bundle.ok, body.bundle.checker], [false, 'hash']);
  assert.deepEqual([body.model.ok, body.model.checker], [false, 'hash']);
  assert.deepEqual((await cl.call('GET', '/api/bundles')).body, { bundles: [] });
  assert.deepEqual((await cl.call('GET', '/api/models')).body, { models: [] });
  // A vendor URL that does not answer is an error in words, not a crash.
  const down = await cl.call('POST', '/api/setup/vendor', { url: 'http://127.0.0.1:9/' });
  assert.match(JSON.stringify(down.body), /fetch failed|ECONNREFUSED/);
});
