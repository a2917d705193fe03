/**
 * moat's message topics and their payloads, as schemas: the bus checks every payload against its
 * topic's schema where it crosses a process boundary, so a component built from other code (another version,
 * another box) cannot slip a malformed verdict or cache entry into the rest.
 *
 * The payloads are neutral shapes defined here, at the bottom layer, not imported from the domains that produce
 * them: framework/ imports no domain folder. Each mirrors what its domain already holds (the security event cache
 * entry, the TLS monitor's and the model's verdicts, the honeypot's instance record, the identification model
 * registry's versions); test/framework/topics.test.ts fails the build when a domain type drifts from its payload.
 * Objects are not strict: a newer publisher may add fields an older consumer ignores.
 */
import { z } from 'zod';
import { tryParseIp } from '../address/index.js';

const ip = z.string().refine((s) => tryParseIp(s) !== undefined, { message: 'not an IPv4 or IPv6 address' });
const port = z.number().int().min(0).max(65535);
/** Transport protocol number (6 TCP, 17 UDP …); 0 = any. */
const proto = z.number().int().min(0).max(255);
const timeUs = z.number().finite().nonnegative();
const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'not an ISO 8601 time' });

/** An engine's judgement of one communication (the TLS monitor's risky handshake, a model's black address …). */
export const verdictSchema = z.object({
  /** Which engine judged: 'tlsmon', 'ml', 'rules', 'log-review'. */
  engine: z.string().min(1),
  /** The engine's own word for it: 'risky' (Spec T), 'black' / 'gray' (models) … */
  verdict: z.string().min(1),
  srcIp: ip,
  dstIp: ip,
  srcPort: port,
  dstPort: port,
  proto,
  /** When the judged traffic was seen (capture time, µs since the epoch). */
  tsUs: timeUs,
  /** The alert's signature id (moat's own ranges for tlsmon and models). */
  signatureId: z.number().int().nonnegative(),
  /** The engine's policy asked for blocking. */
  block: z.boolean(),
  /** …and it was carried out (live enforcement). */
  blocked: z.boolean(),
  /** The engine's score, when it has one (null: nothing could be scored). */
  score: z.number().finite().nullable().optional(),
  policy: z.string().optional(),
});

const operation = z.enum([
  'forward',
  'drop',
  'suppress',
  'deceive',
  'intervene',
  'monitor',
  'track',
  'reset',
]);

/** One row of the security event cache table (A-36 columns plus moat's bookkeeping). */
export const cacheEntrySchema = z.object({
  srcIp: ip,
  /** The peer, or '*' for a device-level entry. */
  dstIp: z.union([ip, z.literal('*')]),
  srcPort: port,
  dstPort: port,
  proto,
  createdUs: timeUs,
  lastHitUs: timeUs,
  maxLifetimeUs: timeUs,
  direction: z.enum(['forward', 'both']),
  scope: z.string().min(1),
  operationType: z.enum(['block', 'allow', 'observe', 'divert']),
  operation,
  operationArg: z.string().optional(),
  eventId: z.string().min(1),
  diagnosis: z.string().min(1),
  status: z.enum(['valid', 'watched', 'invalid']),
  watchUntilUs: timeUs.optional(),
  hits: z.number().int().nonnegative(),
});

/** A change to the event cache table: a new or changed entry, a hit, a removal. */
export const cacheEntryChangeSchema = z.object({
  change: z.enum(['put', 'hit', 'del']),
  entry: cacheEntrySchema,
});

/** A user or IoT device the appliance knows: seen, gone, isolated. */
export const deviceSchema = z.object({
  ip,
  mac: z
    .string()
    .regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, { message: 'not a MAC address (aa:bb:cc:dd:ee:ff, lower case)' })
    .optional(),
  name: z.string().optional(),
  /** 'iot', 'user', 'dmz' … */
  zone: z.string().optional(),
  /** What it is, when known: 'camera', 'phone' … */
  kind: z.string().optional(),
  state: z.enum(['seen', 'online', 'offline', 'isolated', 'removed']),
  at: isoTime,
});

const commandRoute = z.enum(['emulator', 'device', 'blocked']);

/** A honeypot instance: who came, on which service, what they tried, typed and fetched. */
export const honeypotSessionRecordSchema = z.object({
  id: z.string().min(1),
  service: z.string().min(1),
  peerIp: ip,
  peerPort: port,
  localPort: port,
  start: isoTime,
  end: isoTime.optional(),
  endReason: z.string().optional(),
  credentials: z.array(z.object({ user: z.string(), password: z.string(), accepted: z.boolean() })),
  commands: z.array(z.object({ at: isoTime, line: z.string(), route: commandRoute })),
  downloads: z.array(
    z.object({
      url: z.string(),
      tool: z.string(),
      status: z.enum(['fetched', 'out-of-scope', 'failed', 'too-large']),
      sha256: z.string().optional(),
      size: z.number().int().nonnegative().optional(),
      quarantine: z.string().optional(),
    }),
  ),
  samples: z.array(
    z.object({
      sha256: z.string(),
      size: z.number().int().nonnegative(),
      source: z.string(),
      quarantine: z.string(),
      executed: z.boolean(),
    }),
  ),
  bytesIn: z.number().int().nonnegative(),
  bytesOut: z.number().int().nonnegative(),
  /** The session's own packet capture, kept by the honeypot (complete once the session ended). */
  capture: z
    .object({
      file: z.string().min(1),
      packets: z.number().int().nonnegative(),
      bytes: z.number().int().nonnegative(),
      dropped: z.number().int().nonnegative(),
      complete: z.boolean(),
    })
    .optional(),
});

export const honeypotSessionSchema = z.object({
  phase: z.enum(['started', 'ended']),
  session: honeypotSessionRecordSchema,
  /** 'ended': the behaviour labels — the sandbox's verdicts on what it fetched, else honeypot-intrusion. */
  labels: z.array(z.string().min(1)).optional(),
});

/** A model version changed state in a model registry (B-4: published or refused by the gates, activated, rolled back). */
export const modelVersionSchema = z.object({
  /** Which registry: 'identify' … */
  model: z.string().min(1),
  version: z.number().int().min(1),
  change: z.enum(['published', 'refused', 'activated', 'rolled-back']),
  at: isoTime,
  /** Why the gates refused it. */
  reasons: z.array(z.string()).optional(),
});

/**
 * A-67 a3: a communication the gateway lured to the honeypot, told to the honeypot–sandbox linkage: who, where it
 * was going, and the connections torn down with what became of the new one moat opened to each destination.
 */
export const interventionSchema = z.object({
  srcIp: ip,
  dstIp: z.union([ip, z.literal('*')]),
  honeypot: ip,
  eventId: z.string().min(1),
  at: isoTime,
  connections: z.array(
    z.object({
      src: ip,
      sport: port,
      dst: ip,
      dport: port,
      /** The new connection moat opened to the destination (a2). */
      upstream: z.enum(['open', 'refused', 'timeout', 'error']),
    }),
  ),
});

export type VerdictMessage = z.infer<typeof verdictSchema>;
export type InterventionMessage = z.infer<typeof interventionSchema>;
export type CacheEntryMessage = z.infer<typeof cacheEntrySchema>;
export type CacheEntryChange = z.infer<typeof cacheEntryChangeSchema>;
export type DeviceMessage = z.infer<typeof deviceSchema>;
export type HoneypotSessionRecord = z.infer<typeof honeypotSessionRecordSchema>;
export type HoneypotSessionMessage = z.infer<typeof honeypotSessionSchema>;
export type ModelVersionMessage = z.infer<typeof modelVersionSchema>;

/** Topic name → payload type: what `bus.publish('verdict', …)` checks at compile time. */
export interface MoatTopics {
  verdict: VerdictMessage;
  'cache-entry': CacheEntryChange;
  device: DeviceMessage;
  'honeypot-session': HoneypotSessionMessage;
  'model-version': ModelVersionMessage;
  intervention: InterventionMessage;
}

/** A topic catalogue: each topic's schema, checked where a payload crosses a process boundary. */
export type TopicCatalog<M> = { readonly [K in keyof M]: z.ZodType<M[K]> };

export const MOAT_TOPICS: TopicCatalog<MoatTopics> = {
  verdict: verdictSchema,
  'cache-entry': cacheEntryChangeSchema,
  device: deviceSchema,
  'honeypot-session': honeypotSessionSchema,
  'model-version': modelVersionSchema,
  intervention: interventionSchema,
};
