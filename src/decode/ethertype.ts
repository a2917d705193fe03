/** The dispatch table from an ethertype (Ethernet, VLAN, SLL, GRE, Geneve …) to the layer that decodes it. */
import { L_ARP, L_ETHERNET, L_IPV4, L_IPV6, L_MPLS, L_NOT_IP, L_NSH, L_PPPOE, L_VLAN } from './layers.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100; // 802.1Q
export const ETHERTYPE_QINQ = 0x88a8; // 802.1ad service tag
export const ETHERTYPE_QINQ_OLD = 0x9100; // pre-standard QinQ outer tag
export const ETHERTYPE_TEB = 0x6558; // transparent Ethernet bridging (GRE, Geneve)
export const ETHERTYPE_MPLS = 0x8847;
export const ETHERTYPE_MPLS_MC = 0x8848;
export const ETHERTYPE_PPPOE_SESSION = 0x8864;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_NSH = 0x894f; // RFC 8300

export function nextForEthertype(type: number): number {
  switch (type) {
    case ETHERTYPE_IPV4:
      return L_IPV4;
    case ETHERTYPE_IPV6:
      return L_IPV6;
    case ETHERTYPE_VLAN:
    case ETHERTYPE_QINQ:
    case ETHERTYPE_QINQ_OLD:
      return L_VLAN;
    case ETHERTYPE_TEB:
      return L_ETHERNET;
    case ETHERTYPE_MPLS:
    case ETHERTYPE_MPLS_MC:
      return L_MPLS;
    case ETHERTYPE_PPPOE_SESSION:
      return L_PPPOE;
    case ETHERTYPE_ARP:
      return L_ARP;
    case ETHERTYPE_NSH:
      return L_NSH;
    default:
      return L_NOT_IP;
  }
}

/**
 * Ethertypes Suricata's decoder takes (PPPoE discovery, 802.1ah, Cisco DCE, VN-Tag) that moat does not look into:
 * the frame is not IP, but its type is not unknown either (no `decoder.ethernet.unknown_ethertype`).
 */
export function isKnownEthertype(type: number): boolean {
  return type === 0x8863 || type === 0x88e7 || type === 0x8903 || type === 0x8926;
}
