/**
 * What kind of address this is, per IANA's IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and
 * its updates, as of 2025), the multicast blocks, and the IPv6 Address Space registry (outside 2000::/3,
 * fc00::/7, fe80::/10 and ff00::/8 everything is reserved by the IETF). The most specific block wins
 * (192.0.0.9/32 is a reachable anycast address inside the non-reachable 192.0.0.0/24). `global` is the
 * registries' "Globally Reachable" column; where it says N/A (6to4, Teredo) the address embeds a real
 * host and counts as reachable, while the deprecated 6to4 relay anycast block counts as not.
 */
import { formatCidr, tryParseCidr } from './cidr.js';
import { PrefixSet } from './prefix-set.js';
import type { IpWords } from './types.js';

export type AddressKind =
  | 'global'
  | 'unspecified'
  | 'this-network'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'unique-local'
  | 'multicast'
  | 'broadcast'
  | 'documentation'
  | 'benchmarking'
  | 'translation'
  | 'transition'
  | 'special'
  | 'reserved';

export interface AddressClass {
  readonly kind: AddressKind;
  /** Globally reachable: may appear as a source or destination on the public Internet. */
  readonly global: boolean;
  /** The registry's name for the block ('Private-Use', 'Link Local' …); 'Global Unicast' for the rest. */
  readonly name: string;
}

const REGISTRY: Array<[string, AddressKind, boolean, string]> = [
  // IPv4 special-purpose (iana-ipv4-special-registry) and multicast.
  ['0.0.0.0/8', 'this-network', false, '"This network"'],
  ['0.0.0.0/32', 'unspecified', false, '"This host on this network"'],
  ['10.0.0.0/8', 'private', false, 'Private-Use'],
  ['100.64.0.0/10', 'shared', false, 'Shared Address Space'],
  ['127.0.0.0/8', 'loopback', false, 'Loopback'],
  ['169.254.0.0/16', 'link-local', false, 'Link Local'],
  ['172.16.0.0/12', 'private', false, 'Private-Use'],
  ['192.0.0.0/24', 'special', false, 'IETF Protocol Assignments'],
  ['192.0.0.0/29', 'special', false, 'IPv4 Service Continuity Prefix'],
  ['192.0.0.8/32', 'special', false, 'IPv4 dummy address'],
  ['192.0.0.9/32', 'special', true, 'Port Control Protocol Anycast'],
  ['192.0.0.10/32', 'special', true, 'Traversal Using Relays around NAT Anycast'],
  ['192.0.0.170/32', 'special', false, 'NAT64/DNS64 Discovery'],
  ['192.0.0.171/32', 'special', false, 'NAT64/DNS64 Discovery'],
  ['192.0.2.0/24', 'documentation', false, 'Documentation (TEST-NET-1)'],
  ['192.31.196.0/24', 'special', true, 'AS112-v4'],
  ['192.52.193.0/24', 'special', true, 'AMT'],
  ['192.88.99.0/24', 'reserved', false, 'Deprecated (6to4 Relay Anycast)'],
  ['192.168.0.0/16', 'private', false, 'Private-Use'],
  ['192.175.48.0/24', 'special', true, 'Direct Delegation AS112 Service'],
  ['198.18.0.0/15', 'benchmarking', false, 'Benchmarking'],
  ['198.51.100.0/24', 'documentation', false, 'Documentation (TEST-NET-2)'],
  ['203.0.113.0/24', 'documentation', false, 'Documentation (TEST-NET-3)'],
  ['224.0.0.0/4', 'multicast', false, 'Multicast'],
  ['240.0.0.0/4', 'reserved', false, 'Reserved'],
  ['255.255.255.255/32', 'broadcast', false, 'Limited Broadcast'],
  // IPv6 address space outside the unicast, ULA, link-local and multicast blocks.
  ['::/3', 'reserved', false, 'Reserved by IETF'],
  ['4000::/2', 'reserved', false, 'Reserved by IETF'],
  ['8000::/1', 'reserved', false, 'Reserved by IETF'],
  // IPv6 special-purpose (iana-ipv6-special-registry) and multicast. ::ffff:0:0/96 is absent on purpose:
  // those words are IPv4 addresses here and are classified as such.
  ['::/128', 'unspecified', false, 'Unspecified Address'],
  ['::1/128', 'loopback', false, 'Loopback Address'],
  ['64:ff9b::/96', 'translation', true, 'IPv4-IPv6 Translat.'],
  ['64:ff9b:1::/48', 'translation', false, 'IPv4-IPv6 Translat. (local use)'],
  ['100::/64', 'special', false, 'Discard-Only Address Block'],
  ['100:0:0:1::/64', 'special', false, 'Dummy IPv6 Prefix'],
  ['2001::/23', 'special', false, 'IETF Protocol Assignments'],
  ['2001::/32', 'transition', true, 'TEREDO'],
  ['2001:1::1/128', 'special', true, 'Port Control Protocol Anycast'],
  ['2001:1::2/128', 'special', true, 'Traversal Using Relays around NAT Anycast'],
  ['2001:1::3/128', 'special', true, 'DNS-SD Service Registration Protocol Anycast'],
  ['2001:2::/48', 'benchmarking', false, 'Benchmarking'],
  ['2001:3::/32', 'special', true, 'AMT'],
  ['2001:4:112::/48', 'special', true, 'AS112-v6'],
  ['2001:10::/28', 'reserved', false, 'Deprecated (previously ORCHID)'],
  ['2001:20::/28', 'special', true, 'ORCHIDv2'],
  ['2001:30::/28', 'special', true, 'Drone Remote ID Protocol Entity Tags (DETs) Prefix'],
  ['2001:db8::/32', 'documentation', false, 'Documentation'],
  ['2002::/16', 'transition', true, '6to4'],
  ['2620:4f:8000::/48', 'special', true, 'Direct Delegation AS112 Service'],
  ['3fff::/20', 'documentation', false, 'Documentation'],
  ['5f00::/16', 'special', false, 'Segment Routing (SRv6) SIDs'],
  ['fc00::/7', 'unique-local', false, 'Unique-Local'],
  ['fe80::/10', 'link-local', false, 'Link-Local Unicast'],
  ['ff00::/8', 'multicast', false, 'Multicast'],
];

const GLOBAL: AddressClass = { kind: 'global', global: true, name: 'Global Unicast' };

let table: PrefixSet<AddressClass> | undefined;

function registry(): PrefixSet<AddressClass> {
  if (!table) {
    table = new PrefixSet<AddressClass>();
    for (const [text, kind, global, name] of REGISTRY) {
      const c = tryParseCidr(text);
      // Each entry is written as its canonical network, so a typo cannot hide.
      if (!c || formatCidr(c) !== text) throw new Error(`address registry entry '${text}' is not canonical`);
      table.add(c, { kind, global, name });
    }
  }
  return table;
}

/** The registry block the address falls in (the most specific one); shared objects, nothing allocated. */
export function classifyIp(w: IpWords): AddressClass {
  return registry().get(w) ?? GLOBAL;
}

/** True when the address may appear on the public Internet (the registries' "Globally Reachable"). */
export function isGloballyReachable(w: IpWords): boolean {
  return classifyIp(w).global;
}
