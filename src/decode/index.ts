/** The decode stage's public surface. */
export { PacketDecoder, linkLayerFor, type PacketDecoderOptions } from './packet-decoder.js';
export { IpReassembler, type ReassemblyOptions, type ReassemblyStats } from './ip-reassembly.js';
export * from './decoded-packet.js';
export { ipProtoName } from './proto-names.js';
export {
  PORT_AYIYA,
  PORT_CAPWAP_DATA,
  PORT_GENEVE,
  PORT_GRE_IN_UDP,
  PORT_GTPU,
  PORT_TEREDO,
  PORT_VXLAN,
} from './udp.js';
export { addPacketEvent, decoderEventNames, hasDecoderEvent } from './anomalies.js';
