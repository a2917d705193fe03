/**
 * Sampling announcements for NetFlow v9 and IPFIX. Collectors do not take the sampling rate from a field in each
 * flow record: they learn it from option data records (RFC 3954 §6.1, RFC 7011 §3.4.2.2) and apply it to the
 * records of the same exporter — in nfdump, the same (address, source id / observation domain). So each 1:N rate
 * moat uses is exported under its own source id / observation domain (see exporter.ts), and that domain announces
 * its rate in an options template plus one option data record, sent with the first packet and with every template
 * refresh (a collector that restarts must relearn it).
 *
 * Field choice, checked against Debian's nfcapd 1.7.1 (test/flow/export/nfcapd.test.ts): the options carry
 * SAMPLING_INTERVAL / samplingInterval (34) alone. That build recognises a sampling option template only with 34
 * and no SAMPLING_ALGORITHM (35), or with samplingPacketSpace (306) and neither selectorId (302) nor
 * selectorAlgorithm (304); and it applies an option record without a sampler id to every record of the domain only
 * in the first form. Scope: System (v9 scope type 1) / observationDomainId (IPFIX 149), the domain itself.
 */

const V9_SCOPE_SYSTEM = 1;
const IPFIX_OBSERVATION_DOMAIN_ID = 149;
const SAMPLING_INTERVAL = 34;

/**
 * The option data set both protocols send after their options template: set id = the template id, then one
 * record of (4-byte scope value, 4-byte sampling interval).
 */
function optionData(templateId: number, scope: number, rate: number): Buffer {
  const d = Buffer.alloc(4 + 8);
  d.writeUInt16BE(templateId, 0);
  d.writeUInt16BE(d.length, 2);
  d.writeUInt32BE(scope >>> 0, 4);
  d.writeUInt32BE(rate >>> 0, 8);
  return d;
}

/** v9 options template FlowSet (id 1) + option data FlowSet announcing 1:`rate` for this source id. */
export function v9SamplingOptions(templateId: number, sourceId: number, rate: number): Buffer[] {
  const t = Buffer.alloc(4 + 6 + 8 + 2); // padded to a 4-byte boundary
  t.writeUInt16BE(1, 0);
  t.writeUInt16BE(t.length, 2);
  t.writeUInt16BE(templateId, 4);
  t.writeUInt16BE(4, 6); // scope length in bytes: one (type, length) pair
  t.writeUInt16BE(4, 8); // option length in bytes: one pair
  t.writeUInt16BE(V9_SCOPE_SYSTEM, 10);
  t.writeUInt16BE(4, 12);
  t.writeUInt16BE(SAMPLING_INTERVAL, 14);
  t.writeUInt16BE(4, 16);
  return [t, optionData(templateId, sourceId, rate)];
}

/** IPFIX options template set (id 3) + data set announcing 1:`rate` for this observation domain. */
export function ipfixSamplingOptions(templateId: number, domainId: number, rate: number): Buffer[] {
  const t = Buffer.alloc(4 + 6 + 8);
  t.writeUInt16BE(3, 0);
  t.writeUInt16BE(t.length, 2);
  t.writeUInt16BE(templateId, 4);
  t.writeUInt16BE(2, 6); // field count
  t.writeUInt16BE(1, 8); // scope field count
  t.writeUInt16BE(IPFIX_OBSERVATION_DOMAIN_ID, 10);
  t.writeUInt16BE(4, 12);
  t.writeUInt16BE(SAMPLING_INTERVAL, 14);
  t.writeUInt16BE(4, 16);
  return [t, optionData(templateId, domainId, rate)];
}
