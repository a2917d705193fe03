/**
 * Decoder event names. Where Suricata has an event for the condition, the name is Suricata's (its
 * `decoder.*` vocabulary, so EVE `anomaly` records and `decode-event` rules read the same); names under
 * `decoder.moat.*` cover conditions Suricata has no event for.
 */
import { MAX_PACKET_EVENTS, type DecodedPacket } from './decoded-packet.js';

export const ETHERNET_PKT_TOO_SMALL = 'decoder.ethernet.pkt_too_small';
export const VLAN_HEADER_TOO_SMALL = 'decoder.vlan.header_too_small';
export const VLAN_TOO_MANY_LAYERS = 'decoder.vlan.too_many_layers';
export const SLL_PKT_TOO_SMALL = 'decoder.sll.pkt_too_small';
export const LTNULL_PKT_TOO_SMALL = 'decoder.ltnull.pkt_too_small';
export const LTNULL_UNSUPPORTED_TYPE = 'decoder.ltnull.unsupported_type';
export const IPRAW_INVALID_IPV = 'decoder.ipraw.invalid_ip_version';
export const PPP_PKT_TOO_SMALL = 'decoder.ppp.pkt_too_small';
export const PPPOE_PKT_TOO_SMALL = 'decoder.pppoe.pkt_too_small';
export const CHDLC_PKT_TOO_SMALL = 'decoder.chdlc.pkt_too_small';
export const MPLS_HEADER_TOO_SMALL = 'decoder.mpls.header_too_small';
export const MPLS_UNKNOWN_PAYLOAD_TYPE = 'decoder.mpls.unknown_payload_type';

export const IPV4_PKT_TOO_SMALL = 'decoder.ipv4.pkt_too_small';
export const IPV4_HLEN_TOO_SMALL = 'decoder.ipv4.hlen_too_small';
export const IPV4_IPLEN_SMALLER_THAN_HLEN = 'decoder.ipv4.iplen_smaller_than_hlen';
export const IPV4_TRUNC_PKT = 'decoder.ipv4.trunc_pkt';
export const IPV4_WRONG_IP_VER = 'decoder.ipv4.wrong_ip_version';
export const IPV4_WITH_ICMPV6 = 'decoder.ipv4.icmpv6';
export const IPV4_FRAG_PKT_TOO_LARGE = 'decoder.ipv4.frag_pkt_too_large';
export const IPV4_FRAG_OVERLAP = 'decoder.ipv4.frag_overlap';
export const IPV4_FRAG_IGNORED = 'decoder.ipv4.frag_ignored';

export const IPV6_PKT_TOO_SMALL = 'decoder.ipv6.pkt_too_small';
export const IPV6_TRUNC_PKT = 'decoder.ipv6.trunc_pkt';
export const IPV6_TRUNC_EXTHDR = 'decoder.ipv6.trunc_exthdr';
export const IPV6_EXTHDR_DUPL_FH = 'decoder.ipv6.exthdr_dupl_fh';
export const IPV6_EXTHDR_USELESS_FH = 'decoder.ipv6.exthdr_useless_fh';
export const IPV6_EXTHDR_DUPL_RH = 'decoder.ipv6.exthdr_dupl_rh';
export const IPV6_EXTHDR_DUPL_HH = 'decoder.ipv6.exthdr_dupl_hh';
export const IPV6_EXTHDR_DUPL_DH = 'decoder.ipv6.exthdr_dupl_dh';
export const IPV6_EXTHDR_DUPL_AH = 'decoder.ipv6.exthdr_dupl_ah';
export const IPV6_EXTHDR_INVALID_OPTLEN = 'decoder.ipv6.exthdr_invalid_optlen';
export const IPV6_EXTHDR_AH_RES_NOT_NULL = 'decoder.ipv6.exthdr_ah_res_not_null';
export const IPV6_HOPOPTS_UNKNOWN_OPT = 'decoder.ipv6.hopopts_unknown_opt';
export const IPV6_HOPOPTS_ONLY_PADDING = 'decoder.ipv6.hopopts_only_padding';
export const IPV6_DSTOPTS_UNKNOWN_OPT = 'decoder.ipv6.dstopts_unknown_opt';
export const IPV6_DSTOPTS_ONLY_PADDING = 'decoder.ipv6.dstopts_only_padding';
export const IPV6_RH_TYPE_0 = 'decoder.ipv6.rh_type_0';
export const IPV6_ZERO_LEN_PADN = 'decoder.ipv6.zero_len_padn';
export const IPV6_FH_NON_ZERO_RES_FIELD = 'decoder.ipv6.fh_non_zero_reserved_field';
export const IPV6_FRAG_INVALID_LENGTH = 'decoder.ipv6.frag_invalid_length';
export const IPV6_WRONG_IP_VER = 'decoder.ipv6.wrong_ip_version';
export const IPV6_WITH_ICMPV4 = 'decoder.ipv6.icmpv4';
export const IPV6_DATA_AFTER_NONE_HEADER = 'decoder.ipv6.data_after_none_header';
export const IPV6_FRAG_PKT_TOO_LARGE = 'decoder.ipv6.frag_pkt_too_large';
export const IPV6_FRAG_OVERLAP = 'decoder.ipv6.frag_overlap';
export const IPV6_FRAG_IGNORED = 'decoder.ipv6.frag_ignored';
export const IPV4_IN_IPV6_WRONG_IP_VER = 'decoder.ipv6.ipv4_in_ipv6_wrong_version';
export const IPV6_IN_IPV6_WRONG_IP_VER = 'decoder.ipv6.ipv6_in_ipv6_wrong_version';

export const TCP_PKT_TOO_SMALL = 'decoder.tcp.pkt_too_small';
export const TCP_HLEN_TOO_SMALL = 'decoder.tcp.hlen_too_small';
export const TCP_INVALID_OPTLEN = 'decoder.tcp.invalid_optlen';
export const TCP_OPT_INVALID_LEN = 'decoder.tcp.opt_invalid_len';
export const TCP_OPT_DUPLICATE = 'decoder.tcp.opt_duplicate';
export const UDP_PKT_TOO_SMALL = 'decoder.udp.pkt_too_small';
export const UDP_HLEN_TOO_SMALL = 'decoder.udp.hlen_too_small';
export const UDP_LEN_INVALID = 'decoder.udp.len_invalid';
export const ICMPV4_PKT_TOO_SMALL = 'decoder.icmpv4.pkt_too_small';
export const ICMPV6_PKT_TOO_SMALL = 'decoder.icmpv6.pkt_too_small';
export const SCTP_PKT_TOO_SMALL = 'decoder.sctp.pkt_too_small';

export const GRE_PKT_TOO_SMALL = 'decoder.gre.pkt_too_small';
export const GRE_WRONG_VERSION = 'decoder.gre.wrong_version';
export const GRE_VERSION0_HDR_TOO_BIG = 'decoder.gre.version0_hdr_too_big';
export const GRE_VERSION0_MALFORMED_SRE_HDR = 'decoder.gre.version0_malformed_sre_hdr';
export const GRE_VERSION1_NO_KEY = 'decoder.gre.version1_no_key';
export const GRE_VERSION1_WRONG_PROTOCOL = 'decoder.gre.version1_wrong_protocol';
export const GRE_VERSION1_HDR_TOO_BIG = 'decoder.gre.version1_hdr_too_big';
export const ERSPAN_HEADER_TOO_SMALL = 'decoder.erspan.header_too_small';
export const ERSPAN_UNSUPPORTED_VERSION = 'decoder.erspan.unsupported_version';
export const VXLAN_UNKNOWN_PAYLOAD_TYPE = 'decoder.vxlan.unknown_payload_type';
export const GENEVE_UNKNOWN_PAYLOAD_TYPE = 'decoder.geneve.unknown_payload_type';
export const ARP_PKT_TOO_SMALL = 'decoder.arp.pkt_too_small';
export const ARP_UNSUPPORTED_HARDWARE = 'decoder.arp.unsupported_hardware';
export const ARP_UNSUPPORTED_PROTOCOL = 'decoder.arp.unsupported_protocol';
export const ARP_INVALID_PKT = 'decoder.arp.invalid_pkt';
export const ARP_INVALID_HARDWARE_SIZE = 'decoder.arp.invalid_hardware_size';
export const ARP_INVALID_PROTOCOL_SIZE = 'decoder.arp.invalid_protocol_size';
export const ARP_UNSUPPORTED_OPCODE = 'decoder.arp.unsupported_opcode';
export const NSH_HEADER_TOO_SMALL = 'decoder.nsh.header_too_small';
export const NSH_UNSUPPORTED_VERSION = 'decoder.nsh.unsupported_version';
export const NSH_BAD_HEADER_LENGTH = 'decoder.nsh.bad_header_length';
export const NSH_RESERVED_TYPE = 'decoder.nsh.reserved_type';
export const NSH_UNSUPPORTED_TYPE = 'decoder.nsh.unsupported_type';
export const NSH_UNKNOWN_PAYLOAD = 'decoder.nsh.unknown_payload';
export const ETHERNET_UNKNOWN_ETHERTYPE = 'decoder.ethernet.unknown_ethertype';

/** Suricata has no event for these. */
export const TUNNEL_TOO_DEEP = 'decoder.moat.tunnel_too_deep';
export const TOO_MANY_LAYERS = 'decoder.moat.too_many_layers';
export const GENEVE_HEADER_TOO_SMALL = 'decoder.moat.geneve_header_too_small';
export const VXLAN_HEADER_TOO_SMALL = 'decoder.moat.vxlan_header_too_small';
export const DECODER_INTERNAL_ERROR = 'decoder.moat.internal_error';
export const CAPWAP_HEADER_TOO_SMALL = 'decoder.moat.capwap_header_too_small';
export const CAPWAP_HLEN_INVALID = 'decoder.moat.capwap_hlen_invalid';

/** Every decoder event name moat raises (Suricata's `decoder.*` names, and moat's own under `decoder.moat.*`). */
export function decoderEventNames(): readonly string[] {
  return DECODER_EVENT_NAMES;
}

/**
 * Raises a decoder event on the packet. `anomaly` keeps the first (the one EVE's anomaly record names: it
 * explains why decoding stopped or went odd); `events` keeps each, for decode-event rules.
 */
export function setAnomaly(pkt: DecodedPacket, name: string): void {
  if (pkt.anomaly === '') pkt.anomaly = name;
  addPacketEvent(pkt, name);
}

/** Adds an event to the packet's list for event rules (up to MAX_PACKET_EVENTS; the anomaly record is untouched). */
export function addPacketEvent(pkt: DecodedPacket, name: string): void {
  const n = pkt.eventCount;
  if (n < MAX_PACKET_EVENTS) {
    pkt.events[n] = name;
    pkt.eventCount = n + 1;
  }
}

/** Whether the packet carries the event (a `decoder.…` or `stream.…` name). */
export function hasDecoderEvent(pkt: DecodedPacket, name: string): boolean {
  const ev = pkt.events;
  for (let i = 0; i < pkt.eventCount; i++) if (ev[i] === name) return true;
  return false;
}

/** Kept beside the constants: a new event goes in both places (decode-event rules refuse names not here). */
const DECODER_EVENT_NAMES: string[] = [
  ETHERNET_PKT_TOO_SMALL,
  VLAN_HEADER_TOO_SMALL,
  VLAN_TOO_MANY_LAYERS,
  SLL_PKT_TOO_SMALL,
  LTNULL_PKT_TOO_SMALL,
  LTNULL_UNSUPPORTED_TYPE,
  IPRAW_INVALID_IPV,
  PPP_PKT_TOO_SMALL,
  PPPOE_PKT_TOO_SMALL,
  CHDLC_PKT_TOO_SMALL,
  MPLS_HEADER_TOO_SMALL,
  MPLS_UNKNOWN_PAYLOAD_TYPE,
  IPV4_PKT_TOO_SMALL,
  IPV4_HLEN_TOO_SMALL,
  IPV4_IPLEN_SMALLER_THAN_HLEN,
  IPV4_TRUNC_PKT,
  IPV4_WRONG_IP_VER,
  IPV4_WITH_ICMPV6,
  IPV4_FRAG_PKT_TOO_LARGE,
  IPV4_FRAG_OVERLAP,
  IPV4_FRAG_IGNORED,
  IPV6_PKT_TOO_SMALL,
  IPV6_TRUNC_PKT,
  IPV6_TRUNC_EXTHDR,
  IPV6_EXTHDR_DUPL_FH,
  IPV6_EXTHDR_USELESS_FH,
  IPV6_EXTHDR_DUPL_RH,
  IPV6_EXTHDR_DUPL_HH,
  IPV6_EXTHDR_DUPL_DH,
  IPV6_EXTHDR_DUPL_AH,
  IPV6_EXTHDR_INVALID_OPTLEN,
  IPV6_EXTHDR_AH_RES_NOT_NULL,
  IPV6_HOPOPTS_UNKNOWN_OPT,
  IPV6_HOPOPTS_ONLY_PADDING,
  IPV6_DSTOPTS_UNKNOWN_OPT,
  IPV6_DSTOPTS_ONLY_PADDING,
  IPV6_RH_TYPE_0,
  IPV6_ZERO_LEN_PADN,
  IPV6_FH_NON_ZERO_RES_FIELD,
  IPV6_FRAG_INVALID_LENGTH,
  IPV6_WRONG_IP_VER,
  IPV6_WITH_ICMPV4,
  IPV6_DATA_AFTER_NONE_HEADER,
  IPV6_FRAG_PKT_TOO_LARGE,
  IPV6_FRAG_OVERLAP,
  IPV6_FRAG_IGNORED,
  IPV4_IN_IPV6_WRONG_IP_VER,
  IPV6_IN_IPV6_WRONG_IP_VER,
  TCP_PKT_TOO_SMALL,
  TCP_HLEN_TOO_SMALL,
  TCP_INVALID_OPTLEN,
  TCP_OPT_INVALID_LEN,
  TCP_OPT_DUPLICATE,
  UDP_PKT_TOO_SMALL,
  UDP_HLEN_TOO_SMALL,
  UDP_LEN_INVALID,
  ICMPV4_PKT_TOO_SMALL,
  ICMPV6_PKT_TOO_SMALL,
  SCTP_PKT_TOO_SMALL,
  GRE_PKT_TOO_SMALL,
  GRE_WRONG_VERSION,
  GRE_VERSION0_HDR_TOO_BIG,
  GRE_VERSION0_MALFORMED_SRE_HDR,
  GRE_VERSION1_NO_KEY,
  GRE_VERSION1_WRONG_PROTOCOL,
  GRE_VERSION1_HDR_TOO_BIG,
  ERSPAN_HEADER_TOO_SMALL,
  ERSPAN_UNSUPPORTED_VERSION,
  VXLAN_UNKNOWN_PAYLOAD_TYPE,
  GENEVE_UNKNOWN_PAYLOAD_TYPE,
  ARP_PKT_TOO_SMALL,
  ARP_UNSUPPORTED_HARDWARE,
  ARP_UNSUPPORTED_PROTOCOL,
  ARP_INVALID_PKT,
  ARP_INVALID_HARDWARE_SIZE,
  ARP_INVALID_PROTOCOL_SIZE,
  ARP_UNSUPPORTED_OPCODE,
  NSH_HEADER_TOO_SMALL,
  NSH_UNSUPPORTED_VERSION,
  NSH_BAD_HEADER_LENGTH,
  NSH_RESERVED_TYPE,
  NSH_UNSUPPORTED_TYPE,
  NSH_UNKNOWN_PAYLOAD,
  ETHERNET_UNKNOWN_ETHERTYPE,
  TUNNEL_TOO_DEEP,
  TOO_MANY_LAYERS,
  GENEVE_HEADER_TOO_SMALL,
  VXLAN_HEADER_TOO_SMALL,
  DECODER_INTERNAL_ERROR,
  CAPWAP_HEADER_TOO_SMALL,
  CAPWAP_HLEN_INVALID,
];
