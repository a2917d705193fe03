/**
 * The reused view a decoder fills for each packet. One instance lives for the whole run; decoding writes
 * numbers into it and never allocates. Addresses are kept as four 32-bit words each: IPv4 is stored
 * IPv4-mapped (0, 0, 0xffff, addr) so one comparison path serves both families and the flow key is numeric.
 */

export const DECODE_OK = 0;
/** Decoded as far as the bytes allowed; the fields filled so far are valid (see `truncated`). */
export const DECODE_TRUNCATED = 1;
/** Not IP (ARP, LLDP …) or a link type moat does not decode: counted, otherwise ignored. */
export const DECODE_NOT_IP = 2;
/** A fragment held for reassembly; the datagram is delivered when complete. */
export const DECODE_FRAGMENT_HELD = 3;
/** Impossible header values; `anomaly` names what. */
export const DECODE_ERROR = 4;
export type DecodeResult = 0 | 1 | 2 | 3 | 4;

/** Events kept per packet (Suricata keeps 15; a crafted packet raising more keeps its first ones). */
export const MAX_PACKET_EVENTS = 8;

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_GRE = 47;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_SCTP = 132;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

export class DecodedPacket {
  tsUs = 0;
  linkType = 0;
  /** Bytes on the wire for this packet (the outer frame when tunnelled). */
  wireLen = 0;
  /**
   * Tunnelled packets: the outer bytes before the innermost tunnel's first inner header (Ethernet in
   * ERSPAN/VXLAN, IP in IP-in-IP/GRE); 0 otherwise. Flows count `wireLen - outerLen`, as Suricata counts its
   * tunnel packets.
   */
  outerLen = 0;

  /** 4 or 6; 0 when the packet is not IP. */
  ipVersion = 0;
  readonly src = new Uint32Array(4);
  readonly dst = new Uint32Array(4);
  ttl = 0;
  /** IPv4 id or IPv6 fragment id; used by anomaly events and fingerprinting. */
  ipId = 0;
  /** Transport protocol after IPv6 extension headers / tunnels: 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6 … */
  proto = 0;

  srcPort = 0;
  dstPort = 0;
  tcpFlags = 0;
  tcpSeq = 0;
  tcpAck = 0;
  tcpWindow = 0;
  icmpType = 0;
  icmpCode = 0;

  /** Up to three 802.1Q/802.1ad tags (as Suricata keeps); `vlanCount` says how many are set. */
  readonly vlan = new Uint16Array(3);
  vlanCount = 0;
  /** Tunnel layers stripped to reach the inner packet (GRE, VXLAN, Geneve, ERSPAN, IP-in-IP). */
  tunnelDepth = 0;
  /**
   * The outermost IP layer of a tunnelled packet (Suricata's EVE `tunnel` object): version, addresses and
   * protocol (47 GRE, 17 UDP, 4/41 IP-in-IP). Valid only when tunnelDepth > 0.
   */
  tunnelIpVersion = 0;
  readonly tunnelSrc = new Uint32Array(4);
  readonly tunnelDst = new Uint32Array(4);
  tunnelProto = 0;

  /** The buffer the payload lives in: the capture buffer, or a reassembly buffer for IP fragments. */
  buf: Buffer = Buffer.alloc(0);
  /** 1-based number of the packet in the capture (Suricata's `pcap_cnt`); 0 when not known (sharded runs). */
  pcapCnt = 0;
  /** The captured frame as read (link header included): Suricata's alert `packet` field. */
  frameBuf: Buffer = Buffer.alloc(0);
  frameOff = 0;
  frameLen = 0;
  /** A valid Ethernet/IPv4 ARP header's offset in `arpBuf` (EVE `arp`); -1 when the packet has none. */
  arpOff = -1;
  arpBuf: Buffer = this.buf;
  /** Offset of the IP header in `buf`. */
  l3Off = 0;
  /** Offset and length of the transport payload in `buf` (after TCP/UDP/ICMP headers). */
  payloadOff = 0;
  payloadLen = 0;

  /** True when the capture cut the packet short of what its headers announce. */
  truncated = false;
  /** Decoder event name (Suricata's `decoder.*` vocabulary where one exists), '' when none: the first one. */
  anomaly = '';
  /**
   * Every decoder event of the packet, in the order raised (`decode-event` rules match any of them): the first
   * `eventCount` slots; the array is made once and reused, so a packet with no event costs nothing.
   */
  readonly events: string[] = new Array<string>(MAX_PACKET_EVENTS).fill('');
  eventCount = 0;

  reset(): void {
    this.ipVersion = 0;
    this.proto = 0;
    this.srcPort = 0;
    this.dstPort = 0;
    this.tcpFlags = 0;
    this.icmpType = 0;
    this.icmpCode = 0;
    this.vlanCount = 0;
    this.tunnelDepth = 0;
    this.outerLen = 0;
    this.payloadOff = 0;
    this.payloadLen = 0;
    this.truncated = false;
    this.anomaly = '';
    this.eventCount = 0;
    this.arpOff = -1;
  }
}
