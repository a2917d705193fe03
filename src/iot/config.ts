/**
 * `iot.yaml`, the IoT gateway component's configuration (A-6, A-13): the zones it serves, where its broker and API
 * listen, its deadlines, the initial check's limits, and — until the device registry feeds it — the devices.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../framework/errors.js';
import { iotDeviceSchema } from './device.js';

const port = z.number().int().min(0).max(65535);

export const iotConfigSchema = z
  .object({
    /** The zones whose devices this component talks to; devices elsewhere are neither probed nor controlled. */
    zones: z.array(z.string().min(1)).min(1).default(['iot']),
    broker: z
      .object({ host: z.string().min(1).default('0.0.0.0'), port: port.default(1883) })
      .strict()
      .default({ host: '0.0.0.0', port: 1883 }),
    api: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: port.default(8093),
        /** The key clients send as `Authorization: Bearer KEY` (or give --api-key / MOAT_IOT_API_KEY). */
        apiKey: z.string().min(16, 'at least 16 characters').optional(),
      })
      .strict()
      .optional(),
    /** One request to a device (CoAP, HTTP, a probe). */
    timeoutMs: z.number().int().min(100).max(60_000).default(3000),
    /** How long an MQTT device has to report the state it was told. */
    confirmMs: z.number().int().min(0).max(60_000).default(3000),
    check: z
      .object({
        concurrency: z.number().int().min(1).max(256).default(8),
        perDeviceSeconds: z.number().int().min(1).max(3600).default(60),
        /** Run the check when the component starts on a store that never held one (A-13: first deployment). */
        onFirstDeployment: z.boolean().default(true),
      })
      .strict()
      .default({ concurrency: 8, perDeviceSeconds: 60, onFirstDeployment: true }),
    devices: z.array(iotDeviceSchema).default([]),
    database: z.string().min(1).default('/var/lib/moat/moat.db'),
  })
  .strict();

export type IotConfig = z.output<typeof iotConfigSchema>;

export function parseIotConfig(text: string, source: string): IotConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (e) {
    throw new ConfigError(`${source}: not YAML: ${(e as Error).message}`);
  }
  const r = iotConfigSchema.safeParse(raw);
  if (!r.success)
    throw new ConfigError(
      `${source}:\n${r.error.issues.map((i) => `  ${i.path.join('.') || '(top)'}: ${i.message}`).join('\n')}`,
    );
  const ids = new Set<string>();
  for (const [i, d] of r.data.devices.entries()) {
    if (ids.has(d.id)) throw new ConfigError(`${source}: devices.${i}.id: ${d.id} is listed twice`);
    ids.add(d.id);
  }
  return r.data;
}

export function loadIotConfig(path: string): IotConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${path}: cannot read: ${(e as Error).message}`);
  }
  return parseIotConfig(text, path);
}
