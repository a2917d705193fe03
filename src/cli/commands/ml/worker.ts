/** `moat ml worker --job DIR --signing-key PEM`: the cloud training worker; the appliance key (hex) comes on stdin. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { num } from './shared.js';
import { UsageError } from '../../errors.js';
import { runWorkerJob, tfReady } from '../../../ml/index.js';

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export function registerMlWorker(ml: Command): void {
  ml.command('worker')
    .description(
      'cloud training worker: decrypt a sealed data set, train, seal the model, destroy data and key, sign the log',
    )
    .requiredOption('--job <dir>', 'job folder holding data.sealed')
    .requiredOption('--signing-key <pem>', "the worker's Ed25519 private key")
    .option('--epochs <n>', 'training epochs', '8')
    .option('--version <v>', 'version of the model it returns', '1.0')
    .action(async (f: { job: string; signingKey: string; epochs: string; version: string }) => {
      const input = await readStdin();
      const hex = input.toString('latin1').trim();
      input.fill(0);
      if (!/^[0-9a-f]{64}$/i.test(hex))
        throw new UsageError('stdin: expected the appliance key as 64 hex digits');
      const key = Buffer.from(hex, 'hex');
      const tf = await tfReady();
      const log = await runWorkerJob(tf, {
        dir: f.job,
        key,
        signingKeyPem: readFileSync(f.signingKey, 'utf8'),
        epochs: num('epochs', f.epochs, 1, 1000, true),
        version: f.version,
      });
      process.stdout.write(
        `model ${log.modelSha256.slice(0, 16)} sealed; deleted ${log.deleted.length} files; key zeroed: ${log.keyZeroed}\n`,
      );
    });
}
