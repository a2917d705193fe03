/**
 * Wraps a Pipeline so that every 65,536 packets the fraction of the file read is reported. Each record
 * costs its captured bytes plus a 16-byte header, which is close enough for a progress bar.
 */
import type { PacketSink } from '../capture/packet.js';
import type { Pipeline } from './pipeline.js';

const PROGRESS_EVERY = 1 << 16;

export function withProgress(
  pipeline: Pipeline,
  fileSize: number,
  report: (fraction: number) => void,
): PacketSink {
  let countdown = PROGRESS_EVERY;
  const st = pipeline.stats;
  return {
    onPacket(buf, off, caplen, wirelen, tsUs, linkType) {
      pipeline.onPacket(buf, off, caplen, wirelen, tsUs, linkType);
      if (--countdown === 0) {
        countdown = PROGRESS_EVERY;
        report(Math.min(1, (st.bytes + 16 * st.packets) / fileSize));
      }
    },
  };
}
