import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, unnamedControls } from './browser.js';
import { openSqlite } from '../../src/store/index.js';
import { InProcessBus } from '../../src/framework/index.js';
import { findWebDir, importEve, startConsole } from '../../src/console/index.js';
import { generateVendorKey, signBundle } from '../../src/verify/index.js';
import { SCAN_RULE, SCANNER_MAC, analyzedEve, seedDevices, seedHoneypot, vendorServer } from './seed.js';

const PASSWORD = 'a long admin passphrase';
// The README's screenshots are refreshed with MOAT_SCREENSHOTS=docs/screenshots; otherwise they go to a temp folder.
const SHOTS = process.env.MOAT_SCREENSHOTS ?? join(tmpdir(), 'moat-console-screenshots');
test(
  'console in a real browser: first deployment, alert explanation, restrict, honeypot transcript, rollback, speed, accessibility',
  { timeout: 300_000 },
  async (t) => {
    assert.ok(findWebDir(), 'the web app is not built: npm run build');
    const dir = mkdtempSync(join(tmpdir(), 'moat-console-journey-'));
    const store = openSqlite(join(dir, 'moat.db'));
    seedDevices(store, 500);
    const reportDir = await seedHoneypot(store, dir);
    const eveFile = analyzedEve(dir);
    const key = generateVendorKey();
    const vendor = await vendorServer(key.privatePem, '2026.1.0');
    const hooks: Array<Record<string, unknown>> = [];
    const hookServer = createServer((req, res) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c.toString()));
      req.on('end', () => {
        hooks.push(JSON.parse(b) as Record<string, unknown>);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
    const hookPort = (hookServer.address() as { port: number }).port;
    const bus = new InProcessBus();
    const announced: string[] = [];
    await bus.subscribe('cache-entry', 'test', (m) => {
      announced.push(`${m.change} ${m.entry.srcIp} ${m.entry.operation} ${m.entry.diagnosis}`);
    });
    const c = await startConsole({
      bus,
      store,
      stateDir: join(dir, 'state'),
      vendorKeys: [key.publicPem],
      host: '127.0.0.1',
      port: 0,
      defaultPolicyFile: 'config/policies.yaml',
      reportDir,
    });
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const opened: Page[] = [];
    t.after(async () => {
      await opened[0]?.screenshot({ path: join(tmpdir(), 'moat-console-last.png') }).catch(() => {});
      await browser.close();
      await c.close();
      await vendor.close();
      await new Promise<void>((r) => hookServer.close(() => r()));
      store.db.close();
      rmSync(dir, { recursive: true, force: true });
    });
    mkdirSync(SHOTS, { recursive: true });
    // bypassCSP only so that axe-core can be injected: the console's CSP refuses inline scripts.
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      bypassCSP: true,
      viewport: { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    opened.push(page);
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    t.after(() => {
      if (pageErrors.length) console.log(`# page errors: ${pageErrors.join(' | ')}`);
    });
    const a11y: Record<string, string[]> = {};
    const shot = async (name: string) => {
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
      a11y[name] = await unnamedControls(page);
    };

    // First boot: the admin account.
    await page.goto(`${c.url}/`);
    await page.getByRole('heading', { name: 'First boot: create the admin account' }).waitFor();
    await shot('login');
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create admin and log in' }).click();
    await page.getByRole('heading', { name: 'First deployment' }).waitFor();

    // Subnets: a wrong address is refused beside its field, then corrected.
    await page.getByLabel('LAN gateway address/prefix').fill('192.168.1.300/24');
    await page.getByRole('button', { name: 'Save subnets' }).click();
    await page.locator('#net-lanAddr-err').waitFor();
    assert.match(await page.locator('#net-lanAddr-err').innerText(), /IPv4 address with the prefix/);
    await page.getByLabel('LAN gateway address/prefix').fill('192.168.1.1/24');
    await page.getByRole('button', { name: 'Save subnets' }).click();
    await page.getByText('Subnets saved as the gateway configuration.').waitFor();
    assert.match(readFileSync(join(dir, 'state', 'gateway.yaml'), 'utf8'), /192\.168\.20\.1\/24/);

    // Devices one authorisation at a time.
    await page.getByRole('button', { name: 'Authorise old-laptop', exact: true }).click();
    await page.getByRole('button', { name: 'Decline phone-1', exact: true }).click();
    await page.getByRole('button', { name: 'Authorise phone-2', exact: true }).click();
    await page.getByRole('cell', { name: 'declined' }).waitFor();
    // Security check: the IoT component is not in this build, and the page says so.
    await page.getByRole('button', { name: 'Run the security check' }).click();
    await page.getByTestId('check-unavailable').waitFor();
    // Vendor content, verified by A-2 before it is installed.
    await page.getByLabel('Vendor URL').fill(vendor.url);
    await page.getByRole('button', { name: 'Fetch and verify' }).click();
    await page.getByText('Rule bundle: version 2026.1.0 verified and installed').waitFor();
    await page.getByText(/Model: verified, stored as version \d+/).waitFor();
    await page.getByRole('button', { name: 'Finish set-up' }).click();
    await page.getByText('Set-up finished.').waitFor();
    await shot('setup');

    // Notifications: a webhook channel, then the scan's alerts arrive.
    await page.goto(`${c.url}/settings`);
    await page.getByLabel('Webhook URL').fill(`http://127.0.0.1:${hookPort}/hook`);
    await page.getByRole('button', { name: 'Save channels' }).click();
    await page.getByText('Channels saved.').waitFor();
    const eve = readFileSync(eveFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const scanAlert = eve.find(
      (e) => e.event_type === 'alert' && (e.alert as { signature_id: number }).signature_id === 8000001,
    );
    assert.ok(scanAlert, 'the scan rule fired in moat analyze');
    const loaded = await importEve(c, eveFile);
    assert.ok(loaded.alerts > 5 && loaded.flows > 50, JSON.stringify(loaded));
    await page.goto(`${c.url}/alerts`);
    await page
      .getByRole('link', { name: /MOAT console test: SYN probe/ })
      .first()
      .waitFor();
    const liveId = c.alert(scanAlert);
    await page
      .getByRole('status')
      .filter({ hasText: `New alert #${liveId}` })
      .waitFor();
    await c.ctx.live.settle();
    assert.equal(hooks.length, 1);
    const hookExplanation = hooks[0].moat_explanation as { rule: { text: string } };
    assert.equal(hookExplanation.rule.text, SCAN_RULE);
    await shot('alerts');
    await page
      .getByRole('link', { name: /MOAT console test: SYN probe/ })
      .first()
      .click();
    await page.getByRole('heading', { name: 'Rule 8000001' }).waitFor();
    assert.equal(await page.locator('pre').first().innerText(), SCAN_RULE);
    await shot('alert-explanation');
    // A TLS alert: the score per dimension; a log-review alert: its figures.
    const tlsRow = c.ctx.cdb.alerts({ limit: 500 }).find((a) => a.sid === 9100001)!;
    await page.goto(`${c.url}/alerts/${tlsRow.id}`);
    await page.getByRole('heading', { name: /TLS policy \w+: score/ }).waitFor();
    await page.getByRole('cell', { name: 'validity' }).first().waitFor();
    await shot('alert-tls');
    const lrRow = c.ctx.cdb.alerts({ limit: 500 }).find((a) => a.sid === 9400003)!;
    await page.goto(`${c.url}/alerts/${lrRow.id}`);
    await page.getByText(/Device 10\.0\.0\.66: \d+ in 60 s, limit \d+ → drop/).waitFor();

    // The user restricts the scanning device, then lifts the restriction.
    await page.goto(`${c.url}/devices`);
    await page.getByLabel('Filter devices').fill('10.0.0.66');
    await page.getByRole('button', { name: 'Restrict old-laptop' }).click();
    await page.getByText('old-laptop restricted').waitFor();
    assert.equal(c.ctx.cdb.deviceSettings().get(SCANNER_MAC)?.restricted, true);
    await shot('devices');
    await page.getByRole('button', { name: 'Lift restriction on old-laptop' }).click();
    await page.getByText('old-laptop unrestricted').waitFor();
    assert.equal(c.ctx.cdb.deviceSettings().get(SCANNER_MAC)?.restricted, false);
    await bus.flush();
    assert.deepEqual(announced, ['put 10.0.0.66 drop operator', 'del 10.0.0.66 drop operator']);

    // Honeypot: the session's transcript replayed, the download with its sandbox labels.
    await page.goto(`${c.url}/honeypot`);
    await page.locator('main table a').first().click();
    await page.getByRole('button', { name: 'Replay transcript' }).click();
    await page.getByTestId('transcript').getByText('$ cat /proc/cpuinfo').waitFor();
    await page
      .getByTestId('transcript')
      .getByText(/sh x\.sh/)
      .waitFor({ timeout: 10_000 });
    await page
      .getByRole('cell', { name: /downloader|dropper|shell/i })
      .first()
      .waitFor();
    await shot('honeypot');

    // Rule bundles: a newer bundle arrives; the user rolls back to the vendor's first one.
    c.ctx.bundles.install(
      JSON.stringify(
        signBundle(`${SCAN_RULE}\n`, {
          name: 'vendor-rules',
          version: '2026.2.0',
          privatePem: key.privatePem,
        }),
      ),
      () => {},
    );
    await page.goto(`${c.url}/rules`);
    await page.getByRole('button', { name: 'Roll back to bundle 2026.1.0' }).click();
    await page.getByText('bundle 2026.1.0 active').waitFor();
    assert.equal(c.ctx.bundles.active()?.version, '2026.1.0');
    await shot('rules');

    // TLS policies: a bad weight shown beside its field; what-if scoring.
    await page.goto(`${c.url}/tls`);
    await page.getByLabel('weights.certificate').first().waitFor();
    const home = page.locator('section', { has: page.getByRole('heading', { name: /^Policy home/ }) });
    await home.getByLabel('condition.op').fill('=~');
    await page.getByRole('button', { name: 'Validate' }).click();
    await home.locator('#f-home-condition-op-err').waitFor();
    assert.match(await home.locator('#f-home-condition-op-err').innerText(), /expected one of/);
    await home.getByLabel('condition.op').fill('>=');
    await home.getByLabel('weights.certificate').fill('-0.5');
    await page.getByRole('button', { name: 'Validate' }).click();
    await home.locator('#f-home-weights-certificate-err').waitFor();
    assert.match(await home.locator('#f-home-weights-certificate-err').innerText(), /weights mix signs/);
    await shot('tls-errors');
    await home.getByLabel('condition.op').fill('>=');
    await home.getByLabel('weights.certificate').fill('0.6');
    await page.getByRole('button', { name: 'Score' }).click();
    await page.getByTestId('whatif-result').waitFor();
    await shot('tls');
    await page.goto(`${c.url}/network`);
    await page.getByRole('cell', { name: /^low/ }).first().waitFor();
    await shot('network');
    await page.goto(`${c.url}/`);
    await page.getByRole('img', { name: 'Traffic per zone over time' }).waitFor();
    await shot('dashboard');
    await page.goto(`${c.url}/settings`);
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await shot('settings');

    // Speed: 10,000 alerts and 500 devices in the store, every page measured in the browser.
    const base = c.ctx.cdb.alertCount();
    const copy = c.ctx.store.db.transaction(() => {
      for (let i = base; i < 10_000; i++) {
        const ev = eve.filter((e) => e.event_type === 'alert')[i % loaded.alerts];
        c.ctx.cdb.addAlert({
          ...ev,
          timestamp: new Date(Date.parse('2024-03-01T12:00:00Z') - i * 7_000).toISOString(),
        });
      }
    });
    copy();
    assert.equal(c.ctx.cdb.alertCount(), 10_000);
    const timings: Record<string, number> = {};
    // Each page counts as loaded once its data is on screen (not at networkidle, which waits 500 ms of quiet).
    const ready: Array<[string, string]> = [
      ['/', '.card strong'],
      ['/setup', 'main tbody tr'],
      ['/devices', 'main tbody tr'],
      ['/alerts', 'main tbody tr'],
      [`/alerts/${tlsRow.id}`, 'main h4'],
      ['/honeypot', 'main tbody tr'],
      ['/rules', 'main tbody tr'],
      ['/tls', 'main input'],
      ['/network', 'main tbody tr'],
      ['/settings', 'main tbody tr'],
    ];
    for (const [path, sel] of ready) {
      const t0 = Date.now();
      await page.goto(`${c.url}${path}`);
      await page.locator(sel).first().waitFor();
      timings[path] = Date.now() - t0;
    }
    console.log(`# page loads with 10,000 alerts and 500 devices (ms): ${JSON.stringify(timings)}`);
    for (const [p, ms] of Object.entries(timings)) assert.ok(ms < 5000, `${p} took ${ms} ms`);

    console.log(`# accessibility (axe name rules) per page: ${JSON.stringify(a11y)}`);
    for (const [p, v] of Object.entries(a11y))
      assert.deepEqual(v, [], `${p}: controls without an accessible name`);
  },
);
