/**
 * `moat fl …`: the federated-learning network (A-85…A-88).
 * - vendor side: `keygen`, `register` (sign an appliance's key into the registry), `serve` (the HTTPS server);
 * - appliance side: `sync` (verify the key ring, the whole ledger and the global model, keep the model), `run`
 *   (take part in the rounds until the last: train locally, submit, sign the blocks that check out).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { OperationalError } from '../../framework/errors.js';
import { untilStopped } from '../signals.js';
import { DB_HELP, DEFAULT_DB, num, openRegistry } from './ml/shared.js';
import { persistentSelfSigned } from '../../framework/index.js';

function readFile(flag: string, path: string): string {
  if (!existsSync(path)) throw new UsageError(`${flag} ${path}: no such file`);
  return readFileSync(path, 'utf8');
}

interface ClientFlags {
  server: string;
  ca: string;
  key: string;
  vendorPub: string;
  state: string;
}

function clientOptions(f: ClientFlags): {
  url: string;
  ca: string;
  keyPem: string;
  vendorPem: string;
  stateDir: string;
} {
  if (!/^https:\/\//.test(f.server)) throw new UsageError(`--server ${f.server}: expected an https:// URL`);
  return {
    url: f.server,
    ca: readFile('--ca', f.ca),
    keyPem: readFile('--key', f.key),
    vendorPem: readFile('--vendor-pub', f.vendorPub),
    stateDir: f.state,
  };
}

function clientFlags(c: Command): Command {
  return c
    .requiredOption('--server <url>', 'the server, https://host:port')
    .requiredOption('--ca <pem>', "the server's certificate (pinned)")
    .requiredOption('--key <pem>', "this appliance's Ed25519 private key")
    .requiredOption('--vendor-pub <pem>', "the vendor's public key")
    .option('--state <dir>', 'verified replica and models', 'fl-state');
}

/** Where reports go: `--server`, its pinned `--ca`, the appliance's `--key`. */
export function reportConnection(f: { server: string; ca: string; key: string }): {
  url: string;
  ca: string;
  keyPem: string;
} {
  if (!/^https:\/\//.test(f.server)) throw new UsageError(`--server ${f.server}: expected an https:// URL`);
  return { url: f.server, ca: readFile('--ca', f.ca), keyPem: readFile('--key', f.key) };
}

/** Prints what was sent; what could not be is an operational error (it stays queued). */
export function writeReportResult(r: {
  sent: number[];
  failed: { reportId: number; error: string }[];
}): void {
  process.stdout.write(
    `reports sent to the federated-learning server: ${r.sent.length ? r.sent.join(', ') : 'none'}\n`,
  );
  if (r.failed.length)
    throw new OperationalError(
      `fl: ${r.failed.length} report(s) not sent, kept queued: ${r.failed.map((x) => `${x.reportId}: ${x.error}`).join('; ')}`,
    );
}

async function refusedAsError<T>(run: () => Promise<T>): Promise<T> {
  const { FlRefused } = await import('../../ml/index.js');
  try {
    return await run();
  } catch (err) {
    if (err instanceof FlRefused) throw new OperationalError(`fl: refused: ${err.message}`);
    throw err;
  }
}

export function registerFl(program: Command): void {
  const fl = program
    .command('fl')
    .description('federated learning: the vendor server, the signed ledger and the appliances (A-85…A-88)');

  fl.command('keygen')
    .description('write an Ed25519 key pair: PREFIX.key (private, 0600) and PREFIX.pub')
    .requiredOption('--out <prefix>', 'file name prefix')
    .action((f: { out: string }) => {
      const k = generateKeyPairSync('ed25519');
      writeFileSync(`${f.out}.key`, k.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), {
        mode: 0o600,
      });
      writeFileSync(`${f.out}.pub`, k.publicKey.export({ format: 'pem', type: 'spki' }).toString());
      process.stdout.write(`wrote ${f.out}.key and ${f.out}.pub\n`);
    });

  fl.command('register')
    .description("vendor: sign appliances' public keys into the server's registry")
    .option('--db <file|url>', "the server's store: SQLite file or postgres:// URL", 'fl-server.db')
    .requiredOption('--vendor-key <pem>', "the vendor's Ed25519 private key")
    .argument('<pub...>', "appliances' public keys (PEM)")
    .action(async (pubs: string[], f: { db: string; vendorKey: string }) => {
      const { openFlStore, registerKey } = await import('../../ml/index.js');
      const { withStores } = await import('../stores.js');
      const vendor = readFile('--vendor-key', f.vendorKey);
      await withStores(async (stores) => {
        const store = await openFlStore(await stores.store('--db', f.db));
        for (const p of pubs) {
          let k;
          try {
            k = registerKey(readFile('key', p), vendor);
          } catch (err) {
            throw new UsageError(
              `${p}: not an Ed25519 public key: ${err instanceof Error ? err.message : String(err)}`,
            );
          }
          process.stdout.write(
            `${k.keyId} ${(await store.register(k)) ? 'registered' : 'already registered'} (${p})\n`,
          );
        }
      });
    });

  fl.command('serve')
    .description('vendor: the federated-learning server over HTTPS')
    .option('--db <file|url>', "the server's store: SQLite file or postgres:// URL", 'fl-server.db')
    .requiredOption('--vendor-key <pem>', "the vendor's Ed25519 private key")
    .requiredOption('--reference <dir>', 'labelled reference traffic (USTC layout) the updates are scored on')
    .option('--expect <n>', 'updates that close a round', '5')
    .option('--rounds <n>', 'rounds to run', '14')
    .option(
      '--round-timeout <s>',
      'close a round this long after its first update (at least --min-updates)',
      '0',
    )
    .option('--min-updates <n>', 'updates a timed-out round needs', '2')
    .option(
      '--floor <f1>',
      'reference macro-F1 an update must pass to get any weight (above half the round median)',
      '0.05',
    )
    .option('--seed <n>', "the initial model's seed", '1')
    .option(
      '--server-momentum <b>',
      'FedAvgM: server momentum β in [0, 1) (0 with --server-lr 1 and --average-last 1: plain FedAvg); written into every block',
      '0.5',
    )
    .option(
      '--server-lr <l>',
      "FedAvgM: the server's step on the averaged update (>1 gives back some of the progress that averaging non-IID clients' displacements shrinks)",
      '2',
    )
    .option(
      '--average-last <k>',
      "the final model is the mean of the last k rounds' globals (1: none); written into every block",
      '3',
    )
    .option('--host <addr>', 'listen address', '127.0.0.1')
    .option('--port <n>', 'listen port (0: any)', '8844')
    .option('--tls-dir <dir>', 'where the self-signed certificate is kept (fl-server.crt/.key)', '.')
    .action(
      async (f: {
        db: string;
        vendorKey: string;
        reference: string;
        expect: string;
        rounds: string;
        roundTimeout: string;
        minUpdates: string;
        floor: string;
        seed: string;
        serverMomentum: string;
        serverLr: string;
        averageLast: string;
        host: string;
        port: string;
        tlsDir: string;
      }) => {
        const ml = await import('../../ml/index.js');
        const { StoreSet } = await import('../stores.js');
        const vendorKeyPem = readFile('--vendor-key', f.vendorKey);
        const reference = ml.readUstcFolder(f.reference);
        const tf = await ml.tfReady();
        const cert = persistentSelfSigned(
          f.tlsDir,
          { key: 'fl-server.key', cert: 'fl-server.crt' },
          {
            commonName: 'moat-fl',
            altNames: [...new Set(['DNS:localhost', 'IP:127.0.0.1', `IP:${f.host}`])],
          },
        );
        const momentum = num('server-momentum', f.serverMomentum, 0, 0.99);
        const serverLr = num('server-lr', f.serverLr, 0.01, 10);
        const averageLast = num('average-last', f.averageLast, 1, 100, true);
        const rounds = num('rounds', f.rounds, 1, 100_000, true);
        const stores = new StoreSet();
        try {
          const options = {
            store: await ml.openFlStore(await stores.store('--db', f.db)),
            tf,
            vendorKeyPem,
            reference,
            arch: ml.DEFAULT_ARCH,
            classNames: ml.USTC_CLASS_NAMES,
            maliciousClasses: ml.USTC_MALICIOUS,
            expect: num('expect', f.expect, 1, 10_000, true),
            rounds,
            roundTimeoutMs: num('round-timeout', f.roundTimeout, 0, 86_400) * 1000,
            minUpdates: num('min-updates', f.minUpdates, 1, 10_000, true),
            floor: num('floor', f.floor, 0, 1),
            seed: num('seed', f.seed, 0, 2 ** 31, true),
            ...(momentum > 0 || serverLr !== 1 || averageLast > 1
              ? {
                  fusion: {
                    rule: 'fedavgm' as const,
                    serverLr,
                    momentum,
                    ...(averageLast > 1 ? { averageLast, rounds } : {}),
                  },
                }
              : {}),
            https: { key: cert.key, cert: cert.cert },
            log: (l: string) => process.stdout.write(`fl: ${l}\n`),
          };
          let server;
          try {
            server = await ml.FlServer.open(options);
          } catch (err) {
            // The server checks its own ledger as an appliance would: a store changed behind its back stops it.
            if (err instanceof ml.LedgerError)
              throw new OperationalError(`fl serve: the ledger in --db does not verify: ${err.message}`);
            throw err;
          }
          const stopped = untilStopped();
          const address = await server.listen(f.host, num('port', f.port, 0, 65535, true));
          process.stdout.write(
            `fl: listening on ${address}, certificate ${join(f.tlsDir, 'fl-server.crt')} (SHA-256 ${cert.fingerprint256})\n`,
          );
          await stopped;
          await server.close();
        } finally {
          await stores.close();
        }
      },
    );

  fl.command('report')
    .description(
      "appliance: send the model registry's queued reports (A-91: versions withdrawn for user experience)",
    )
    .requiredOption('--server <url>', 'the server, https://host:port')
    .requiredOption('--ca <pem>', "the server's certificate (pinned)")
    .requiredOption('--key <pem>', "this appliance's Ed25519 private key")
    .option('--db <file>', DB_HELP, DEFAULT_DB)
    .option('--attempts <n>', 'tries per report', '4')
    .action(async (f: { server: string; ca: string; key: string; db: string; attempts: string }) => {
      const ml = await import('../../ml/index.js');
      const { withStores } = await import('../stores.js');
      const conn = reportConnection(f);
      await withStores(async (stores) => {
        const reg = await openRegistry(stores, f.db);
        const r = await ml.sendPendingReports(reg, conn, {
          attempts: num('attempts', f.attempts, 1, 100, true),
        });
        writeReportResult(r);
      });
    });

  clientFlags(fl.command('sync'))
    .description('appliance: verify the key ring, the whole ledger and the global model; keep the model')
    .option('--out <file>', 'write the verified global model here')
    .action(async (f: ClientFlags & { out?: string }) => {
      const { FlClient, serialiseModel } = await import('../../ml/index.js');
      const client = new FlClient(clientOptions(f));
      const s = await refusedAsError(() => client.sync());
      if (f.out) writeFileSync(f.out, serialiseModel(s.global.file));
      process.stdout.write(
        `verified: ledger ${s.ledgerSize} blocks, root ${s.root}, round ${s.round} global ${s.global.file.sha256} (params ${s.global.file.manifest.paramsSha256.slice(0, 16)}); rounds checked now: ${s.verifiedRounds.join(',') || 'none'}\n`,
      );
    });

  clientFlags(fl.command('run'))
    .description('appliance: take part in every round until the last (train on --ustc, submit, sign)')
    .requiredOption('--ustc <dir>', "this appliance's training data (USTC layout)")
    .option('--epochs <n>', 'local epochs a round', '2')
    .option('--seed <n>', 'training seed', '1')
    .option('--keep-optimizer', "carry local Adam's moments from round to round (the default)")
    .option('--no-keep-optimizer', 'a fresh Adam each round')
    .option('--lr <l>', 'local learning rate', '0.003')
    .option(
      '--label-smoothing <e>',
      "label smoothing of local training (0: hard labels; default: the shipped recipe's, ML_RECIPE)",
    )
    .option(
      '--round-lr-floor <f>',
      'cosine decay of the local learning rate across the rounds down to this fraction (1: constant)',
      '0.1',
    )
    .option(
      '--logit-adjust <t>',
      "train on softmax(z + t·log π), π this appliance's class frequencies, against label skew (0: off)",
      '0',
    )
    .option(
      '--proximal-mu <m>',
      "FedProx's μ: pull local training back toward the global model (0: off)",
      '0',
    )
    .option(
      '--no-framing',
      "do not send this appliance's framing histogram (TLS record-length sequences and class counts) with its updates",
    )
    .option('--out <file>', 'write the final verified global model here')
    .action(
      async (
        f: ClientFlags & {
          ustc: string;
          epochs: string;
          seed: string;
          keepOptimizer?: boolean;
          lr: string;
          labelSmoothing?: string;
          roundLrFloor: string;
          logitAdjust: string;
          proximalMu: string;
          framing: boolean;
          out?: string;
        },
      ) => {
        const { FlClient, ML_RECIPE, readUstcFolder, serialiseModel, tfReady } =
          await import('../../ml/index.js');
        const client = new FlClient(clientOptions(f));
        const data = readUstcFolder(f.ustc);
        const tf = await tfReady();
        const s = await refusedAsError(() =>
          client.participate(tf, data, {
            epochs: num('epochs', f.epochs, 1, 1000, true),
            seed: num('seed', f.seed, 0, 2 ** 31, true),
            keepOptimizer: f.keepOptimizer !== false,
            learningRate: num('lr', f.lr, 1e-6, 1),
            labelSmoothing:
              f.labelSmoothing === undefined
                ? ML_RECIPE.labelSmoothing
                : num('label-smoothing', f.labelSmoothing, 0, 0.5),
            roundLrFloor: num('round-lr-floor', f.roundLrFloor, 0, 1),
            logitAdjust: num('logit-adjust', f.logitAdjust, 0, 4),
            proximalMu: num('proximal-mu', f.proximalMu, 0, 100),
            framing: f.framing,
            log: (l) => process.stdout.write(`fl ${client.keyId}: ${l}\n`),
          }),
        );
        if (f.out) writeFileSync(f.out, serialiseModel(s.global.file));
      },
    );
}
