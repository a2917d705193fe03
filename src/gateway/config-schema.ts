/**
 * The shape of `gateway.yaml` (zod): zones WAN, user LAN, IoT and the honeypot DMZ, the backup
 * port, user port-forwards, DNS. Only the form of each field is checked here; how the fields relate
 * (subnets that overlap, a honeypot outside its DMZ) is checked in config-rules.ts, after this succeeds.
 */
import { z } from 'zod';
import { parseIpv4, parseIpv4Prefix } from './ipv4.js';
import { ApiSchema, BackupAccessSchema, InspectionSchema, PeersSchema } from './config-live-schema.js';
import { VerdictsConfigSchema } from './enforce/verdict-config.js';

const port = z.number().int().min(1).max(65535);
const protocol = z.enum(['tcp', 'udp']);

/** Linux interface names: at most 15 bytes, no slash or whitespace (kept to a safe set: they go into nft rules). */
const interfaceName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/, 'expected an interface name: 1–15 letters, digits, _ . -');

const ipv4 = z.string().refine((s) => parseIpv4(s) !== undefined, {
  message: 'expected an IPv4 address, e.g. 192.168.1.10',
});

const ipv4WithPrefix = z.string().refine((s) => parseIpv4Prefix(s) !== undefined, {
  message: "expected the gateway's IPv4 address with the prefix length, e.g. 192.168.1.1/24",
});

const dhcp = z
  .object({
    /** First and last address handed out. */
    from: ipv4,
    to: ipv4,
    leaseSeconds: z.number().int().min(120).max(31_536_000).default(3600),
  })
  .strict();

const internalZone = z
  .object({
    interface: interfaceName,
    /** The gateway's address in the zone with the zone's prefix length: the zone's subnet and its router. */
    address: ipv4WithPrefix,
    /** DHCP for the zone's devices (dnsmasq); absent = no DHCP here (DNS is still served). */
    dhcp: dhcp.optional(),
    /**
     * Services the gateway itself offers the zone beyond DHCP/DNS, e.g. the IoT gateway's MQTT broker (A-6:
     * `{ protocol: tcp, port: 1883 }`) and CoAP. The user LAN reaches the gateway anyway.
     */
    services: z.array(z.object({ protocol: protocol.default('tcp'), port }).strict()).default([]),
  })
  .strict();

/** 1 in N packets sampled into the inspector (N = 1: every packet). */
const oneIn = z.number().int().min(1).max(1_000_000);
const restrictionLevel = z.enum(['rate-limited', 'internet-only', 'quarantined']);

/**
 * The device registry and per-zone-pair inspection (A-40…; `src/devices/`): discovery on the internal
 * zones, sampling rates done by the kernel, log review of the samples and the restriction it leads to.
 */
const devicesSection = z
  .object({
    /** Device-type files of the user's, tried before the shipped config/device-types.yaml. */
    types: z.array(z.string().min(1)).default([]),
    /** Most devices the registry keeps (a flood of fake MACs evicts the longest unseen). */
    maxDevices: z.number().int().min(16).max(1_000_000).default(4096),
    /** Listen on the internal zones for DHCP, mDNS, SSDP and connection starts (libpcap). */
    discovery: z.boolean().default(true),
    ssdp: z
      .object({
        fetchTimeoutMs: z.number().int().min(100).max(30_000).default(2000),
        maxBytes: z.number().int().min(1024).max(1_048_576).default(65_536),
      })
      .strict()
      .default({ fetchTimeoutMs: 2000, maxBytes: 65_536 }),
    /** Sampling (1 in N) per pair of zones; traffic inside a group is never sampled. */
    sampling: z
      .object({
        nflogGroup: z.number().int().min(1).max(65_535).default(40),
        betweenGroups: oneIn.default(64),
        userToUser: oneIn.default(64),
        userToIot: oneIn.default(4),
        iotToUser: oneIn.default(32),
        toInternet: oneIn.default(64),
      })
      .strict()
      .default({
        nflogGroup: 40,
        betweenGroups: 64,
        userToUser: 64,
        userToIot: 4,
        iotToUser: 32,
        toInternet: 64,
      }),
    /** Log review of the samples, each judged as it arrives: the window and its limits (src/security/log-review.ts). */
    review: z
      .object({
        windowS: z.number().int().min(1).max(86_400).default(60),
        maxPorts: z.number().int().min(1).default(24),
        maxPeers: z.number().int().min(1).default(64),
        maxRepeat: z.number().int().min(1).default(12),
        /** Samples a scaled count needs behind it before a rule judges it (sparse 1:N sampling). */
        minSamples: z.number().int().min(1).default(3),
      })
      .strict()
      .default({ windowS: 60, maxPorts: 24, maxPeers: 64, maxRepeat: 12, minSamples: 3 }),
    /** Which review rule restricts a device at which level. */
    restrictOn: z
      .partialRecord(z.enum(['fanout', 'new-peers', 'port-diversity', 'repeat', 'volume']), restrictionLevel)
      .default({ 'port-diversity': 'quarantined', repeat: 'quarantined', fanout: 'rate-limited' }),
    /**
     * The payload CNN's check of the samples (A-45: user → IoT "checked by the model"); absent = log review only.
     * The deployed model (`moat ml`) comes from the gateway's store.
     */
    model: z
      .object({
        /** The sampled pairs whose payloads the model checks. */
        pairs: z
          .array(z.enum(['user_to_iot', 'iot_to_user', 'between_groups', 'user_user', 'to_internet']))
          .min(1)
          .default(['user_to_iot']),
        minConfidence: z.number().min(0).max(1).default(0.9),
        minBytes: z.number().int().min(1).default(16),
        /** A connection without a new sample for this long is classified with the payload it has. */
        idleSeconds: z.number().int().min(1).max(3600).default(5),
        /** The level a device is restricted at when the model flags its payload. */
        restrictAs: restrictionLevel.default('quarantined'),
      })
      .strict()
      .optional(),
    /** The rate-limited level: packets per second a restricted device may send. */
    rateLimitPerSecond: z.number().int().min(1).max(1_000_000).default(50),
    /** Devices of the DMZ communication group besides the tunnel's end. */
    dmzGroup: z.array(ipv4).default([]),
    /** Restrictions are reported here (JSON POST) and on the bus. */
    alerts: z.object({ webhook: z.string().url().optional() }).strict().default({}),
    /** The registry's HTTP API in the daemon (`/v1/devices…`); absent = none. */
    api: z
      .object({
        listen: ipv4.default('127.0.0.1'),
        port: port,
        /** Every request must carry `Authorization: Bearer KEY`. */
        apiKey: z.string().min(16).optional(),
      })
      .strict()
      .optional(),
    /** Inter-component map: an entry ages out after the protocol's timeout + this many minutes. */
    mapAgeingMinutes: z.number().int().min(1).max(1440).default(1),
  })
  .strict();

export const GatewayConfigSchema = z
  .object({
    zones: z
      .object({
        wan: z
          .object({
            interface: interfaceName,
            /** Static WAN address with prefix; absent = the address already on the interface is used. */
            address: ipv4WithPrefix.optional(),
            /** Upstream router (default route); absent = the routes already there are kept. */
            router: ipv4.optional(),
          })
          .strict(),
        lan: internalZone,
        iot: internalZone.optional(),
        dmz: z
          .object({
            interface: interfaceName,
            address: ipv4WithPrefix,
            /** The honeypot's address: every WAN port no other mapping holds is handed to it. */
            honeypot: ipv4,
            /** The dedicated tunnel to the relay's device end (`moat relay`), the DMZ's only way out. */
            tunnel: z
              .object({ address: ipv4, port, protocol: protocol.default('tcp') })
              .strict()
              .optional(),
          })
          .strict()
          .optional(),
      })
      .strict(),
    /** The gateway's own WAN port: never handed to the honeypot, open to the user in self-isolation. */
    backup: z
      .object({ port, protocol: protocol.default('tcp'), access: BackupAccessSchema.optional() })
      .strict()
      .optional(),
    /** Live inspection of the internal zones (EVE, libpcap statistics); on by default. */
    inspection: InspectionSchema.prefault({}),
    /** The inter-component communication mapping table. */
    peers: PeersSchema.prefault({}),
    /** The tables' HTTP API. */
    api: ApiSchema.prefault({}),
    /**
     * The web console (issue 14, src/console) on the user zone's gateway address; the table lets the port in from
     * the user LAN only. Absent = no console in the daemon.
     */
    console: z
      .object({
        port: port.default(443),
        /** Vendor public keys (PEM files) A-2 checks fetched bundles and models against. */
        vendorKeys: z.array(z.string().min(1)).default([]),
        /** The TLS policy set shown until one is saved in the console (default: the shipped config/policies.yaml). */
        policies: z.string().min(1).optional(),
        /** The sandbox's report directory, for the honeypot page. */
        reports: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    /**
     * Self-isolation: when this many internal devices hold blocking entries in the security event cache
     * (as announced on the bus), the gateway closes the WAN except the backup port. `moat gateway unisolate` ends it.
     */
    selfIsolation: z
      .object({ threshold: z.number().int().min(1) })
      .strict()
      .optional(),
    /** User port-forwards: WAN port → internal device; they outrank every other mapping. */
    portForwards: z
      .array(
        z
          .object({
            protocol: protocol.default('tcp'),
            port,
            to: ipv4,
            /** Port on the device; absent = the same as `port`. */
            toPort: port.optional(),
          })
          .strict(),
      )
      .default([]),
    dns: z
      .object({
        /** Upstream resolvers the gateway forwards to. */
        upstream: z.array(ipv4).default([]),
        /** Local domain of the zones' devices (DHCP host names resolve under it). */
        domain: z
          .string()
          .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'expected a DNS domain')
          .default('lan'),
        /** Fixed names answered by the gateway itself. */
        hosts: z.record(z.string().regex(/^[A-Za-z0-9.-]{1,253}$/, 'expected a host name'), ipv4).default({}),
      })
      .strict()
      .default({ upstream: [], domain: 'lan', hosts: {} }),
    /**
     * Ageing of normal mappings: a connection idle this long leaves conntrack, and its WAN port is the
     * honeypot's again. Absent = left as the kernel has it (by default TCP established 5 days, UDP 30 s / 120 s).
     */
    nat: z
      .object({
        tcpIdleSeconds: z.number().int().min(1).max(2_592_000).optional(),
        udpIdleSeconds: z.number().int().min(1).max(86_400).optional(),
      })
      .strict()
      .default({}),
    nftables: z
      .object({
        /** The one table moat owns (family inet). */
        table: z
          .string()
          .regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/, 'expected a table name: a letter, then letters, digits, _')
          .default('moat_gateway'),
      })
      .strict()
      .default({ table: 'moat_gateway' }),
    /** Verdict enforcement (A-34, A-37, A-61…A-67): see enforce/verdict-config.ts. */
    verdicts: VerdictsConfigSchema.default(VerdictsConfigSchema.parse({})),
    /** dnsmasq's configuration and leases, the pid and status files. */
    stateDir: z.string().min(1).default('/var/lib/moat/gateway'),
    devices: devicesSection.optional(),
    /** The store (device table). */
    database: z.string().min(1).default('/var/lib/moat/moat.db'),
  })
  .strict();

export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;
export type InternalZoneConfig = z.infer<typeof internalZone>;
export type DevicesConfigSection = z.infer<typeof devicesSection>;
