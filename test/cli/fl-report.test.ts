/**
 * A-91's report reaches the federated-learning network: `moat ml ux-check` rolls back a model that alerts on the
 * user's benign traffic and sends the withdrawn version to the FL server over TLS, in an envelope signed with the
 * appliance's registered key. With the server down the report stays queued (and the command says so); `moat fl
 * report` sends it once the server is up, and the server keeps it once. A report sent while the server is still
 * starting gets through on a later try; an unregistered key is refused and not retried.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMoat, type MoatChild } from '../helpers/moat-cli.js';
import { SKIP, ustcSplit } from '../ml/corpus.js';
import {
  DEFAULT_ARCH,
  FlServer,
  MlRegistry,
  USTC_CLASS_NAMES,
  USTC_MALICIOUS,
  buildModel,
  buildModelFile,
  modelParams,
  openFlStore,
  registerKey,
  sendPendingReports,
  sendReports,
  serialiseModel,
  subset,
  tfReady,
  writeUstcFolder,
  type FlStore,
} from '../../src/ml/index.js';
import { persistentSelfSigned } from '../../src/framework/index.js';
import { openSqlite } from '../../src/store/index.js';
import { ed25519Pem } from '../helpers/ed25519-pem.js';
import { laterServerPort } from '../helpers/free-port.js';

const pem = ed25519Pem;

test(
  'A-91: a rolled-back model version is reported to the FL server, retried, stored once',
  { skip: SKIP },
  async (t) => {
    const tf = await tfReady();
    const dir = mkdtempSync(join(tmpdir(), 'moat-flrep-'));
    const children: MoatChild[] = [];
    const servers: FlServer[] = [];
    t.after(async () => {
      for (const c of children) if (c.child.exitCode === null) await c.stop();
      for (const s of servers) await s.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const f = (n: string): string => join(dir, n);
    const vendor = pem();
    const app = pem();
    writeFileSync(f('app.key'), app.priv);
    const { train, test: held } = ustcSplit(5, 5, 3);
    const benignRows: number[] = [];
    for (let i = 0; i < held.n; i++) if (!USTC_MALICIOUS.includes(held.labels[i])) benignRows.push(i);
    writeUstcFolder(f('recent'), subset(held, benignRows));

    // The registry: two models built, not trained, their output bias set so one says "benign" (class 0) to
    // everything and the next "malware" (class 10); a lenient gate deploys both.
    const regStore = openSqlite(f('appliance.db'));
    const reg = new MlRegistry(regStore, tf, 3);
    reg.addReference('malicious', train, 'corpus');
    reg.addReference('benign', held, 'corpus');
    const net = buildModel(tf, DEFAULT_ARCH, 1);
    const { specs, arrays } = modelParams(net);
    net.dispose();
    const biased = (cls: number, version: string): string => {
      const a = arrays.map((x) => Float32Array.from(x));
      a[a.length - 1][cls] = 50;
      return serialiseModel(
        buildModelFile(DEFAULT_ARCH, a, specs, {
          name: 't',
          version,
          classNames: USTC_CLASS_NAMES,
          maliciousClasses: USTC_MALICIOUS,
          training: {},
          metrics: {},
        }),
      );
    };
    const lenient = { gates: { minDetection: 0, maxFalseAlarm: 1 } };
    assert.ok(reg.add(biased(0, '2.0'), lenient).deployed);
    const bad = reg.add(biased(10, '2.1'), lenient);
    assert.ok(bad.deployed);
    reg.queueReport('ux-rollback', bad.sha256, '0.9', 'an older report that was never sent');
    // Closed here so the CLI child has the file to itself.
    regStore.close();

    // The FL server's certificate and store exist already; it is not listening yet.
    const cert = persistentSelfSigned(
      dir,
      { key: 'fl-server.key', cert: 'fl-server.crt' },
      { commonName: 'moat-fl', altNames: ['DNS:localhost', 'IP:127.0.0.1'] },
    );
    const flStore: FlStore = await openFlStore(openSqlite(f('server.db')));
    await flStore.register(registerKey(app.pub, vendor.priv));
    const startServer = async (port: number): Promise<string> => {
      const s = await FlServer.open({
        store: flStore,
        tf,
        vendorKeyPem: vendor.priv,
        reference: held,
        arch: DEFAULT_ARCH,
        classNames: USTC_CLASS_NAMES,
        maliciousClasses: USTC_MALICIOUS,
        expect: 1,
        rounds: 1,
        https: { key: cert.key, cert: cert.cert },
      });
      servers.push(s);
      return s.listen('127.0.0.1', port);
    };
    // Free while the server is down, and outside the ephemeral range so no connection takes it meanwhile.
    const port = await laterServerPort();
    const url = `https://127.0.0.1:${port}`;
    const flFlags = ['--fl-server', url, '--fl-ca', f('fl-server.crt'), '--fl-key', f('app.key')];

    // Server down: the rollback happens and both queued reports stay queued.
    const down = startMoat([
      'ml',
      'ux-check',
      '--db',
      f('appliance.db'),
      '--ustc',
      f('recent'),
      '--max-rate',
      '0.5',
      ...flFlags,
    ]);
    children.push(down);
    assert.notEqual(await down.exited, 0);
    assert.match(down.stdout(), /rolled back from 2\.1 to 2\.0; report 2 queued/);
    assert.match(down.stderr(), /2 report\(s\) not sent, kept queued: 1: .*ECONNREFUSED/);
    const reg2Store = openSqlite(f('appliance.db'));
    const reg2 = new MlRegistry(reg2Store, tf, 3);
    assert.deepEqual(
      reg2.pendingReports().map((r) => [r.id, r.version]),
      [
        [1, '0.9'],
        [2, '2.1'],
      ],
    );
    assert.equal((await flStore.reports()).length, 0);

    // The server comes up 1.5 s after the sending starts: a later try gets through.
    const sending = sendPendingReports(
      reg2,
      { url, ca: readFileSync(f('fl-server.crt'), 'utf8'), keyPem: app.priv },
      { attempts: 6, delayMs: 400 },
    );
    await new Promise((r) => setTimeout(r, 1500));
    await startServer(port);
    const r = await sending;
    assert.deepEqual(r, { sent: [1, 2], failed: [] });
    assert.deepEqual(reg2.pendingReports(), []);
    const kept = await flStore.reports();
    assert.deepEqual(
      kept.map((x) => [x.keyId, x.reportId, x.kind, x.version, x.modelSha256]),
      [
        [registerKey(app.pub, vendor.priv).keyId, 1, 'ux-rollback', '0.9', bad.sha256],
        [registerKey(app.pub, vendor.priv).keyId, 2, 'ux-rollback', '2.1', bad.sha256],
      ],
    );
    assert.match(kept[1].detail, /alert rate 100\.0% on \d+ recent benign sessions > 50\.0%/);
    reg2Store.close();

    // Nothing left to send; a report resent (its answer lost) is kept once.
    const again = startMoat([
      'fl',
      'report',
      '--server',
      url,
      '--ca',
      f('fl-server.crt'),
      '--key',
      f('app.key'),
      '--db',
      f('appliance.db'),
    ]);
    children.push(again);
    assert.equal(await again.exited, 0, again.stderr());
    assert.match(again.stdout(), /reports sent to the federated-learning server: none/);
    const conn = { url, ca: cert.cert, keyPem: app.priv };
    const dup = {
      reportId: 2,
      kind: 'ux-rollback',
      modelSha256: bad.sha256,
      version: '2.1',
      detail: 'again',
    };
    assert.deepEqual(await sendReports(conn, [dup]), { sent: [2], failed: [] });
    assert.equal((await flStore.reports()).length, 2);

    // An appliance the vendor did not register is refused at once (no retries: 4 tries would take 3.5 s).
    const t0 = Date.now();
    const stranger = await sendReports({ ...conn, keyPem: pem().priv }, [dup], { attempts: 4, delayMs: 500 });
    assert.equal(stranger.sent.length, 0);
    assert.match(
      stranger.failed[0].error,
      /HTTP 403: report refused: appliance key [0-9a-f]{16} is not registered/,
    );
    assert.ok(Date.now() - t0 < 1500, `${Date.now() - t0} ms`);
    assert.equal((await flStore.reports()).length, 2);
  },
);
