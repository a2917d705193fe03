/**
 * The policy file (T-10…T-51): named policies, each choosing its dimensions, weights, per-dimension strategies,
 * security condition and actions, plus selectors that bind policies to networks, ports, SNI patterns and named
 * business scenarios, and the alert channels actions refer to. Every object is strict: an unknown key is an
 * error that names it, because a misspelt dimension silently scoring nothing is the worst failure a policy can have.
 */
import { z } from 'zod';
import { parseDuration } from './duration.js';

const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const s = parseDuration(v);
  if (s === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `not a duration: '${String(v)}' (use seconds or e.g. "24h", "7d")`,
    });
    return z.NEVER;
  }
  return s;
});

const score = z.number().finite();
const weight = z.number().finite();

/** Count → score mapping of the popularity dimensions (T-23, T-31…T-34): identity or any number of ranges. */
const range = z.strictObject({
  min: z.number().int().min(0),
  max: z.number().int().min(0).optional(),
  score,
});
const heat = z.strictObject({
  weight,
  window: duration.default(86400),
  identity: z.boolean().optional(),
  ranges: z.array(range).optional(),
  /** Score when no range covers the count. */
  otherwise: score.default(0),
});

/** Fixed outcome scores; `unavailable` overrides the policy-wide rule for this dimension. */
const common = { weight, unavailable: score.optional() };

const legality = z.strictObject({
  ...common,
  legal: score.default(1),
  illegal: score.default(0),
  /**
   * Per-outcome scores (T-21's s1/s2) for failures that say less than "illegal": a chain ending at an issuer neither
   * presented nor trusted (a missing intermediate, a platform root not loaded), a root Mozilla had removed (or not
   * yet added) by the handshake's time, a name the certificate does not cover. Unset: `illegal`.
   */
  unknownIssuer: score.optional(),
  distrustedRoot: score.optional(),
  nameMismatch: score.optional(),
  /** Platform root stores (defined under trust.platformRoots) this policy trusts, e.g. [microsoft]. */
  platforms: z.array(z.string().min(1)).default([]),
  /** Also require the SNI to match the leaf's SAN/CN (a mismatch counts as illegal). */
  checkName: z.boolean().default(true),
  /** Keys below these sizes make a chain illegal (CA/Browser Forum baseline: RSA ≥ 2048, EC ≥ 256). */
  minRsaBits: z.number().int().min(0).default(2048),
  minEcBits: z.number().int().min(0).default(256),
});

const validity = z.strictObject({
  ...common,
  valid: score.default(1),
  /** Tiered (T-22): expired for less than `within` → score; first matching tier wins, in order. */
  tiers: z.array(z.strictObject({ within: duration, score })).default([]),
  invalid: score.default(0),
  notYetValid: score.optional(),
});

const listed = z.strictObject({ ...common, listed: score.default(0), notListed: score.default(1) });
const addressListed = z.strictObject({
  ...common,
  listed: score.default(0),
  notListed: score.default(1),
  check: z.enum(['src', 'dst', 'both']).default('dst'),
});

const level = z.strictObject({
  ...common,
  levels: z
    .strictObject({
      EV: score.default(1),
      OV: score.default(0.7),
      DV: score.default(0.4),
      unknown: score.default(0),
    })
    .default({ EV: 1, OV: 0.7, DV: 0.4, unknown: 0 }),
  types: z
    .strictObject({ single: score.default(0), multi: score.default(0), wildcard: score.default(0) })
    .default({ single: 0, multi: 0, wildcard: 0 }),
});

const issuer = z.strictObject({
  ...common,
  /** Issuer names (CN or full DN substring, case-insensitive) the operator trusts (T-42). */
  trusted: z.array(z.string().min(1)).min(1),
  trustedScore: score.default(1),
  otherwise: score.default(0),
});

const status = z.strictObject({
  ...common,
  notRevoked: score.default(1),
  revoked: score.default(0),
  /** No OCSP staple and no CRL covering the certificate. */
  unknown: score.default(0.5),
});

const domainReputation = z.strictObject({
  ...common,
  /** Reputation in [0,1] from the local store is multiplied by `scale`; unknown domains score `unknown`. */
  scale: score.default(1),
  unknown: score.default(0.5),
});

const geolocation = z.strictObject({
  ...common,
  check: z.enum(['src', 'dst', 'both']).default('dst'),
  /** Countries (ISO codes) always considered usual / unusual, before learned history. */
  allow: z.array(z.string().length(2)).default([]),
  deny: z.array(z.string().length(2)).default([]),
  usual: score.default(1),
  unusual: score.default(0),
  /** A country counts as usual for a network after this many connections from it within `window`. */
  learnAfter: z.number().int().min(1).default(20),
  window: duration.default(30 * 86400),
});

const addressReputation = z.strictObject({
  ...common,
  check: z.enum(['src', 'dst', 'both']).default('dst'),
  /** From this many lists on, the address is a `poorReputation` finding (which a policy may make decisive). */
  badAt: z.number().int().min(1).default(3),
  /** Score per number of feeds listing the address (IPsum levels): first `min` ≤ count wins, highest first. */
  levels: z.array(z.strictObject({ min: z.number().int().min(0), score })).default([
    { min: 3, score: 0 },
    { min: 1, score: 0.5 },
    { min: 0, score: 1 },
  ]),
});

const domainAge = z.strictObject({
  ...common,
  /** Piecewise-linear curve of age (days) → score, ascending by days (T-47). */
  curve: z
    .array(z.strictObject({ days: z.number().min(0), score }))
    .min(1)
    .default([
      { days: 0, score: 0 },
      { days: 30, score: 0.5 },
      { days: 365, score: 1 },
    ]),
  unknown: score.default(0.5),
});

/** What the client shows of its destination when the certificate is hidden (TLS 1.3): the server name it asked for. */
const serverName = z.strictObject({
  ...common,
  /** SNI is a DNS name. */
  named: score.default(1),
  /** SNI absent, or an address literal. */
  unnamed: score.default(0.5),
  /** Encrypted Client Hello: the visible SNI is the provider's public name, the real one is hidden. */
  ech: score.default(1),
});

/** The client's fingerprint (JA3) on a fingerprint blacklist (abuse.ch SSLBL JA3 …). */
const fingerprint = z.strictObject({ ...common, listed: score.default(0), notListed: score.default(1) });

/** The findings a policy may make decisive (they cap or veto F, whatever the other dimensions say). */
export const FINDINGS = [
  'selfSigned',
  'untrustedRoot',
  'unknownIssuer',
  'distrustedRoot',
  'badSignature',
  'nameMismatch',
  'weakKey',
  'unusable',
  'expired',
  'notYetValid',
  'revoked',
  'certificateListed',
  'addressListed',
  'poorReputation',
  'fingerprintListed',
] as const;
export type Finding = (typeof FINDINGS)[number];

/** The dimension (group.name) whose evaluation yields each finding. */
export const FINDING_DIMENSION: Record<Finding, string> = {
  selfSigned: 'certificate.legality',
  untrustedRoot: 'certificate.legality',
  unknownIssuer: 'certificate.legality',
  distrustedRoot: 'certificate.legality',
  badSignature: 'certificate.legality',
  nameMismatch: 'certificate.legality',
  weakKey: 'certificate.legality',
  unusable: 'certificate.legality',
  expired: 'certificate.validity',
  notYetValid: 'certificate.validity',
  revoked: 'reputation.status',
  certificateListed: 'certificate.blacklist',
  addressListed: 'address.blacklist',
  poorReputation: 'reputation.addressReputation',
  fingerprintListed: 'reputation.fingerprint',
};

/** `veto`: the verdict is risky whatever F is; `{ cap: x }`: F is at most x (≥ conditions) or at least x (≤). */
const decisiveAction = z.union([z.literal('veto'), z.strictObject({ cap: score })]);
export type DecisiveAction = z.infer<typeof decisiveAction>;
const decisive = z.strictObject(
  Object.fromEntries(FINDINGS.map((f) => [f, decisiveAction.optional()])) as Record<
    Finding,
    z.ZodOptional<typeof decisiveAction>
  >,
);

export const certificateDimensions = z.strictObject({
  legality: legality.optional(),
  validity: validity.optional(),
  heat: heat.optional(),
  blacklist: listed.optional(),
});
export const addressDimensions = z.strictObject({
  linkPairHeat: heat.optional(),
  serviceHeat: heat.optional(),
  destinationHeat: heat.optional(),
  sourceHeat: heat.optional(),
  blacklist: addressListed.optional(),
});
export const reputationDimensions = z.strictObject({
  level: level.optional(),
  issuer: issuer.optional(),
  status: status.optional(),
  domainReputation: domainReputation.optional(),
  geolocation: geolocation.optional(),
  addressReputation: addressReputation.optional(),
  domainAge: domainAge.optional(),
  serverName: serverName.optional(),
  fingerprint: fingerprint.optional(),
});

export const policySchema = z.strictObject({
  description: z.string().optional(),
  /** First-class weights α (T-10, T-11). */
  weights: z.strictObject({ certificate: weight, address: weight, reputation: weight }),
  certificate: certificateDimensions.default({}),
  address: addressDimensions.default({}),
  reputation: reputationDimensions.default({}),
  /**
   * How a dimension that cannot be evaluated counts (TLS 1.3 hides the certificate; resumed sessions send none):
   * `score` gives it `unavailableScore`; `exclude` drops it and renormalises its group's weights. Never a silent 0.
   */
  unavailable: z.enum(['score', 'exclude']).default('exclude'),
  unavailableScore: score.default(0.5),
  /**
   * Findings that decide alone (see FINDINGS): each caps or vetoes F. A finding counts only when its dimension is
   * chosen above (a weight of 0 is allowed for a dimension kept only for its findings).
   */
  decisive: decisive.default({}),
  condition: z.strictObject({ op: z.enum(['>=', '<=']), threshold: z.number().finite() }),
  actions: z
    .strictObject({ block: z.boolean().default(false), alert: z.array(z.string()).default([]) })
    .default({ block: false, alert: [] }),
});

export const selectorSchema = z.strictObject({
  policy: z.string().min(1),
  sourceNets: z.array(z.string()).optional(),
  destinationNets: z.array(z.string()).optional(),
  ports: z.array(z.number().int().min(1).max(65535)).optional(),
  /** SNI patterns: exact names or "*.example.com" (any depth of subdomain). */
  sni: z.array(z.string().min(1)).optional(),
  /** A named business scenario (T-63), e.g. "transfer"; set on a connection by a scenario selector's match. */
  scenario: z.string().optional(),
});

/** A named business scenario (T-63): the connections it covers; selectors then choose a policy by its name. */
export const scenarioSchema = z.strictObject({
  sourceNets: z.array(z.string()).optional(),
  destinationNets: z.array(z.string()).optional(),
  ports: z.array(z.number().int().min(1).max(65535)).optional(),
  sni: z.array(z.string().min(1)).optional(),
});

const webhook = z.strictObject({
  type: z.literal('webhook'),
  url: z.url(),
  headers: z.record(z.string(), z.string()).default({}),
  retries: z.number().int().min(0).max(10).default(3),
  timeoutMs: z.number().int().min(100).default(5000),
});
const smtp = z.strictObject({
  type: z.literal('smtp'),
  host: z.string(),
  port: z.number().int().min(1).max(65535).default(25),
  secure: z.boolean().default(false),
  user: z.string().optional(),
  password: z.string().optional(),
  from: z.string(),
  to: z.array(z.string()).min(1),
});
const syslog = z.strictObject({
  type: z.literal('syslog'),
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(1).max(65535).default(514),
  transport: z.enum(['udp', 'tcp']).default('udp'),
  facility: z.number().int().min(0).max(23).default(4),
  appName: z.string().default('moat'),
});
export const channelSchema = z.discriminatedUnion('type', [webhook, smtp, syslog]);

export const policyFileSchema = z.strictObject({
  version: z.literal(1),
  default: z.string().min(1),
  policies: z.record(z.string().min(1), policySchema),
  scenarios: z.record(z.string().min(1), scenarioSchema).default({}),
  selectors: z.array(selectorSchema).default([]),
  channels: z.record(z.string().min(1), channelSchema).default({}),
  /** Trusted roots besides Node's bundled Mozilla store, and CRL files (PEM or DER paths, relative to the file). */
  trust: z
    .strictObject({
      bundledRoots: z.boolean().default(true),
      /**
       * Folder holding the dated Mozilla store (roots.tsv, roots-all.pem): a chain is legal when its root was
       * trusted at the handshake's time. Relative to the policy file.
       */
      rootsHistory: z.string().optional(),
      caFiles: z.array(z.string()).default([]),
      crlFiles: z.array(z.string()).default([]),
      /** Platform root stores (operator-supplied files or folders), trusted by policies that name them. */
      platformRoots: z.record(z.string().min(1), z.array(z.string()).min(1)).default({}),
    })
    .default({ bundledRoots: true, caFiles: [], crlFiles: [], platformRoots: {} }),
});

export type PolicyFile = z.infer<typeof policyFileSchema>;
export type Policy = z.infer<typeof policySchema>;
export type Selector = z.infer<typeof selectorSchema>;
export type Scenario = z.infer<typeof scenarioSchema>;
export type Channel = z.infer<typeof channelSchema>;
export type HeatStrategy = z.infer<typeof heat>;
export type CertificateDimensions = z.infer<typeof certificateDimensions>;
export type AddressDimensions = z.infer<typeof addressDimensions>;
export type ReputationDimensions = z.infer<typeof reputationDimensions>;
