/**
 * `moat rules keygen|sign|verify|install|rollback|list` — verified rule bundles. The vendor side
 * signs; the appliance side verifies with the vendor's public key, installs atomically and keeps old versions.
 * `moat rules lint FILE…` lists every rule moat refuses, with the keyword and why.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { RegisterCommand } from './index.js';
import { UsageError } from '../errors.js';
import { collect } from '../options.js';
import { generateVendorKey, signBundle } from '../../verify/index.js';
import { BundleRejected } from '../../verify/index.js';
import { BundleStore } from '../../verify/index.js';
import { StoreSet } from '../stores.js';
import { lintRuleFiles } from './rules-lint.js';

function read(what: string, p: string): string {
  if (!existsSync(p)) throw new UsageError(`${what}: no such file: ${p}`);
  return readFileSync(p, 'utf8');
}

interface StoreFlags {
  db: string;
  dir: string;
  key: string[];
  /** --vendor-key, the old name of --key on the checking side (hidden, still accepted). */
  vendorKey: string[];
}

/** The store stays open until the command's process ends (one short command). */
function openStore(f: StoreFlags): BundleStore {
  const keys = [...f.key, ...f.vendorKey];
  if (keys.length === 0) throw new UsageError("give the vendor's public key(s) with --key FILE");
  return new BundleStore(
    new StoreSet().sqliteStore('--db', f.db, 'rule bundles'),
    f.dir,
    keys.map((k) => read('--key', k)),
  );
}

function refused(err: unknown): never {
  if (err instanceof BundleRejected)
    throw new UsageError(`bundle refused by the ${err.checker} checker:\n  - ${err.problems.join('\n  - ')}`);
  throw err instanceof Error ? new UsageError(err.message) : err;
}

export const registerRules: RegisterCommand = (program: Command, setExit) => {
  const rules = program
    .command('rules')
    .description('rule files and verified rule bundles: lint, keygen, sign, verify, install, rollback, list');

  rules
    .command('lint')
    .description('list every rule moat refuses (file:line, sid, keyword, why); exit 1 if any is refused')
    .argument('<files...>', 'rule files')
    .option('--disabled', 'also check the commented-out ("#alert …") rules')
    .option('--stats', 'also print the parse and compile time and the memory the rules take (stderr)')
    .action((files: string[], o: { disabled?: boolean; stats?: boolean }) => {
      for (const f of files) if (!existsSync(f)) throw new UsageError(`rules lint: no such file: ${f}`);
      const r = lintRuleFiles(files, { disabled: o.disabled, stats: o.stats });
      process.stdout.write(r.report);
      if (r.stats) process.stderr.write(r.stats);
      if (r.refused > 0) setExit(1);
    });
  const storeOpts = (c: Command): Command =>
    c
      .option('--db <file>', 'the store: installed bundles', 'moat.db')
      .option('--dir <path>', 'where installed bundles are kept', 'rule-bundles')
      // Key flags: --key names the key a command uses, private where it signs, public where it checks.
      .option(
        '--key <pem>',
        "the vendor's public key the bundle must be signed with (repeatable)",
        collect,
        [],
      )
      .addOption(new Option('--vendor-key <pem>').argParser(collect).default([]).hideHelp());

  rules
    .command('keygen')
    .description('make an Ed25519 vendor key pair')
    .requiredOption('--out <prefix>', 'writes PREFIX.key (private) and PREFIX.pub')
    .action((o: { out: string }) => {
      const k = generateVendorKey();
      writeFileSync(`${o.out}.key`, k.privatePem, { mode: 0o600 });
      writeFileSync(`${o.out}.pub`, k.publicPem);
      process.stdout.write(`wrote ${o.out}.key and ${o.out}.pub\n`);
    });

  rules
    .command('sign')
    .description('build a signed bundle from a rules file (vendor side)')
    .argument('<rules>', 'rules file')
    .requiredOption('--key <pem>', "the vendor's private key to sign with (from rules keygen)")
    .requiredOption('--version <v>', 'bundle version, dotted numbers')
    .option('--name <name>', 'bundle name', 'moat-rules')
    .requiredOption('--out <file>', 'bundle file to write')
    .action((file: string, o: { key: string; version: string; name: string; out: string }) => {
      let b;
      try {
        b = signBundle(read('rules', file), {
          name: o.name,
          version: o.version,
          privatePem: read('--key', o.key),
        });
      } catch (err) {
        throw new UsageError(err instanceof Error ? err.message : String(err));
      }
      writeFileSync(o.out, JSON.stringify(b));
      process.stdout.write(`signed ${b.manifest.records} rules as ${o.name} ${o.version} → ${o.out}\n`);
    });

  storeOpts(
    rules
      .command('verify')
      .description('run all four checkers on a bundle without installing it')
      .argument('<bundle>'),
  ).action((file: string, o: StoreFlags) => {
    try {
      const v = openStore(o).verify(read('bundle', file));
      process.stdout.write(
        `ok: ${v.bundle.manifest.name} ${v.bundle.manifest.version}, ${v.rules.length} rules, signed by ${v.bundle.manifest.keyId}\n`,
      );
    } catch (err) {
      refused(err);
    }
  });

  storeOpts(
    rules.command('install').description('verify and install a bundle atomically').argument('<bundle>'),
  )
    .option('--force', 'allow a downgrade')
    .action((file: string, o: StoreFlags & { force?: boolean }) => {
      try {
        const row = openStore(o).install(read('bundle', file), () => undefined, { allowDowngrade: o.force });
        process.stdout.write(`installed ${row.name} ${row.version} (${row.records} rules); now active\n`);
      } catch (err) {
        refused(err);
      }
    });

  storeOpts(
    rules.command('rollback').description('re-activate a kept bundle version').argument('<version>'),
  ).action((version: string, o: StoreFlags) => {
    try {
      const row = openStore(o).rollback(version, () => undefined);
      process.stdout.write(`active: ${row.name} ${row.version}\n`);
    } catch (err) {
      refused(err);
    }
  });

  storeOpts(rules.command('list').description('kept bundles, the active one marked')).action(
    (o: StoreFlags) => {
      for (const r of openStore(o).list()) {
        process.stdout.write(
          `${r.active ? '*' : ' '} ${r.name} ${r.version}  ${r.records} rules  installed ${r.installed_at}\n`,
        );
      }
    },
  );
};
