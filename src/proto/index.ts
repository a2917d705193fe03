/**
 * The protocol parsers' public surface: the registry the pipeline hands the flow tracker, and the records the
 * parsers emit (the flow layer's parser contract, bound to them).
 */
export { appProtocols, datagramProtocols, streamProtocols } from './registry.js';
export type {
  AppContext,
  AppProtocols,
  AppRecord,
  DatagramProtocolDef,
  StreamProtocolDef,
} from './app-layer.js';
