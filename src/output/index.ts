/** The public surface of output/: other folders import only this file. */
export { type AlertChannel, type AlertSink } from './alerts/channel.js';
export { AlertDispatcher } from './alerts/dispatcher.js';
export { SmtpChannel } from './alerts/smtp.js';
export { SyslogChannel } from './alerts/syslog.js';
export { WebhookChannel } from './alerts/webhook.js';
export {
  writeAlertRecord,
  writeFlowlessRuleAlert,
  writePacketMember,
  type AlertOutputOptions,
  type AlertPlace,
  type AlertRecord,
} from './eve/alert.js';
export { writeAppLayerAnomaly, writeDecodeAnomaly, writePacketAnomalyHeader } from './eve/anomaly.js';
export {
  DEFAULT_DNS_LOG,
  dnsEventCount,
  dnsLogConfig,
  writeDnsAlertMember,
  writeDnsEve,
  type DnsLogConfig,
  type DnsLogOptions,
} from './eve/dns.js';
export { writeFlowRecord } from './eve/flow.js';
export { writeArpRecord } from './eve/arp.js';
export { writeFrameMember } from './eve/frame.js';
export { netflowRecordCount, writeNetflowRecord } from './eve/netflow.js';
export { writeEveHeader, writeEveHeaderAs, type EveEvent, type TupleView } from './eve/header.js';
export { writeHttpEve, type HttpHeaderDump } from './eve/http.js';
export { writeFileinfoEve } from './eve/fileinfo.js';
export { writeQuicEve } from './eve/quic.js';
export { num, raw, str, type EveBytesOut } from './eve/json-out.js';
export { EveLineOut, EveNullOut, lineSince } from './eve/line-out.js';
export { eveNow, formatEveTimestamp } from './eve/timestamp.js';
export { tlsEventLogged, writeTlsEve } from './eve/tls.js';
export { EveFileWriter } from './eve/writer.js';
export { fastLogLine, fastLogText, writeFastLogFromEve } from './fast-log.js';
