/** `moat relay` configuration (zod-validated; errors name the field): listener, keys, devices. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { HoneypotConfigError } from './config.js';

const port = z.number().int().min(0).max(65535);

export const DeviceEndConfigSchema = z
  .object({
    listen: z.object({ host: z.string().default('127.0.0.1'), port }).strict(),
    /** PEM certificate and key of the TLS end; both absent = a throw-away self-signed pair. */
    tlsCert: z.string().optional(),
    tlsKey: z.string().optional(),
    /** The pre-shared key honeypots authenticate with (hex file, ≥ 32 bytes). */
    keyFile: z.string().min(1),
    /** Registrations (A-53, for the security component) and forwarded requests, as JSON lines. */
    log: z.string().default('var/relay/device-end.jsonl'),
    devices: z
      .array(
        z
          .object({
            name: z.string().min(1),
            protocol: z.enum(['shell', 'http', 'mqtt']),
            host: z.string().min(1),
            port,
            commands: z.array(z.string().min(1)).optional(),
            capacity: z.number().int().min(1).max(1000).default(2),
          })
          .strict(),
      )
      .min(1),
  })
  .strict()
  .refine((c) => (c.tlsCert === undefined) === (c.tlsKey === undefined), {
    message: 'tlsCert and tlsKey go together',
    path: ['tlsCert'],
  });

export type DeviceEndConfig = z.infer<typeof DeviceEndConfigSchema>;

export function loadDeviceEndConfig(path: string): DeviceEndConfig {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8')) ?? {};
  } catch (e) {
    throw new HoneypotConfigError(`${path}: ${(e as Error).message}`);
  }
  const r = DeviceEndConfigSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new HoneypotConfigError(`${path}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}
