/**
 * `moat dataset build|verify`: the training set from what the honeypot and sandbox captured (A-81…A-83), in the
 * corpus layout `moat ml train --ustc DIR` reads, with a manifest of hashes; verify refuses a changed byte.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { RegisterCommand } from './index.js';
import { UsageError } from '../errors.js';
import { num } from './ml/shared.js';
import { withStores } from '../stores.js';
import { InputError } from '../../framework/errors.js';
import {
  buildDataset,
  signingKey,
  verifyDataset,
  type HoneypotInstanceInput,
  type PublicSet,
  type SandboxRunInput,
} from '../../dataset/index.js';

/** The sandbox's reports (`<sha256>.report.json`, sandbox/sandbox.ts) in a folder. */
export function readSandboxReports(dir: string): SandboxRunInput[] {
  if (!existsSync(dir)) throw new UsageError(`--sandbox-reports ${dir}: no such folder`);
  const out: SandboxRunInput[] = [];
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.report.json'))
    .sort()) {
    const path = join(dir, f);
    let r: { sha256?: unknown; labels?: unknown; dynamic?: { pcap?: unknown } };
    try {
      r = JSON.parse(readFileSync(path, 'utf8')) as typeof r;
    } catch (e) {
      throw new InputError(`${path}: not JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (typeof r.sha256 !== 'string' || !Array.isArray(r.labels))
      throw new InputError(`${path}: not a sandbox report (sha256 and labels expected)`);
    const pcap =
      typeof r.dynamic?.pcap === 'string' && existsSync(r.dynamic.pcap) ? r.dynamic.pcap : undefined;
    out.push({ sha256: r.sha256, labels: r.labels.map(String), pcap });
  }
  return out;
}

function readText(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`${flag} ${path}: cannot read`);
  }
}

interface BuildFlags {
  out: string;
  db?: string;
  pcap: string[];
  sandboxReports?: string;
  mergeUstc?: string;
  mergePerClass?: string;
  key?: string;
  sign?: string;
  incidents: boolean;
  json?: boolean;
}

async function build(f: BuildFlags): Promise<void> {
  let key: Buffer;
  if (f.key) {
    try {
      key = readFileSync(f.key);
    } catch {
      throw new UsageError(`--key ${f.key}: cannot read`);
    }
    if (key.length < 16) throw new UsageError(`--key ${f.key}: ${key.length} bytes, at least 16 needed`);
  } else key = (await import('node:crypto')).randomBytes(32);
  // The signing key is checked before any capture is read: a wrong file fails at once, not after the build.
  const signKey = f.sign ? signingKey(readText(f.sign, '--sign'), `--sign ${f.sign}`) : undefined;
  const sandbox = f.sandboxReports ? readSandboxReports(f.sandboxReports) : [];
  await withStores(async (stores) => {
    let instances: HoneypotInstanceInput[] = [];
    let addIncident: ((p: Uint8Array, id: number, cls: string, src: string) => void) | undefined;
    let incidents = 0;
    if (f.db) {
      const store = stores.sqliteStore('--db', f.db, 'honeypot instances and the model registry');
      const { InstanceStore } = await import('../../honeypot/index.js');
      instances = new InstanceStore(store).list(1_000_000);
      if (f.incidents) {
        // the appliance's own malicious sessions join the saved traffic every model is tested on before it deploys.
        const { MlRegistry, tfReady } = await import('../../ml/index.js');
        const reg = new MlRegistry(store, await tfReady());
        addIncident = (p, id, cls, src) => {
          if (reg.addIncident(p, id, `${cls} ${src}`)) incidents++;
        };
      }
    }
    let merge: PublicSet | undefined;
    if (f.mergeUstc) {
      const { readUstcFolder, USTC_CLASS_NAMES, USTC_MALICIOUS } = await import('../../ml/index.js');
      let set = readUstcFolder(f.mergeUstc);
      if (f.mergePerClass) {
        const { capPerClass } = await import('./ml/train.js');
        set = capPerClass(set, num('merge-per-class', f.mergePerClass, 1, 1e6, true), 1);
      }
      let top = 0;
      for (const l of set.labels) if (l > top) top = l;
      if (top >= USTC_CLASS_NAMES.length)
        throw new InputError(
          `${f.mergeUstc}: label ${top}: USTC-TFC2016 has ${USTC_CLASS_NAMES.length} classes`,
        );
      merge = { ...set, classNames: USTC_CLASS_NAMES, malicious: USTC_MALICIOUS };
    }
    if (f.pcap.length > 0 && instances.length === 0)
      process.stderr.write(
        'moat dataset: no honeypot instances in the store (--db): capture sessions stay unlabelled\n',
      );
    const m = await buildDataset({
      out: f.out,
      captures: f.pcap,
      instances,
      sandbox,
      merge,
      key,
      signKey,
      onIncident: addIncident,
    });
    if (f.json) process.stdout.write(`${JSON.stringify({ ...m, incidentsAdded: incidents }, null, 2)}\n`);
    else {
      const own = m.privacy.checked;
      process.stdout.write(
        `dataset ${f.out}: ${m.sessions} sessions (${own} own, privacy-checked, 0 findings; ${m.privacy.unchecked} public), ${m.classes.length} classes\n` +
          m.classes
            .filter((c) => c.count > 0)
            .map(
              (c) =>
                `  ${String(c.id).padStart(3)} ${c.name.padEnd(20)} ${String(c.count).padStart(6)}${c.malicious ? '  malicious' : ''}\n`,
            )
            .join('') +
          `sources: ${m.sources.length} (${m.unmatchedSessions} capture sessions matched no honeypot instance)\n` +
          (f.db && f.incidents ? `incidents added to the model registry: ${incidents}\n` : ''),
      );
    }
  });
}

export const registerDataset: RegisterCommand = (program: Command, setExit) => {
  const ds = program
    .command('dataset')
    .description('training sets from honeypot and sandbox captures (A-81…A-83)');
  ds.command('build')
    .description(
      'sessions of sandbox runs and honeypot captures, labelled by behaviour, desensitised and privacy-checked, in the USTC layout with a manifest',
    )
    .requiredOption('--out <dir>', 'the dataset folder to write')
    .option(
      '--db <file>',
      'the store: honeypot instances; malicious sessions become model-registry incidents',
    )
    .option(
      '--pcap <file>',
      'a capture holding honeypot sessions (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option(
      '--sandbox-reports <dir>',
      "the sandbox's report folder (sandbox.reportDir); runs with a kept capture",
    )
    .option('--merge-ustc <dir>', 'merge a USTC-TFC2016 folder (its 20 classes keep ids 0–19)')
    .option('--merge-per-class <n>', 'at most N sessions per USTC class')
    .option('--key <file>', 'pseudonymisation key (≥ 16 bytes; default: a new random key)')
    .option(
      '--sign <key>',
      "sign the manifest with this Ed25519 private key (PEM, e.g. the appliance's `moat fl keygen` key)",
    )
    .option('--no-incidents', 'do not add malicious sessions to the model registry')
    .option('--json', 'print the manifest as JSON')
    .action((f: BuildFlags) => build(f));
  ds.command('verify')
    .description("check a dataset's files against its manifest hashes, counts and privacy check")
    .argument('<dir>', 'the dataset folder')
    .option(
      '--key <pem>',
      'a trusted public key (PEM; repeatable): the manifest must be signed by one',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--allow-unsigned', 'accept a manifest without a signature (lab use; the files are still hashed)')
    .option('--json', 'print the result as JSON')
    .action((dir: string, f: { json?: boolean; key: string[]; allowUnsigned?: boolean }) => {
      const r = verifyDataset(dir, {
        trustedKeys: f.key.map((k) => readText(k, '--key')),
        allowUnsigned: f.allowUnsigned,
      });
      const signed = r.signedBy ? `signed by ${r.signedBy}` : 'unsigned (allowed)';
      if (f.json)
        process.stdout.write(
          `${JSON.stringify({ ok: true, files: r.files, sessions: r.manifest.sessions, checkedRows: r.checkedRows, signedBy: r.signedBy ?? null })}\n`,
        );
      else
        process.stdout.write(
          `dataset ${dir}: ok — manifest ${signed}, ${r.files} files match their sha256, ${r.manifest.sessions} sessions in ${r.manifest.classes.length} classes, ${r.checkedRows} own rows pass the privacy check\n`,
        );
      setExit(0);
    });
};
