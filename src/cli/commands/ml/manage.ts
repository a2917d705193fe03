/** `moat ml list|rollback|export|import|ux-check`: the registry by hand (A-90, A-91, A-2 for models). */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DB_HELP, DEFAULT_DB, num, openRegistry } from './shared.js';
import { withStores } from '../../stores.js';
import { UsageError } from '../../errors.js';
import { reportConnection, writeReportResult } from '../fl.js';
import {
  DEFAULT_GATES,
  ModelRejected,
  readUstcFolder,
  sendPendingReports,
  serialiseModel,
  signModel,
  subset,
  USTC_MALICIOUS,
} from '../../../ml/index.js';
import { ConfigError, InputError } from '../../../framework/errors.js';

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(
      `${path}: cannot read the ${what}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

export function registerMlManage(ml: Command, setExit: (code: number) => void): void {
  ml.command('list')
    .description('model versions: id, hash, status, which is active')
    .option('--db <file>', DB_HELP, DEFAULT_DB)
    .option('--json', 'JSON')
    .action(async (f: { db: string; json?: boolean }) => {
      await withStores(async (stores) => {
        const rows = (await openRegistry(stores, f.db)).list();
        if (f.json) return void process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        for (const r of rows)
          process.stdout.write(
            `${r.active ? '*' : ' '} ${String(r.id).padStart(3)}  ${r.version.padEnd(14)} ${r.sha256.slice(0, 16)}  params ${r.paramsSha256.slice(0, 16)}  ${r.status}${r.reason ? ` — ${r.reason}` : ''}\n`,
          );
      });
    });

  ml.command('rollback')
    .description('restore the deployed version before the active one')
    .option('--db <file>', DB_HELP, DEFAULT_DB)
    .action(async (f: { db: string }) => {
      await withStores(async (stores) => {
        const reg = await openRegistry(stores, f.db);
        const r = reg.rollback();
        process.stdout.write(`rolled back from model ${r.from} to ${r.to}\n`);
      });
    });

  ml.command('export')
    .description('write the active model (or --id) as a model file, optionally signed')
    .requiredOption('--out <file>', 'where to write it')
    .option('--id <n>', 'model id (default: the active one)')
    .option('--sign <key>', 'Ed25519 private key (PEM) to sign with')
    .option('--db <file>', DB_HELP, DEFAULT_DB)
    .action(async (f: { out: string; id?: string; sign?: string; db: string }) => {
      await withStores(async (stores) => {
        const reg = await openRegistry(stores, f.db);
        const id = f.id ? num('id', f.id, 1, 1e9, true) : reg.activeId();
        if (id === null) throw new ConfigError('no active model');
        let file = reg.load(id).file;
        if (f.sign) file = signModel(file, readText(f.sign, 'private key'));
        writeFileSync(f.out, serialiseModel(file));
        process.stdout.write(`model ${file.manifest.version} ${file.sha256} → ${f.out}\n`);
      });
    });

  ml.command('import')
    .description(
      'verify a model file (hash, version, format, signature), test it on saved malicious traffic, deploy it',
    )
    .argument('<file>', 'model file')
    .option('--key <pem...>', 'trusted public key(s); the model must be signed by one')
    .option('--allow-unsigned', 'accept a model without a signature (lab use)')
    .option('--force', 'allow an older version than the active one')
    .option('--min-detection <p>', 'deployment test: detection required', String(DEFAULT_GATES.minDetection))
    .option(
      '--max-false-alarm <p>',
      'deployment test: false alarms allowed',
      String(DEFAULT_GATES.maxFalseAlarm),
    )
    .option('--db <file>', DB_HELP, DEFAULT_DB)
    .action(
      async (
        path: string,
        f: {
          key?: string[];
          allowUnsigned?: boolean;
          force?: boolean;
          minDetection: string;
          maxFalseAlarm: string;
          db: string;
        },
      ) => {
        if (!f.key?.length && !f.allowUnsigned)
          throw new ConfigError('give --key PUB (trusted signer) or --allow-unsigned');
        const text = readText(path, 'model');
        await withStores(async (stores) => {
          const reg = await openRegistry(stores, f.db);
          const active = reg.active();
          try {
            const r = reg.add(text, {
              gates: {
                minDetection: num('min-detection', f.minDetection, 0, 1),
                maxFalseAlarm: num('max-false-alarm', f.maxFalseAlarm, 0, 1),
              },
              verify: {
                trustedKeys: f.key?.map((k) => readText(k, 'public key')),
                installedVersion: active?.file.manifest.version,
                allowDowngrade: f.force,
              },
            });
            process.stdout.write(
              `model ${r.version} (${r.sha256.slice(0, 16)}): ${r.deployed ? 'deployed, active' : `REFUSED by the deployment test — ${r.test.reasons.join('; ')}`}\n`,
            );
            if (!r.deployed) setExit(1);
          } catch (err) {
            if (err instanceof ModelRejected) throw new InputError(`${path}: ${err.message}`);
            throw err;
          }
        });
      },
    );

  ml.command('ux-check')
    .description(
      "A-91: the active model's alert rate on recent benign traffic; past --max-rate, restore the previous model",
    )
    .requiredOption(
      '--ustc <dir>',
      'recent benign sessions, USTC layout (malicious-labelled rows are left out)',
    )
    .option('--max-rate <p>', 'largest alert rate on benign traffic', '0.05')
    .option('--db <file>', DB_HELP, DEFAULT_DB)
    .option('--fl-server <url>', 'send the queued reports to this federated-learning server (https://)')
    .option('--fl-ca <pem>', "the federated-learning server's certificate (pinned)")
    .option('--fl-key <pem>', "this appliance's Ed25519 key, registered with that server")
    .action(
      async (f: {
        ustc: string;
        maxRate: string;
        db: string;
        flServer?: string;
        flCa?: string;
        flKey?: string;
      }) => {
        // Checked before the model runs: a report that cannot be sent must not be found out after the rollback.
        const conn =
          f.flServer === undefined
            ? undefined
            : reportConnection({
                server: f.flServer,
                ca: need('--fl-ca', f.flCa),
                key: need('--fl-key', f.flKey),
              });
        const all = readUstcFolder(f.ustc);
        const benign: number[] = [];
        for (let i = 0; i < all.n; i++) if (!USTC_MALICIOUS.includes(all.labels[i])) benign.push(i);
        await withStores(async (stores) => {
          const reg = await openRegistry(stores, f.db);
          const r = reg.checkUserExperience(subset(all, benign), num('max-rate', f.maxRate, 0, 1));
          process.stdout.write(
            `alert rate ${(r.rate * 100).toFixed(2)}% (${r.alerts}/${r.sessions})` +
              (r.rolledBack
                ? `: rolled back from ${r.rolledBack.from} to ${r.rolledBack.to}; report ${r.rolledBack.reportId} queued for the federated-learning network\n`
                : ': within the limit\n'),
          );
          if (r.rolledBack) setExit(1);
          // Every queued report goes, older ones that failed before included.
          if (conn) writeReportResult(await sendPendingReports(reg, conn));
        });
      },
    );
}

function need(flag: string, v: string | undefined): string {
  if (v === undefined) throw new UsageError(`--fl-server needs ${flag}`);
  return v;
}
