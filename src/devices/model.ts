/** What the registry knows of one device, and the vocabulary of groups and restriction levels. */
import type { UpnpDescription } from './ssdp.js';

/** The groups every installation has; users add their own in device-types.yaml. */
export const BUILTIN_GROUPS = [
  'biometric-collectors',
  'private-data-capture',
  'basic-services',
  'remote-control',
  'others',
] as const;

/** The DMZ communication group: devices that talk with the DMZ, held to the lowest level. */
export const DMZ_GROUP = 'dmz-communication';

/** Restriction levels, mildest first. */
export const RESTRICTION_LEVELS = ['rate-limited', 'internet-only', 'quarantined'] as const;
export type RestrictionLevel = (typeof RESTRICTION_LEVELS)[number];

export interface Restriction {
  level: RestrictionLevel;
  reason: string;
  since: string;
  /** Who: 'log-review:<rule>' or 'user'. */
  by: string;
}

export interface DeviceRecord {
  mac: string;
  /** Addresses seen: IPv4 most recent first (at most 4), then IPv6 from ND, most recent first (at most 4). */
  ips: string[];
  zone: string | null;
  hostname: string | null;
  vendor: string | null;
  dhcp: { paramList?: string; vendorClass?: string } | null;
  /** mDNS/DNS-SD service types, e.g. `_hap._tcp` (at most 32). */
  services: string[];
  ssdp: { location: string; server?: string; target?: string } | null;
  upnp: UpnpDescription | null;
  /** Protocols seen in its traffic: mqtt, coap, rtsp, http, onvif, telnet … (at most 32). */
  protocols: string[];
  firstSeen: string;
  lastSeen: string;
  /** From the device-types rules. */
  type: string;
  /** null: a user device (A-43: user devices are not grouped). */
  group: string | null;
  /** Which rule gave type and group, or 'user' when the user moved it. */
  groupSource: string;
  /** The user confirmed the group. */
  confirmed: boolean;
  restriction: Restriction | null;
}

/** What one observation adds to a device. */
export interface Observation {
  mac: string;
  ip?: string;
  zone?: string;
  hostname?: string;
  dhcp?: { paramList?: string; vendorClass?: string };
  services?: string[];
  ssdp?: { location: string; server?: string; target?: string };
  upnp?: UpnpDescription;
  protocol?: string;
}
