/**
 * The parts of `gateway.yaml` for live inspection, the tables' API and the user's way in through the backup port
 * (issue 12, points 3, 8, 10), kept apart from the routing configuration they extend.
 */
import { z } from 'zod';

const secret = z.string().min(12, 'expected at least 12 characters');

/** A secret given inline or in a file (one line); the file is read when the gateway starts. */
const secretSource = {
  key: secret.optional(),
  keyFile: z.string().min(1).optional(),
};

export const InspectionSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Interfaces captured; absent = every internal zone's (user LAN, IoT, DMZ). */
    interfaces: z
      .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/, 'expected an interface name'))
      .optional(),
    /** EVE output; absent = `eve.json` in the state directory. */
    eve: z.string().min(1).optional(),
    /** Suricata-compatible rule files loaded into the pipeline. */
    rules: z.array(z.string().min(1)).default([]),
    /** How often a `stats` event (libpcap's counters) is written. */
    statsSeconds: z.number().int().min(1).max(3600).default(10),
    /** libpcap's kernel buffer per interface, MiB. */
    bufferMB: z.number().int().min(1).max(1024).default(32),
    /** Recent packets kept for the self-isolation bundle, MiB (0: none). */
    ringMB: z.number().int().min(0).max(4096).default(16),
    /** The EVE tail put in the bundle, MiB. */
    bundleEveMB: z.number().int().min(1).max(4096).default(16),
    snaplen: z.number().int().min(64).max(262144).default(65535),
  })
  .strict();

export const PeersSchema = z
  .object({
    /** t of: an entry stays this many minutes after conntrack's protocol timeout ends its connection. */
    ageMinutes: z.number().min(0).max(10_080).default(1),
    /** How often conntrack is read. */
    pollSeconds: z.number().int().min(1).max(3600).default(5),
  })
  .strict();

export const ApiSchema = z
  .object({
    /** TCP port on the user zone's gateway address and on loopback; absent = the local unix socket only. */
    port: z.number().int().min(1).max(65535).optional(),
    /** Bearer key for the TCP listeners (the unix socket in the state directory is for root alone). */
    ...secretSource,
  })
  .strict();

/** The user's way in on the backup port: HTTPS with a password. */
export const BackupAccessSchema = z
  .object({
    /** The password (`Authorization: Bearer …`, or HTTP Basic with any user name). */
    ...secretSource,
  })
  .strict();

export type InspectionConfigIn = z.infer<typeof InspectionSchema>;
export type PeersConfigIn = z.infer<typeof PeersSchema>;
export type ApiConfigIn = z.infer<typeof ApiSchema>;
