/** One DNS message (query or response) over UDP or TCP. */
export interface DnsQuestion {
  name: string;
  /** Numeric type and its mnemonic ('A', 'AAAA', …; 'TYPE65' style when unknown). */
  type: number;
  typeName: string;
}

export interface DnsAnswer {
  name: string;
  type: number;
  typeName: string;
  ttl: number;
  /** Presentation form of the data: address, name, text … */
  data: string;
}

export interface DnsMessage {
  id: number;
  isResponse: boolean;
  opcode: number;
  flags: number;
  /** rcode mnemonic: NOERROR, NXDOMAIN, SERVFAIL … */
  rcode: string;
  questions: DnsQuestion[];
  answers: DnsAnswer[];
  authorities: DnsAnswer[];
}
