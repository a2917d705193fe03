/**
 * The `verdicts:` section of gateway.yaml: how the gateway turns verdicts into kernel state (A-34, A-37, A-61…A-67).
 * Every field has a default, so a configuration without the section enforces with the defaults.
 */
import { z } from 'zod';

const port = z.number().int().min(1).max(65535);
const group = z.number().int().min(0).max(65535);
const interfaceName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/, 'expected an interface name: 1–15 letters, digits, _ . -');

export const VerdictsConfigSchema = z
  .object({
    /** NFLOG groups: monitor copies the first packet of each flow (headers), track every packet with its payload. */
    monitorGroup: group.default(10),
    trackGroup: group.default(11),
    /** Bytes of each packet a monitor copy carries (flow level: the headers). */
    monitorSnaplen: z.number().int().min(20).max(65535).default(128),
    /** Suppress's rate when the entry names none (nft `limit rate`: N/second|minute|hour). */
    suppressRate: z
      .string()
      .regex(/^\d{1,9}\/(second|minute|hour)$/, 'expected N/second, N/minute or N/hour')
      .default('10/second'),
    /** The deception service moat runs on the gateway (deceive): a sinkholing DNS responder and a decoy web page. */
    deception: z
      .object({
        dnsPort: port.default(10053),
        httpPort: port.default(10080),
        /** The address every deceived DNS query is answered with (default: the gateway's LAN address). */
        sinkhole: z
          .string()
          .regex(/^\d{1,3}(\.\d{1,3}){3}$/, 'expected an IPv4 address')
          .optional(),
      })
      .strict()
      .default({ dnsPort: 10053, httpPort: 10080 }),
    /** Entries whose verdict carries no lifetime last this long (seconds). */
    defaultLifetimeSeconds: z.number().int().min(1).max(31_536_000).default(3600),
    /** Live inspection: the interfaces whose packets run through the installed rules (default: the internal zones). */
    inspect: z.array(interfaceName).optional(),
    /** The installed rule bundles (A-2, `moat rules install`): directory and vendor public keys. */
    rules: z
      .object({ bundleDir: z.string().min(1), keys: z.array(z.string().min(1)).min(1) })
      .strict()
      .optional(),
    /** Where incident alerts go: webhook URLs. */
    alerts: z
      .object({ webhooks: z.array(z.string().url()).default([]) })
      .strict()
      .default({ webhooks: [] }),
    /**
     * Incidents: a rule hit of at most this severity (1 = highest) is clearly malicious. Inbound from the WAN, the
     * honeypot takes the source over; outbound from an internal device, the user is alerted and the device
     * isolated.
     */
    incidentSeverity: z.number().int().min(1).max(4).default(1),
  })
  .strict();

export type VerdictsConfig = z.infer<typeof VerdictsConfigSchema>;
