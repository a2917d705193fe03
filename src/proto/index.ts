/**
 * The protocol parsers' public surface: the registry the pipeline hands the flow tracker, and the records the
 * parsers emit (the flow layer's parser contract, bound to them).
 */
export { appProtocols, appProtocolsWith, datagramProtocols, streamProtocols } from './registry.js';
export type {
  AppContext,
  AppProtocols,
  AppRecord,
  DatagramProtocolDef,
  StreamProtocolDef,
} from './app-layer.js';
export { type DnsAnswer, type DnsMessage } from './dns/types.js';
export { rrTypeNumber } from './dns/rr-types.js';
export { type HttpFile, type HttpTransaction } from './http/types.js';
export {
  ERROR_NAMES,
  SETTING_NAMES,
  type HeaderEntry,
  type Http2Details,
  type Http2Side,
} from './http2/index.js';
export { isGrease, versionName } from './tls/constants.js';
export { quicVersionName, type QuicRecord } from './quic/index.js';
export { type TlsHandshake } from './tls/types.js';
export { FRAME_NAMES, type AppFrame } from './frames/index.js';
export { parseCertificate } from './x509/index.js';
export { formatCertTime } from './x509/time.js';
export { type CertificateInfo } from './x509/types.js';
export { DEFAULT_BODY_LIMIT, type FileHashName, type HttpParseOptions } from './http/index.js';
export { parseContentRange } from './http/transaction.js';
