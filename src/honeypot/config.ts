/** `moat honeypot` configuration (zod-validated; errors name the field): ports, scope, limits, paths. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const port = z.number().int().min(0).max(65535);

export const HoneypotConfigSchema = z
  .object({
    bind: z.string().default('0.0.0.0'),
    telnet: z.array(port).default([2323]),
    ssh: z.array(port).default([2222]),
    http: z
      .array(z.object({ port, persona: z.enum(['camera', 'router']).default('camera') }))
      .default([{ port: 8081, persona: 'camera' }]),
    mqtt: z.array(port).default([1883]),
    catchAll: z.array(port).default([]),
    downloadScope: z.array(z.string()).default([]),
    quarantineDir: z.string().default('var/honeypot/quarantine'),
    database: z.string().default('var/moat.db'),
    eve: z.string().default('var/honeypot/eve.json'),
    sandbox: z
      .object({
        enabled: z.boolean().default(true),
        timeoutSeconds: z.number().int().min(1).max(120).default(10),
        reportDir: z.string().default('var/sandbox/reports'),
      })
      .default({ enabled: true, timeoutSeconds: 10, reportDir: 'var/sandbox/reports' }),
    timing: z
      .object({
        scale: z.number().min(0).max(100).default(1),
        seed: z.number().int().optional(),
        bytesPerSecond: z.number().int().min(1000).default(350_000),
      })
      .strict()
      .default({ scale: 1, bytesPerSecond: 350_000 }),
    limits: z
      .object({
        maxSessionsPerPeer: z.number().int().min(1).optional(),
        maxSessionsTotal: z.number().int().min(1).optional(),
        maxBytesPerSession: z.number().int().min(1024).optional(),
        maxSessionSeconds: z.number().int().min(1).optional(),
        idleSeconds: z.number().int().min(1).optional(),
      })
      .default({}),
  })
  .strict();

export type HoneypotConfig = z.infer<typeof HoneypotConfigSchema>;

export class HoneypotConfigError extends Error {}

export function loadHoneypotConfig(path?: string): HoneypotConfig {
  let raw: unknown = {};
  if (path) {
    try {
      raw = parseYaml(readFileSync(path, 'utf8')) ?? {};
    } catch (e) {
      throw new HoneypotConfigError(`${path}: ${(e as Error).message}`);
    }
  }
  const r = HoneypotConfigSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new HoneypotConfigError(`${path ?? 'config'}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}
