/** `moat honeypot` configuration (zod-validated; errors name the field): ports, scope, limits, paths. */
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../framework/errors.js';

const port = z.number().int().min(0).max(65535);

export interface CaptureConfig {
  enabled: boolean;
  /** Interface to capture on; 'auto' = the one holding the bind address ('any' for a wildcard bind). */
  interface: string;
  dir: string;
  snaplen: number;
  maxBytesPerSession: number;
  maxTotalBytes: number;
  maxAgeDays: number;
  lingerMs: number;
}

export const defaultCaptureConfig: Omit<CaptureConfig, 'dir'> = {
  enabled: true,
  interface: 'auto',
  snaplen: 65535,
  maxBytesPerSession: 2 << 20,
  maxTotalBytes: 512 << 20,
  maxAgeDays: 30,
  lingerMs: 1000,
};

export const HoneypotConfigSchema = z
  .object({
    // Loopback unless told: a honeypot is exposed on purpose, by a configuration that says where.
    bind: z.string().default('127.0.0.1'),
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
    /** The relay to real IoT devices through its device end, `moat relay` (A-51, A-72…A-75); absent = emulator only. */
    relay: z
      .object({
        /** This honeypot's name in the registration handshake. */
        id: z.string().min(1).default('moat-honeypot'),
        /** Where `moat relay` listens, next to the real devices. */
        deviceEnd: z
          .object({
            host: z.string().min(1),
            port,
            /** SHA-256 fingerprint of the device end's TLS certificate (AA:BB:…), pinned. */
            fingerprint: z
              .string()
              .regex(/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/, 'expected AA:BB:… (32 bytes)'),
          })
          .strict(),
        /** Pre-shared key for the handshake authenticator: a file holding ≥ 32 bytes as hex. */
        keyFile: z.string().min(1),
        /** Key for the reply scrubbing pseudonyms (hex file); absent = a fresh key per run. */
        pseudonymKeyFile: z.string().optional(),
        /** Device names (hostnames) to scrub from replies besides the generic patterns. */
        scrubNames: z.array(z.string()).default([]),
      })
      .strict()
      .optional(),
    /**
     * The honeypot's own packet capture (capture.ts): each instance's packets in `dir/<instance id>.pcap`, bounded per
     * session and in total, kept `maxAgeDays`; `moat dataset build --db` reads them from the instances' records.
     */
    capture: z
      .object({
        enabled: z.boolean().default(defaultCaptureConfig.enabled),
        /** 'auto': the interface holding `bind` ('any' for 0.0.0.0 / ::). */
        interface: z.string().min(1).default(defaultCaptureConfig.interface),
        /** Default: `captures` next to quarantineDir (var/honeypot/captures as shipped). */
        dir: z.string().min(1).optional(),
        snaplen: z.number().int().min(96).max(262144).default(defaultCaptureConfig.snaplen),
        maxBytesPerSession: z.number().int().min(4096).default(defaultCaptureConfig.maxBytesPerSession),
        maxTotalBytes: z.number().int().min(65536).default(defaultCaptureConfig.maxTotalBytes),
        maxAgeDays: z.number().min(0).default(defaultCaptureConfig.maxAgeDays),
        lingerMs: z.number().int().min(0).max(60_000).default(defaultCaptureConfig.lingerMs),
        /** Start without capturing when the capture cannot open (no CAP_NET_RAW …) instead of refusing to start. */
        optional: z.boolean().default(true),
      })
      .strict()
      .default({ ...defaultCaptureConfig, optional: true }),
    /** `honeypot-session` messages: published in process, or on this Redis Streams bus (redis://…) for other processes. */
    bus: z.string().optional(),
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

/** A honeypot or relay configuration that cannot work (schema, key file); the message names file and field. */
export class HoneypotConfigError extends ConfigError {}

/** Reads a key file of hex digits (whitespace ignored); errors name the file and what is wrong. */
export function readKeyFile(path: string, what: string, minBytes = 32): Buffer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').replace(/\s+/g, '');
  } catch (e) {
    const hint =
      (e as { code?: string }).code === 'ENOENT' ? ' (make one with `moat relay keygen --out FILE`)' : '';
    throw new HoneypotConfigError(`${what} ${path}: ${(e as Error).message}${hint}`);
  }
  if (!/^([0-9a-fA-F]{2})+$/.test(text)) throw new HoneypotConfigError(`${what} ${path}: not hex digits`);
  const key = Buffer.from(text, 'hex');
  if (key.length < minBytes)
    throw new HoneypotConfigError(`${what} ${path}: ${key.length} bytes, at least ${minBytes} needed`);
  return key;
}

/**
 * Writes a new relay key: 32 random bytes as hex, readable by the owner only. An existing file is never
 * overwritten (both ends hold the same key: replacing one end's silently would cut the relay).
 */
export function makeKeyFile(path: string): void {
  try {
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new HoneypotConfigError(
      code === 'EEXIST'
        ? `${path}: already exists; a relay key is never overwritten (remove it first to replace it on both ends)`
        : `${path}: ${(e as Error).message}`,
    );
  }
}

/**
 * `relay.gateway`, the key's name before the far end became "the device end": moved to `relay.deviceEnd`
 * with a note, so configurations written for older versions still start.
 */
function renameOldKeys(raw: unknown, where: string, warn: (message: string) => void): void {
  if (!raw || typeof raw !== 'object') return;
  const relay = (raw as Record<string, unknown>).relay;
  if (!relay || typeof relay !== 'object') return;
  const r = relay as Record<string, unknown>;
  if (!('gateway' in r)) return;
  if ('deviceEnd' in r)
    throw new HoneypotConfigError(`${where}: relay: give deviceEnd only (gateway is its old name)`);
  r.deviceEnd = r.gateway;
  delete r.gateway;
  warn(
    `${where}: relay.gateway is deprecated, call it relay.deviceEnd (the far end of the relay is \`moat relay\`)`,
  );
}

/** Reads and checks the configuration (defaults without a file); `warn` hears about deprecated keys. */
export function loadHoneypotConfig(
  path?: string,
  warn: (message: string) => void = () => undefined,
): HoneypotConfig {
  let raw: unknown = {};
  if (path) {
    try {
      raw = parseYaml(readFileSync(path, 'utf8')) ?? {};
    } catch (e) {
      throw new HoneypotConfigError(`${path}: ${(e as Error).message}`);
    }
  }
  renameOldKeys(raw, path ?? 'config', warn);
  const r = HoneypotConfigSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new HoneypotConfigError(`${path ?? 'config'}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}

/** The capture settings with the folder resolved (next to the quarantine unless given). */
export function captureSettings(c: HoneypotConfig): CaptureConfig & { optional: boolean } {
  return { ...c.capture, dir: c.capture.dir ?? join(dirname(c.quarantineDir), 'captures') };
}
