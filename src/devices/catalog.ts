/**
 * Fingerprint → type → group, as data: `config/device-types.yaml` ships the built-in types and groups, and
 * users add files of their own (read first, so their types win). A type matches when any of its matchers holds; a
 * matcher holds when all of its fields do. Types are tried in file order; the first that matches names the device.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../framework/errors.js';
import { BUILTIN_GROUPS, DMZ_GROUP, type DeviceRecord } from './model.js';

/**
 * The shipped catalogue, next to the package's other configurations: three levels up from the compiled module
 * (dist/src/devices), two from the bundle's chunks (dist/bundle).
 */
export const SHIPPED_TYPES = ['../../../config/', '../../config/']
  .map((rel) => fileURLToPath(new URL(`${rel}device-types.yaml`, import.meta.url)))
  .reduce((found, path) => (existsSync(found) ? found : path));

const regex = z.string().refine(
  (s) => {
    try {
      new RegExp(s, 'i');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

const matcher = z
  .object({
    vendor: regex.optional(),
    hostname: regex.optional(),
    dhcpVendorClass: regex.optional(),
    /** Option 55 as sent, comma-separated; matched from the start. */
    dhcpParams: z
      .string()
      .regex(/^\d+(,\d+)*$/)
      .optional(),
    mdns: z
      .string()
      .regex(/^_[a-z0-9-]+\._(tcp|udp)$/i)
      .optional(),
    upnpDeviceType: regex.optional(),
    upnpManufacturer: regex.optional(),
    protocol: z
      .string()
      .regex(/^[a-z0-9-]+$/)
      .optional(),
    zone: z.string().optional(),
  })
  .strict()
  .refine((m) => Object.keys(m).length > 0, { message: 'a matcher needs at least one field' });

const fileSchema = z
  .object({
    groups: z
      .array(
        z
          .object({ id: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/), description: z.string().optional() })
          .strict(),
      )
      .default([]),
    types: z
      .array(
        z
          .object({
            type: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/),
            group: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/),
            description: z.string().optional(),
            match: z.array(matcher).min(1),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

type Matcher = z.infer<typeof matcher>;
export interface DeviceType {
  type: string;
  group: string;
  match: Matcher[];
  source: string;
}

export interface Classification {
  type: string;
  group: string | null;
  rule: string;
}

export class DeviceCatalog {
  readonly groups = new Map<string, string>();
  readonly types: DeviceType[] = [];

  /** `files`: the user's first, then the shipped one. Every problem of every file is reported at once. */
  constructor(files: readonly string[] = [SHIPPED_TYPES]) {
    for (const g of BUILTIN_GROUPS) this.groups.set(g, 'built in');
    this.groups.set(DMZ_GROUP, 'built in (A-53)');
    const problems: string[] = [];
    for (const f of files) {
      let raw: unknown;
      try {
        raw = parse(readFileSync(f, 'utf8'));
      } catch (e) {
        problems.push(`${f}: ${(e as Error).message.split('\n')[0]}`);
        continue;
      }
      const r = fileSchema.safeParse(raw ?? {});
      if (!r.success) {
        for (const i of r.error.issues) problems.push(`${f}: ${i.path.join('.') || '(top)'}: ${i.message}`);
        continue;
      }
      for (const g of r.data.groups) if (!this.groups.has(g.id)) this.groups.set(g.id, g.description ?? f);
      r.data.types.forEach((t, i) => {
        this.types.push({ ...t, source: `${f}#types.${i}` });
      });
    }
    this.types.forEach((t) => {
      if (!this.groups.has(t.group)) problems.push(`${t.source}: group '${t.group}' is not defined`);
    });
    if (problems.length) throw new ConfigError(`device types:\n${problems.join('\n')}`);
  }

  private holds(m: Matcher, d: DeviceRecord): boolean {
    const re = (p: string, v: string | null | undefined) => v != null && new RegExp(p, 'i').test(v);
    if (m.vendor !== undefined && !re(m.vendor, d.vendor)) return false;
    if (m.hostname !== undefined && !re(m.hostname, d.hostname)) return false;
    if (m.dhcpVendorClass !== undefined && !re(m.dhcpVendorClass, d.dhcp?.vendorClass)) return false;
    if (m.dhcpParams !== undefined && !(d.dhcp?.paramList ?? '').startsWith(m.dhcpParams)) return false;
    if (m.mdns !== undefined && !d.services.includes(m.mdns.toLowerCase())) return false;
    if (m.upnpDeviceType !== undefined && !re(m.upnpDeviceType, d.upnp?.deviceType)) return false;
    if (m.upnpManufacturer !== undefined && !re(m.upnpManufacturer, d.upnp?.manufacturer)) return false;
    if (m.protocol !== undefined && !d.protocols.includes(m.protocol)) return false;
    if (m.zone !== undefined && m.zone !== d.zone) return false;
    return true;
  }

  /** The type and group the rules give; a device nothing matches is a user device in the user zone, else 'others'. */
  classify(d: DeviceRecord): Classification {
    for (const t of this.types)
      for (const m of t.match) if (this.holds(m, d)) return { type: t.type, group: t.group, rule: t.source };
    return d.zone === 'lan' || d.zone === 'user'
      ? { type: 'user-device', group: null, rule: 'default: user zone' }
      : { type: 'unknown', group: 'others', rule: 'default' };
  }
}
