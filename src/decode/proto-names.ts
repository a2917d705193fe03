/** IP protocol numbers by the names Suricata's EVE gives them (`proto`); others are written as their number. */
const PROTO_NAMES: Record<number, string> = {
  1: 'ICMP',
  6: 'TCP',
  17: 'UDP',
  47: 'GRE',
  50: 'ESP',
  58: 'IPv6-ICMP',
  132: 'SCTP',
};

export function ipProtoName(proto: number): string {
  return PROTO_NAMES[proto] ?? String(proto);
}
