export * from './packet.js';
export { openCaptureFile } from './open.js';
export { PcapFileSource } from './pcap-file.js';
export { PcapngFileSource } from './pcapng-file.js';
export { openLiveCapture, LiveCaptureSource, LiveCaptureError, type LiveOptions } from './live.js';
export { PcapWriter } from './pcap-writer.js';
export { type BufferProvider } from './chunk-reader.js';
export { type CaptureCounters } from './live-stats.js';
