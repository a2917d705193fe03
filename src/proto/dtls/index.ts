/** DTLS 1.0/1.2 handshakes (SNI, version, JA3/JA4 'd', certificates), logged as `tls`; registered as `dtlsProtocol`. */
import type { DatagramProtocolDef } from '../app-layer.js';
import { DtlsParser, dtlsVersionName } from './parser.js';
import { probeDtls } from './probe.js';

export const dtlsProtocol: DatagramProtocolDef = {
  proto: 'dtls',
  probe: (dir, buf, off, len) => probeDtls(dir, buf, off, len),
  create: (ctx) => new DtlsParser(ctx),
};

export { DtlsParser, dtlsVersionName, probeDtls };
