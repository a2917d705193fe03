/**
 * Discovery on the internal zones: a libpcap listener per zone interface reads DHCP requests (fingerprint),
 * mDNS announcements (services), SSDP NOTIFYs (then the UPnP description, fetched only from inside the zone) and
 * connection starts (protocols), and hands what it learnt to the registry. Malformed packets are counted and
 * dropped; nothing a device sends can make the listener allocate without bound (descriptions are fetched at most
 * 4 at a time, each location once per 10 minutes, from a bounded cache).
 */
import { createRequire } from 'node:module';
import { OperationalError } from '../framework/errors.js';
import { parseDhcp } from './dhcp-packet.js';
import { ipv4Text, macOf, newFields, readEthernet } from './frames.js';
import { parseMdns } from './mdns-packet.js';
import { protocolOf } from './protocols.js';
import type { DeviceRegistry } from './registry.js';
import { checkLocation, fetchBounded, parseDescription, parseSsdp } from './ssdp.js';

export interface DiscoveryZone {
  name: string;
  /** The gateway's own address in the zone: its packets are not a device's. */
  self: string;
  interface: string;
  /** The zone's subnet holds `ip`. */
  contains(ip: string): boolean;
}

export interface DiscoveryOptions {
  zones: DiscoveryZone[];
  ssdp: { fetchTimeoutMs: number; maxBytes: number };
  log?: (line: string) => void;
  /** Each connection start seen (TCP SYN, or a UDP datagram of a known protocol): for the inter-component map. */
  onConnection?: (from: string, to: string, protocol: 'tcp' | 'udp', port: number) => void;
}

export interface DiscoveryCounts {
  frames: number;
  dhcp: number;
  mdns: number;
  ssdp: number;
  malformed: number;
  descriptionsFetched: number;
  descriptionsFailed: number;
  /** LOCATION URLs outside the device's zone (never fetched). */
  locationsRefused: number;
  /** Frames whose handling failed (a bug; logged). */
  errors: number;
}

interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  setMinBytes?(n: number): void;
  on(ev: 'packet', fn: (nbytes: number) => void): void;
  close(): void;
}

const BPF =
  'udp port 67 or udp port 68 or udp port 5353 or udp port 1900 or udp port 5683 or udp port 3702 or ' +
  '(tcp[tcpflags] & tcp-syn != 0)';

export class Discovery {
  readonly counts: DiscoveryCounts = {
    frames: 0,
    dhcp: 0,
    mdns: 0,
    ssdp: 0,
    malformed: 0,
    descriptionsFetched: 0,
    descriptionsFailed: 0,
    locationsRefused: 0,
    errors: 0,
  };
  private readonly caps: CapHandle[] = [];
  private readonly f = newFields();
  private readonly fetchedAt = new Map<string, number>();
  private inFlight = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly registry: DeviceRegistry,
    private readonly o: DiscoveryOptions,
  ) {}

  start(): void {
    const { Cap } = createRequire(import.meta.url)('cap') as { Cap: new () => CapHandle };
    for (const z of this.o.zones) {
      const c = new Cap();
      const buf = Buffer.alloc(65535);
      try {
        c.open(z.interface, BPF, 4 << 20, buf);
      } catch (e) {
        this.stop();
        throw new OperationalError(`device discovery on ${z.interface}: ${(e as Error).message}`);
      }
      c.setMinBytes?.(0);
      c.on('packet', (n) => {
        // A frame that trips a bug is counted and logged (the first few), never allowed to end the daemon.
        try {
          this.onFrame(z, buf, Math.min(n, buf.length));
        } catch (e) {
          if (this.counts.errors++ < 5)
            this.o.log?.(`devices: discovery on ${z.interface}: ${(e as Error).stack ?? String(e)}`);
        }
      });
      this.caps.push(c);
    }
  }

  /** One Ethernet frame seen on `zone`'s interface. */
  onFrame(zone: DiscoveryZone, b: Uint8Array, len: number, now = new Date()): void {
    this.counts.frames++;
    const f = this.f;
    if (!readEthernet(b, len, f)) return;
    const mac = macOf(b, f.macOffset);
    const src = ipv4Text(f.src);
    const payload = b.subarray(f.payload, f.end);
    if (f.proto === 17 && f.dstPort === 67) {
      const d = parseDhcp(payload);
      if (!d) return void this.counts.malformed++;
      this.counts.dhcp++;
      this.registry.observe(
        {
          mac: d.mac,
          zone: zone.name,
          hostname: d.hostname,
          ip: d.requestedIp && zone.contains(d.requestedIp) ? d.requestedIp : undefined,
          dhcp: { paramList: d.paramList, vendorClass: d.vendorClass },
        },
        now,
      );
      return;
    }
    // Everything else must come from an address of the zone (a device's own traffic).
    if (!zone.contains(src) || src === zone.self) return;
    if (f.proto === 17 && f.srcPort === 5353) {
      const m = parseMdns(payload);
      if (!m) return void this.counts.malformed++;
      this.counts.mdns++;
      const host = m.hosts[0]?.replace(/\.local$/i, '');
      this.registry.observe({ mac, ip: src, zone: zone.name, services: m.services, hostname: host }, now);
      return;
    }
    if (f.proto === 17 && f.dstPort === 1900) {
      const s = parseSsdp(payload);
      if (!s) return void this.counts.malformed++;
      this.counts.ssdp++;
      const d = this.registry.observe(
        s.location
          ? {
              mac,
              ip: src,
              zone: zone.name,
              ssdp: { location: s.location, server: s.server, target: s.target },
            }
          : { mac, ip: src, zone: zone.name },
        now,
      );
      if (d && s.location) this.describe(zone, mac, s.location, now.getTime());
      return;
    }
    let protocol: string | undefined;
    if (f.proto === 6 && f.tcpFlags & 2)
      protocol = f.tcpFlags & 0x10 ? protocolOf(6, f.srcPort) : protocolOf(6, f.dstPort);
    else if (f.proto === 17) protocol = protocolOf(17, f.dstPort) ?? protocolOf(17, f.srcPort);
    this.registry.observe({ mac, ip: src, zone: zone.name, protocol }, now);
    if (this.o.onConnection) {
      if (f.proto === 6 && (f.tcpFlags & 0x12) === 2)
        this.o.onConnection(src, ipv4Text(f.dst), 'tcp', f.dstPort);
      else if (f.proto === 17 && protocol !== undefined)
        this.o.onConnection(src, ipv4Text(f.dst), 'udp', f.dstPort);
    }
  }

  private describe(zone: DiscoveryZone, mac: string, location: string, nowMs: number): void {
    const check = checkLocation(location, zone.contains);
    if (!check.ok) {
      this.counts.locationsRefused++;
      this.o.log?.(`devices: ${mac}: SSDP LOCATION ${location.slice(0, 120)} not fetched: ${check.why}`);
      return;
    }
    const last = this.fetchedAt.get(location);
    if ((last !== undefined && nowMs - last < 600_000) || this.inFlight >= 4) return;
    if (this.fetchedAt.size >= 4096) this.fetchedAt.clear();
    this.fetchedAt.set(location, nowMs);
    this.inFlight++;
    const p = fetchBounded(check, this.o.ssdp.maxBytes, this.o.ssdp.fetchTimeoutMs)
      .then((xml) => {
        const desc = parseDescription(xml);
        if (!desc) throw new Error('not a UPnP device description (or one declaring a DTD)');
        this.counts.descriptionsFetched++;
        this.registry.observe({ mac, upnp: desc });
      })
      .catch((e: unknown) => {
        this.counts.descriptionsFailed++;
        this.o.log?.(`devices: ${mac}: description ${location.slice(0, 120)}: ${(e as Error).message}`);
      })
      .finally(() => {
        this.inFlight--;
        this.pending.delete(p);
      });
    this.pending.add(p);
  }

  /** Waits for descriptions being fetched (tests, shutdown). */
  async settle(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  stop(): void {
    for (const c of this.caps.splice(0)) c.close();
  }
}
