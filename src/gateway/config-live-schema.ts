/**
 * The parts of `gateway.yaml` for live inspection, the tables' API and the user's way in through the backup port
 * (issue 12, points 3, 8, 10), kept apart from the routing configuration they extend.
 */
import { z } from 'zod';

/** 1 in N. */
const oneIn = z.number().int().min(1).max(1_000_000);

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
    /**
     * The store's active identification model (Spec B, `moat identify train --db`) scores the WAN end of sampled
     * flows; a black verdict blocks that destination for the device (A-34, engine 'ml').
     */
    model: z
      .object({
        /** 1 in N flows is checked. */
        sample: oneIn.default(1),
        /** A gray verdict at or above this score is tracked too. */
        grayScore: z.number().min(0).max(1).optional(),
      })
      .strict()
      .optional(),
    /**
     * The store's deployed payload CNN (`moat ml train --db`) classifies sampled flows by their first payload bytes,
     * in batches once a second; a malicious class blocks that destination (engine 'cnn').
     */
    cnn: z
      .object({
        sample: oneIn.default(1),
        minConfidence: z.number().min(0).max(1).default(0.9),
      })
      .strict()
      .optional(),
    /**
     * Log review of the sampled flows of internal devices: its restrictions become cache entries on the bus
     * and are enforced like every other verdict (device-level, diagnosis 'log-review').
     */
    review: z
      .object({
        sample: oneIn.default(1),
        windowS: z.number().int().min(1).max(86_400).optional(),
        maxPeers: z.number().int().min(1).optional(),
        maxPorts: z.number().int().min(1).optional(),
        maxRepeat: z.number().int().min(1).optional(),
      })
      .strict()
      .optional(),
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
