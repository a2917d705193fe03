/**
 * Layer ids for the decode loop in packet-decoder.ts. Every layer function reads its header at the cursor,
 * fills the reused DecodedPacket and returns the id of the next layer (or one of the terminal ids), as
 * gopacket's DecodingLayerParser chains layers by "next layer type" instead of by calling each other.
 */

export const L_ETHERNET = 1;
export const L_VLAN = 2;
export const L_SLL = 3;
export const L_SLL2 = 4;
export const L_NULL = 5;
export const L_LOOP = 6;
export const L_RAW_IP = 7;
export const L_IPV4 = 8;
export const L_IPV6 = 9;
export const L_TCP = 10;
export const L_UDP = 11;
export const L_ICMP = 12;
export const L_ICMPV6 = 13;
export const L_SCTP = 14;
export const L_GRE = 15;
export const L_ERSPAN2 = 16;
export const L_ERSPAN3 = 17;
export const L_VXLAN = 18;
export const L_GENEVE = 19;
export const L_MPLS = 20;
export const L_PPP = 21;
export const L_PPPOE = 22;
export const L_TEREDO = 23;
export const L_CHDLC = 24;
export const L_PFLOG = 25;
export const L_NFLOG = 26;
export const L_LLC = 27;
export const L_AYIYA = 29;
export const L_IEEE80211 = 30;
export const L_RADIOTAP = 31;
export const L_GTPU = 32;
export const L_CAPWAP = 33;
export const L_ARP = 34;
export const L_NSH = 35;
/** An IP protocol moat does not look into (ESP, OSPF …): the packet is complete at the IP layer. */
export const L_IP_PAYLOAD = 28;

/** Terminal ids. */
export const L_DONE = 100;
export const L_NOT_IP = 101;
export const L_ERROR = 102;
export const L_HELD = 103;
