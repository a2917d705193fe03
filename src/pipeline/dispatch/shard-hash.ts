/**
 * The worker a packet belongs to, read straight off the captured bytes by the dispatching thread — without
 * the full decoder, so the thread that reads the capture is not the bottleneck.
 *
 * Only the plain, overwhelmingly common shape is read here: Ethernet (up to two VLAN tags) or raw IP, then
 * IPv4 (not a fragment) or IPv6 (no extension header), then TCP or UDP not on a tunnel port. For such a
 * packet the full decoder would produce exactly these addresses, ports, protocol and VLAN ids, so the hash
 * below equals `symmetricFlowHash` of the decoded packet and the flow lands where a worker deciding after a
 * full decode would put it. Everything else (fragments, tunnels, ICMP, other link types, damaged headers)
 * returns BROADCAST: every worker decodes it and keeps it only if the decoded flow is its own.
 */
import { DecodedPacket, IPPROTO_TCP, IPPROTO_UDP } from '../../decode/index.js';
import {
  PORT_AYIYA,
  PORT_CAPWAP_DATA,
  PORT_GENEVE,
  PORT_GRE_IN_UDP,
  PORT_GTPU,
  PORT_TEREDO,
  PORT_VXLAN,
} from '../../decode/index.js';
import { symmetricFlowHash } from '../../flow/index.js';
import { LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_RAW } from '../../capture/index.js';

export const BROADCAST = -1;

function isTunnelPort(p: number): boolean {
  return (
    p === PORT_VXLAN ||
    p === PORT_GENEVE ||
    p === PORT_GRE_IN_UDP ||
    p === PORT_TEREDO ||
    p === PORT_AYIYA ||
    p === PORT_GTPU ||
    p === PORT_CAPWAP_DATA
  );
}

export class ShardHasher {
  /** Scratch packet carrying only the key fields; reused, never escapes. */
  private readonly key = new DecodedPacket();

  /** `symmetricFlowHash` of the packet (uint32), or BROADCAST when it is not the plain shape. */
  hash(b: Buffer, off: number, caplen: number, linkType: number): number {
    const end = off + caplen;
    const k = this.key;
    k.vlanCount = 0;
    let p = off;
    let version: number;
    if (linkType === LINKTYPE_ETHERNET) {
      if (end - p < 14) return BROADCAST;
      let type = (b[p + 12] << 8) | b[p + 13];
      p += 14;
      while (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
        if (k.vlanCount === 3 || end - p < 4) return BROADCAST;
        k.vlan[k.vlanCount++] = ((b[p] << 8) | b[p + 1]) & 0x0fff;
        type = (b[p + 2] << 8) | b[p + 3];
        p += 4;
      }
      if (type === 0x0800) version = 4;
      else if (type === 0x86dd) version = 6;
      else return BROADCAST;
      if (end - p < 1 || b[p] >> 4 !== version) return BROADCAST;
    } else if (linkType === LINKTYPE_RAW || linkType === LINKTYPE_IPV4 || linkType === LINKTYPE_IPV6) {
      if (end - p < 1) return BROADCAST;
      version = b[p] >> 4;
      if (linkType === LINKTYPE_IPV4 && version !== 4) return BROADCAST;
      if (linkType === LINKTYPE_IPV6 && version !== 6) return BROADCAST;
    } else {
      return BROADCAST;
    }
    let proto: number;
    let l4: number;
    if (version === 4) {
      if (end - p < 20) return BROADCAST;
      const ihl = (b[p] & 15) << 2;
      if (ihl < 20 || end - p < ihl + 4) return BROADCAST;
      const total = (b[p + 2] << 8) | b[p + 3];
      // A total length shorter than the header is a decode error (reported by whoever decodes it).
      if (total !== 0 && total < ihl + 8) return BROADCAST;
      // MF set or a non-zero offset: a fragment, reassembled by the full decoder.
      if ((((b[p + 6] << 8) | b[p + 7]) & 0x3fff) !== 0) return BROADCAST;
      proto = b[p + 9];
      const s = k.src;
      const d = k.dst;
      s[0] = 0;
      s[1] = 0;
      s[2] = 0xffff;
      s[3] = ((b[p + 12] << 24) | (b[p + 13] << 16) | (b[p + 14] << 8) | b[p + 15]) >>> 0;
      d[0] = 0;
      d[1] = 0;
      d[2] = 0xffff;
      d[3] = ((b[p + 16] << 24) | (b[p + 17] << 16) | (b[p + 18] << 8) | b[p + 19]) >>> 0;
      l4 = p + ihl;
    } else if (version === 6) {
      if (end - p < 44) return BROADCAST;
      proto = b[p + 6];
      const s = k.src;
      const d = k.dst;
      for (let i = 0; i < 4; i++) {
        const a = p + 8 + 4 * i;
        s[i] = ((b[a] << 24) | (b[a + 1] << 16) | (b[a + 2] << 8) | b[a + 3]) >>> 0;
        const c = a + 16;
        d[i] = ((b[c] << 24) | (b[c + 1] << 16) | (b[c + 2] << 8) | b[c + 3]) >>> 0;
      }
      // A zero payload length (jumbogram) takes paths the plain reader does not follow.
      if (((b[p + 4] << 8) | b[p + 5]) < 8) return BROADCAST;
      l4 = p + 40;
    } else {
      return BROADCAST;
    }
    if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) return BROADCAST;
    if (end - l4 < 4) return BROADCAST;
    const sp = (b[l4] << 8) | b[l4 + 1];
    const dp = (b[l4 + 2] << 8) | b[l4 + 3];
    if (proto === IPPROTO_UDP && (isTunnelPort(sp) || isTunnelPort(dp))) return BROADCAST;
    k.ipVersion = version;
    k.proto = proto;
    k.srcPort = sp;
    k.dstPort = dp;
    return symmetricFlowHash(k);
  }
}
