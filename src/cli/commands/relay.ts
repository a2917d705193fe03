/**
 * `moat relay --config FILE`: the IoT-gateway end of the dedicated protocol.
 * Honeypots register over TLS with the pre-shared key; each registration and each forwarded request
 * is logged as a JSON line (the security component's registration interface, logged for now).
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { RegisterCommand } from './index.js';
import { UsageError } from '../errors.js';
import { HoneypotConfigError, readKeyFile } from '../../honeypot/config.js';
import { loadDeviceEndConfig } from '../../honeypot/device-end-config.js';
import { DeviceEndServer, selfSignedCert, type DeviceEndCert } from '../../honeypot/relay/index.js';

export const registerRelay: RegisterCommand = (program) => {
  program
    .command('relay')
    .description('run the IoT-gateway end of the honeypot relay: authenticated tunnel to real devices')
    .requiredOption('--config <file>', 'YAML/JSON configuration (listener, key, TLS, devices)')
    .action(async (flags: { config: string }) => {
      let cfg;
      let key: Buffer;
      let cert: DeviceEndCert;
      try {
        cfg = loadDeviceEndConfig(flags.config);
        key = readKeyFile(cfg.keyFile, 'keyFile');
        if (cfg.tlsCert && cfg.tlsKey) {
          const pem = readFileSync(cfg.tlsCert, 'utf8');
          cert = {
            cert: pem,
            key: readFileSync(cfg.tlsKey, 'utf8'),
            fingerprint256: new X509Certificate(pem).fingerprint256,
          };
        } else cert = selfSignedCert();
      } catch (e) {
        if (e instanceof HoneypotConfigError) throw new UsageError(e.message);
        throw new UsageError(`${flags.config}: ${(e as Error).message}`);
      }
      mkdirSync(dirname(cfg.log), { recursive: true });
      const log = (o: Record<string, unknown>): void =>
        appendFileSync(cfg.log, JSON.stringify({ timestamp: new Date().toISOString(), ...o }) + '\n');
      const gw = new DeviceEndServer(
        cert,
        key,
        cfg.devices,
        (r) => log({ event: 'registration', ...r }),
        (f) => log({ event: 'forward', ...f }),
      );
      const port = await gw.listen(cfg.listen.port, cfg.listen.host);
      process.stderr.write(
        `moat relay: listening on ${cfg.listen.host}:${port}, ${cfg.devices.length} device(s), fingerprint ${cert.fingerprint256}\n`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await gw.close();
    });
};
