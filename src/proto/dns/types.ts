/** One DNS message (query or response) over UDP or TCP. */
export interface DnsQuestion {
  name: string;
  /** Numeric type and its mnemonic ('A', 'AAAA', …; 'TYPE65' style when unknown). */
  type: number;
  typeName: string;
  /** Query class (1 = IN; mDNS sets the top bit for unicast-response). */
  qclass: number;
  /** The name was longer than 1,025 characters and was cut (Suricata's `rrname_truncated`). */
  nameTruncated?: boolean;
}

/** SOA rdata fields, kept structured because Suricata logs them as an object. */
export interface DnsSoa {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

/** SRV rdata fields (RFC 2782). */
export interface DnsSrv {
  priority: number;
  weight: number;
  port: number;
  name: string;
}

export interface DnsAnswer {
  name: string;
  /** The owner name was longer than 1,025 characters and was cut. */
  nameTruncated?: boolean;
  type: number;
  typeName: string;
  /** Record class (1 = IN); for OPT this is the requester's UDP payload size. */
  rclass: number;
  ttl: number;
  /** Presentation form of the data: address, name, text … */
  data: string;
  soa?: DnsSoa;
  srv?: DnsSrv;
  /** MX preference (data holds the exchange name). */
  preference?: number;
  /** TXT strings one by one (data joins them). */
  txt?: string[];
  /** A name in the data (CNAME, NS, PTR, MX …) was longer than 1,025 characters and was cut. */
  dataTruncated?: boolean;
  /** SSHFP rdata (RFC 4255): algorithm, fingerprint type, fingerprint as colon-separated hex. */
  sshfp?: DnsSshfp;
  /** OPT pseudo-record options (RFC 6891 §6.1.2), data as hex. */
  opt?: DnsOption[];
}

export interface DnsSshfp {
  algo: number;
  type: number;
  fingerprint: string;
}

export interface DnsOption {
  code: number;
  data: string;
}

export interface DnsMessage {
  id: number;
  isResponse: boolean;
  opcode: number;
  /** The 16-bit flags word after the id (QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode). */
  flags: number;
  /** rcode mnemonic: NOERROR, NXDOMAIN, SERVFAIL … */
  rcode: string;
  /** Numeric rcode (header's 4 bits, extended by an OPT record's upper 8 bits when present). */
  rcodeValue: number;
  questions: DnsQuestion[];
  answers: DnsAnswer[];
  authorities: DnsAnswer[];
  additionals: DnsAnswer[];
  /** Which way it travelled: 0 as the flow's first packet, 1 the other way (EVE v3 names the packet's tuple). */
  dir: number;
  /** Transport the message came on. */
  transport: 'udp' | 'tcp';
  /** Transaction number within the flow (Suricata's `tx_id`): every message is one, in arrival order. */
  txId: number;
  /** The message ended before all sections the header announced were read. */
  truncated: boolean;
}
