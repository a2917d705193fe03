/**
 * `moat relay --config FILE`: the device end of the honeypot relay, next to the real
 * devices. Honeypots register over TLS with the pre-shared key; each registration and each forwarded request
 * is logged as a JSON line (the security component's registration interface, logged for now).
 * `moat relay keygen --out FILE` makes that key; both ends use the same file.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { RegisterCommand } from './index.js';
import { UsageError } from '../errors.js';
import { OperationalError } from '../../framework/errors.js';
import { makeKeyFile, readKeyFile } from '../../honeypot/index.js';
import { loadDeviceEndConfig } from '../../honeypot/index.js';
import { DeviceEndServer, selfSignedCert, type DeviceEndCert } from '../../honeypot/index.js';
import { eveNow } from '../../output/index.js';
import { untilStopped } from '../signals.js';

function readPem(what: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`${what} ${path}: ${(e as Error).message}`);
  }
}

export const registerRelay: RegisterCommand = (program) => {
  const relay = program
    .command('relay')
    .description('run the device end of the honeypot relay: authenticated tunnel to real devices')
    .option('--config <file>', 'YAML/JSON configuration (listener, key, TLS, devices)')
    .action(async (flags: { config?: string }) => {
      if (!flags.config)
        throw new UsageError('relay: give --config FILE (or `moat relay keygen --out FILE`)');
      const cfg = loadDeviceEndConfig(flags.config);
      const key = readKeyFile(cfg.keyFile, 'keyFile');
      let cert: DeviceEndCert;
      if (cfg.tlsCert && cfg.tlsKey) {
        const pem = readPem('tlsCert', cfg.tlsCert);
        let fingerprint256: string;
        try {
          fingerprint256 = new X509Certificate(pem).fingerprint256;
        } catch (e) {
          throw new UsageError(`tlsCert ${cfg.tlsCert}: ${(e as Error).message}`);
        }
        cert = { cert: pem, key: readPem('tlsKey', cfg.tlsKey), fingerprint256 };
      } else {
        try {
          cert = selfSignedCert();
        } catch (e) {
          throw new OperationalError(`relay: cannot make a self-signed certificate: ${(e as Error).message}`);
        }
      }
      mkdirSync(dirname(cfg.log), { recursive: true });
      const log = (o: Record<string, unknown>): void =>
        appendFileSync(cfg.log, JSON.stringify({ timestamp: eveNow(), ...o }) + '\n');
      const end = new DeviceEndServer(
        cert,
        key,
        cfg.devices,
        (r) => log({ event: 'registration', ...r }),
        (f) => log({ event: 'forward', ...f }),
      );
      const port = await end.listen(cfg.listen.port, cfg.listen.host);
      const stopped = untilStopped();
      process.stderr.write(
        `moat relay: listening on ${cfg.listen.host}:${port}, ${cfg.devices.length} device(s), fingerprint ${cert.fingerprint256}\n`,
      );
      await stopped;
      await end.close();
    });

  relay
    .command('keygen')
    .description(
      "make the relay's pre-shared key (32 random bytes as hex, owner-only); give both ends this file",
    )
    .requiredOption('--out <file>', 'key file to write (never overwritten)')
    .action((o: { out: string }) => {
      mkdirSync(dirname(o.out), { recursive: true });
      makeKeyFile(o.out);
      process.stdout.write(
        `wrote ${o.out}: name it as keyFile in the relay configuration and as relay.keyFile in the honeypot's\n`,
      );
    });
};
